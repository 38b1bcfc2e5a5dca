import { useEffect, useState, type MouseEvent } from 'react';

/** A minimal History API router: the console's routes live under the Vite base (/console/). */
const BASE = import.meta.env.BASE_URL.replace(/\/$/, '');

export type Route =
  | { page: 'conversations' }
  | { page: 'chat'; conversationId: string }
  | { page: 'insights' }
  | { page: 'not-found' };

export function parseRoute(pathname: string): Route {
  const path = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'conversations'))
    return { page: 'conversations' };
  if (parts.length === 2 && parts[0] === 'conversations')
    return { page: 'chat', conversationId: decodeURIComponent(parts[1]) };
  if (parts.length === 1 && parts[0] === 'insights') return { page: 'insights' };
  return { page: 'not-found' };
}

export function href(path: string): string {
  return `${BASE}${path}`;
}

/** `state` travels with the history entry (e.g. a conversation just created, shown before it is stored). */
export function navigate(path: string, state: unknown = null): void {
  window.history.pushState(state, '', href(path));
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const update = (): void => setRoute(parseRoute(window.location.pathname));
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return route;
}

/** Client-side navigation for plain links (keeps Ctrl/Cmd-click opening a new tab). */
export function onLinkClick(event: MouseEvent<HTMLAnchorElement>, path: string): void {
  if (
    event.defaultPrevented ||
    event.button !== 0 ||
    event.metaKey ||
    event.ctrlKey ||
    event.shiftKey ||
    event.altKey
  )
    return;
  event.preventDefault();
  navigate(path);
}
