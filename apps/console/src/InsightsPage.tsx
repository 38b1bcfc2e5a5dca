import { useCallback, useEffect, useState, type ReactNode } from 'react';
import {
  errorMessage,
  type Alert,
  type Api,
  type Funnel,
  type Intents,
  type Objections,
  type PromptVersions,
} from './api';
import { href, onLinkClick } from './router';

type Loaded<T> = { data?: T; error?: string };

function useLoad<T>(load: () => Promise<T>): [Loaded<T> | null, () => void] {
  const [state, setState] = useState<Loaded<T> | null>(null);
  const run = useCallback(() => {
    setState(null);
    load().then(
      (data) => setState({ data }),
      (e: unknown) => setState({ error: errorMessage(e) }),
    );
  }, [load]);
  useEffect(run, [run]);
  return [state, run];
}

const pct = (n: number | null | undefined): string =>
  n === null || n === undefined ? '—' : `${Math.round(n * 100)}%`;
const words = (s: string): string => s.replace(/_/g, ' ');

/** Last 30 days of the tenant's analytics, plus the open alerts. */
export function InsightsPage(props: { api: Api }): ReactNode {
  const { api } = props;
  const [funnel, reloadFunnel] = useLoad(useCallback(() => api.funnel(), [api]));
  const [objections, reloadObjections] = useLoad(useCallback(() => api.objections(), [api]));
  const [intents, reloadIntents] = useLoad(useCallback(() => api.intents(), [api]));
  const [versions, reloadVersions] = useLoad(useCallback(() => api.promptVersions(), [api]));
  const [alerts, reloadAlerts] = useLoad(useCallback(() => api.alerts(), [api]));

  return (
    <>
      <h1>Insights</h1>
      <div className="insights">
        <Panel
          title="Funnel"
          state={funnel}
          retry={reloadFunnel}
          empty={(f: Funnel) => f.conversations === 0}
        >
          {(f: Funnel) => (
            <table>
              <caption className="visually-hidden">Conversations reaching each stage</caption>
              <thead>
                <tr>
                  <th scope="col">Stage</th>
                  <th scope="col">Reached</th>
                  <th scope="col">Conversion</th>
                </tr>
              </thead>
              <tbody>
                {f.stages.map((s) => (
                  <tr key={s.stage}>
                    <th scope="row">{words(s.stage)}</th>
                    <td>
                      <Bar value={s.reached} max={f.conversations} /> {s.reached}
                    </td>
                    <td>{pct(s.conversionRate)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Panel>
        <Panel
          title="Objections"
          state={objections}
          retry={reloadObjections}
          empty={(o: Objections) => o.items.length === 0}
        >
          {(o: Objections) => (
            <table>
              <caption className="visually-hidden">Objections met and handled</caption>
              <thead>
                <tr>
                  <th scope="col">Objection</th>
                  <th scope="col">Met</th>
                  <th scope="col">Handled</th>
                </tr>
              </thead>
              <tbody>
                {o.items.map((i) => (
                  <tr key={i.type}>
                    <th scope="row">{words(i.type)}</th>
                    <td>{i.count}</td>
                    <td>{pct(i.handledRate)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Panel>
        <Panel
          title="Intents"
          state={intents}
          retry={reloadIntents}
          empty={(i: Intents) => i.items.length === 0}
        >
          {(i: Intents) => (
            <table>
              <caption className="visually-hidden">Intent frequencies</caption>
              <thead>
                <tr>
                  <th scope="col">Intent</th>
                  <th scope="col">Mentions</th>
                  <th scope="col">Share</th>
                </tr>
              </thead>
              <tbody>
                {i.items.map((x) => (
                  <tr key={x.intent}>
                    <th scope="row">{words(x.intent)}</th>
                    <td>{x.count}</td>
                    <td>{pct(x.share)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Panel>
        <Panel
          title="Satisfaction by prompt version"
          state={versions}
          retry={reloadVersions}
          empty={(v: PromptVersions) => v.items.length === 0}
        >
          {(v: PromptVersions) => (
            <table>
              <caption className="visually-hidden">Ratings and thumbs per prompt version</caption>
              <thead>
                <tr>
                  <th scope="col">Prompt version</th>
                  <th scope="col">Average rating</th>
                  <th scope="col">Ratings</th>
                  <th scope="col">Thumbs up / down</th>
                </tr>
              </thead>
              <tbody>
                {v.items.map((x, n) => (
                  <tr key={`${x.promptVersion}-${x.model ?? n}`}>
                    <th scope="row">
                      {x.promptVersion}
                      {x.model && <span className="meta"> ({x.model})</span>}
                    </th>
                    <td>
                      {x.satisfaction.averageRating === null ? '—' : x.satisfaction.averageRating.toFixed(2)}
                    </td>
                    <td>{x.satisfaction.ratings}</td>
                    <td>
                      {x.satisfaction.thumbsUp} / {x.satisfaction.thumbsDown}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Panel>
        <Panel
          title="Open alerts"
          state={alerts}
          retry={reloadAlerts}
          empty={(a: { items: Alert[] }) => a.items.length === 0}
        >
          {(a: { items: Alert[] }) => (
            <ul className="alerts">
              {a.items.map((x) => (
                <li key={x.id}>
                  <span className={`badge badge-${x.severity}`}>{x.severity}</span>{' '}
                  <strong>{words(x.kind)}</strong>: {x.message}{' '}
                  {x.conversationId && (
                    <a
                      href={href(`/conversations/${x.conversationId}`)}
                      onClick={(e) => onLinkClick(e, `/conversations/${x.conversationId ?? ''}`)}
                    >
                      Open conversation
                    </a>
                  )}
                  <span className="meta"> · {new Date(x.raisedAt).toLocaleString()}</span>
                </li>
              ))}
            </ul>
          )}
        </Panel>
      </div>
    </>
  );
}

function Bar(props: { value: number; max: number }): ReactNode {
  const width = props.max > 0 ? Math.round((props.value / props.max) * 100) : 0;
  return (
    <span className="bar" aria-hidden="true">
      <span style={{ width: `${width}%` }} />
    </span>
  );
}

function Panel<T>(props: {
  title: string;
  state: Loaded<T> | null;
  retry: () => void;
  empty: (data: T) => boolean;
  children: (data: T) => ReactNode;
}): ReactNode {
  const { state } = props;
  return (
    <section aria-label={props.title} className="card">
      <h2>{props.title}</h2>
      {state === null && <p className="empty">Loading…</p>}
      {state?.error && (
        <div role="alert" className="error">
          {state.error}{' '}
          <button type="button" className="secondary" onClick={props.retry}>
            Retry
          </button>
        </div>
      )}
      {state?.data !== undefined &&
        (props.empty(state.data) ? <p className="empty">No data yet.</p> : props.children(state.data))}
    </section>
  );
}
