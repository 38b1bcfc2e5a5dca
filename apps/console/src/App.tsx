import { useCallback, useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { Api, errorMessage, loadConsoleConfig, type ConsoleConfig } from './api';
import { ChatPage } from './ChatPage';
import { ConversationsPage } from './ConversationsPage';
import { InsightsPage } from './InsightsPage';
import { href, onLinkClick, useRoute } from './router';

const KEY_STORAGE = 'sales-console.api-key';

export function App(): ReactNode {
  const [config, setConfig] = useState<ConsoleConfig | null>(null);
  const [apiKey, setApiKey] = useState<string | null>(() => sessionStorage.getItem(KEY_STORAGE));
  const route = useRoute();

  useEffect(() => {
    void loadConsoleConfig().then(setConfig);
  }, []);

  const api = useMemo(() => (apiKey ? new Api(apiKey) : null), [apiKey]);
  const signIn = useCallback((key: string) => {
    sessionStorage.setItem(KEY_STORAGE, key);
    setApiKey(key);
  }, []);
  const signOut = (): void => {
    sessionStorage.removeItem(KEY_STORAGE);
    setApiKey(null);
  };

  if (config === null) return <p className="loading page">Loading…</p>;
  if (!api) return <SignIn config={config} onSignedIn={signIn} />;

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Sales assistant</span>
        <nav aria-label="Main">
          <a
            href={href('/')}
            aria-current={route.page === 'conversations' || route.page === 'chat' ? 'page' : undefined}
            onClick={(e) => onLinkClick(e, '/')}
          >
            Conversations
          </a>
          <a
            href={href('/insights')}
            aria-current={route.page === 'insights' ? 'page' : undefined}
            onClick={(e) => onLinkClick(e, '/insights')}
          >
            Insights
          </a>
          <button type="button" className="secondary" onClick={signOut}>
            Sign out
          </button>
        </nav>
      </header>
      <main id="main" className="page">
        {route.page === 'conversations' && <ConversationsPage api={api} />}
        {route.page === 'chat' && (
          <ChatPage
            key={route.conversationId}
            api={api}
            conversationId={route.conversationId}
            config={config}
          />
        )}
        {route.page === 'insights' && <InsightsPage api={api} />}
        {route.page === 'not-found' && (
          <>
            <h1>Page not found</h1>
            <p>
              <a href={href('/')} onClick={(e) => onLinkClick(e, '/')}>
                Back to the conversations
              </a>
            </p>
          </>
        )}
      </main>
    </>
  );
}

function SignIn(props: { config: ConsoleConfig; onSignedIn: (key: string) => void }): ReactNode {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const tryKey = async (candidate: string): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      // Any authenticated read checks the key (401 problem+json otherwise).
      await new Api(candidate).listConversations();
      props.onSignedIn(candidate);
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) {
      setError('Enter an API key.');
      return;
    }
    void tryKey(trimmed);
  };
  const devKey = props.config.devApiKey;

  return (
    <main id="main" className="page signin">
      <h1>Sign in</h1>
      <p>Use an API key of your tenant (ask your administrator, or create one with the admin API).</p>
      <form onSubmit={submit} className="stack">
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="text"
          autoComplete="off"
          spellCheck={false}
          value={key}
          onChange={(e) => setKey(e.target.value)}
          aria-describedby={error ? 'signin-error' : undefined}
        />
        <div className="row">
          <button type="submit" disabled={busy}>
            Sign in
          </button>
          {devKey && (
            <button type="button" className="secondary" disabled={busy} onClick={() => void tryKey(devKey)}>
              Use development key
            </button>
          )}
        </div>
      </form>
      {busy && <p role="status">Checking the key…</p>}
      {error && (
        <p role="alert" id="signin-error" className="error">
          {error}
        </p>
      )}
    </main>
  );
}
