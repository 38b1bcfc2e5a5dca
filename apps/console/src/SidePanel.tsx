import { useState, type ReactNode } from 'react';
import {
  errorMessage,
  type Api,
  type Citation,
  type CrmProposal,
  type CrmValue,
  type QualificationField,
} from './api';
import type { TurnState } from './ChatPage';

const LABELS: Record<string, string> = {
  budget: 'Budget',
  authority: 'Authority',
  need: 'Need',
  timeline: 'Timeline',
  metrics: 'Metrics',
  economicBuyer: 'Economic buyer',
  decisionCriteria: 'Decision criteria',
  decisionProcess: 'Decision process',
  identifyPain: 'Identify pain',
  champion: 'Champion',
};

const show = (v: CrmValue): string => (v === null ? '—' : String(v));
const pct = (n: number): string => `${Math.round(n * 100)}%`;

/** Analysis, qualification, next best actions, tool calls, sources and CRM proposals of the conversation. */
export function SidePanel(props: {
  api: Api;
  turns: TurnState[];
  proposals: CrmProposal[] | null;
  proposalsError: string | null;
  onProposalDecided: (p: CrmProposal) => void;
  onOpenCitation: (c: Citation) => void;
}): ReactNode {
  const { turns } = props;
  const analysis = [...turns].reverse().find((t) => t.analysis)?.analysis;
  const toolCalls = turns.flatMap((t) => t.toolCalls);
  const citations = new Map<string, Citation>();
  for (const t of turns)
    for (const c of t.reply?.citations ?? []) if (!citations.has(c.sourceId)) citations.set(c.sourceId, c);

  return (
    <aside className="side" aria-label="Conversation insights">
      <section aria-label="Analysis" className="card">
        <h2>Analysis</h2>
        {!analysis ? (
          <p className="empty">No analysis yet.</p>
        ) : (
          <dl className="facts">
            <dt>Intent</dt>
            <dd>
              {analysis.intents.length === 0
                ? '—'
                : analysis.intents
                    .map((i) => `${i.name.replace(/_/g, ' ')} (${pct(i.confidence)})`)
                    .join(', ')}
            </dd>
            <dt>Sentiment</dt>
            <dd>
              {analysis.sentiment.label} ({analysis.sentiment.score.toFixed(2)})
            </dd>
            <dt>Stage</dt>
            <dd>{analysis.stage.replace(/_/g, ' ')}</dd>
            <dt>Objections</dt>
            <dd>
              {analysis.objections.length === 0 ? (
                'None'
              ) : (
                <ul>
                  {analysis.objections.map((o, i) => (
                    <li key={i}>
                      <strong>{o.type}</strong>: “{o.evidence}”
                    </li>
                  ))}
                </ul>
              )}
            </dd>
          </dl>
        )}
      </section>

      <section aria-label="Qualification" className="card">
        <h2>Qualification</h2>
        {!analysis?.qualification ? (
          <p className="empty">No qualification yet.</p>
        ) : (
          (['bant', 'meddic'] as const).map((framework) => (
            <div key={framework}>
              <h3>{framework.toUpperCase()}</h3>
              <dl className="facts">
                {Object.entries(analysis.qualification?.[framework] ?? {}).map(
                  ([field, value]: [string, QualificationField]) => (
                    <QualificationRow key={field} label={LABELS[field] ?? field} field={value} />
                  ),
                )}
              </dl>
            </div>
          ))
        )}
      </section>

      <section aria-label="Next best actions" className="card">
        <h2>Next best actions</h2>
        {!analysis?.nextBestActions?.length ? (
          <p className="empty">No suggested actions yet.</p>
        ) : (
          <ol>
            {analysis.nextBestActions.map((a, i) => (
              <li key={i}>
                <strong>{a.action}</strong>
                {a.reason && <span className="meta"> — {a.reason}</span>}
              </li>
            ))}
          </ol>
        )}
      </section>

      <section aria-label="Tool calls" className="card">
        <h2>Tool calls</h2>
        {toolCalls.length === 0 ? (
          <p className="empty">No tool calls yet.</p>
        ) : (
          <ul>
            {toolCalls.map((c) => (
              <li key={c.id}>
                <code>{c.tool}</code> {c.status}
                {c.durationMs !== null && ` in ${Math.round(c.durationMs)} ms`}
                {c.error && <span className="error-text"> — {c.error.message}</span>}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-label="Sources" className="card">
        <h2>Sources</h2>
        {citations.size === 0 ? (
          <p className="empty">No sources cited yet.</p>
        ) : (
          <ul className="sources">
            {[...citations.values()].map((c) => (
              <li key={c.sourceId}>
                <button type="button" className="link" onClick={() => props.onOpenCitation(c)}>
                  {c.title}
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-label="CRM proposals" className="card">
        <h2>CRM proposals</h2>
        {props.proposalsError && (
          <p role="alert" className="error">
            {props.proposalsError}
          </p>
        )}
        {props.proposals === null && !props.proposalsError && <p className="empty">Loading…</p>}
        {props.proposals?.length === 0 && <p className="empty">No proposed CRM changes.</p>}
        {props.proposals?.map((p) => (
          <Proposal key={p.proposalId} api={props.api} proposal={p} onDecided={props.onProposalDecided} />
        ))}
      </section>
    </aside>
  );
}

function QualificationRow(props: { label: string; field: QualificationField }): ReactNode {
  const { label, field } = props;
  return (
    <>
      <dt>{label}</dt>
      <dd>
        {field.value ?? <span className="meta">unknown</span>}
        {field.value !== null && <span className="meta"> ({pct(field.confidence)})</span>}
        {field.evidence.length > 0 && (
          <ul className="evidence">
            {field.evidence.map((e, i) => (
              <li key={i}>“{e}”</li>
            ))}
          </ul>
        )}
      </dd>
    </>
  );
}

const STATUS: Record<CrmProposal['status'], string> = {
  proposed: 'Awaiting your decision',
  approved: 'Approved, being applied',
  applied: 'Applied',
  auto_applied: 'Applied',
  rejected: 'Rejected',
};

function Proposal(props: {
  api: Api;
  proposal: CrmProposal;
  onDecided: (p: CrmProposal) => void;
}): ReactNode {
  const { proposal } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const decide = async (decision: 'approve' | 'reject'): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      props.onDecided(await props.api.decideProposal(proposal.proposalId, decision));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const kind = proposal.kind.replace(/_/g, ' ');
  const name = kind.charAt(0).toUpperCase() + kind.slice(1);
  return (
    <article aria-label={`Proposal: ${name}`} className="proposal">
      <h3>{name}</h3>
      <table>
        <caption className="visually-hidden">Proposed changes</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">From</th>
            <th scope="col">To</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(proposal.diff).map(([field, change]) => (
            <tr key={field}>
              <th scope="row">{field}</th>
              <td>{show(change.from)}</td>
              <td>{show(change.to)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <span className="meta">Evidence ({proposal.evidenceOrigin}):</span> “{proposal.evidence}”
      </p>
      <p className={`badge badge-${proposal.status}`}>{STATUS[proposal.status]}</p>
      {proposal.status === 'proposed' && (
        <div className="row">
          <button type="button" disabled={busy} onClick={() => void decide('approve')}>
            Approve
          </button>
          <button type="button" className="secondary" disabled={busy} onClick={() => void decide('reject')}>
            Reject
          </button>
        </div>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </article>
  );
}
