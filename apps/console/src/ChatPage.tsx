import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import {
  errorMessage,
  followEvents,
  type Analysis,
  type Api,
  type Citation,
  type ConsoleConfig,
  type ConversationEvent,
  type ConversationSummary,
  type CreatedConversation,
  type CrmProposal,
  type GroundingSource,
  type Role,
  type StreamStatus,
  type ToolCallView,
  type TurnView,
} from './api';
import { pacedEvents } from './paced-events';
import { conversationLabel } from './ConversationsPage';
import { Dialog } from './Dialog';
import { Feedback } from './Feedback';
import { SidePanel } from './SidePanel';

export interface ReplyState {
  replyId: string;
  kind: 'reply' | 'suggestion';
  text: string;
  streaming: boolean;
  nextDelta: number;
  citations: Citation[];
}

export interface TurnState {
  id: string;
  sequence: number;
  role: Role;
  text: string;
  traceId?: string | null;
  suggestionOf?: string;
  reply?: ReplyState;
  analysis?: Analysis;
  failure?: { code: string; message: string };
  toolCalls: ToolCallView[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function fromView(t: TurnView & { suggestion?: { replyId: string } }): TurnState {
  return {
    id: t.id,
    sequence: t.sequence,
    role: t.role,
    text: t.text,
    traceId: t.traceId,
    suggestionOf: t.suggestion?.replyId,
    reply: t.reply && {
      replyId: t.reply.id,
      kind: t.reply.kind,
      text: t.reply.text,
      streaming: false,
      nextDelta: 0,
      citations: t.reply.citations,
    },
    analysis: t.analysis,
    failure: t.failure,
    toolCalls: t.toolCalls,
  };
}

/** The stored record fills what the live stream did not bring (and vice versa). */
function mergeView(live: TurnState[], stored: TurnState[]): TurnState[] {
  const byId = new Map(live.map((t) => [t.id, t]));
  for (const s of stored) {
    const l = byId.get(s.id);
    byId.set(
      s.id,
      l
        ? {
            ...s,
            reply: s.reply ?? l.reply,
            analysis: s.analysis ?? l.analysis,
            failure: s.failure ?? l.failure,
            toolCalls: s.toolCalls.length >= l.toolCalls.length ? s.toolCalls : l.toolCalls,
          }
        : s,
    );
  }
  return [...byId.values()].sort((a, b) => a.sequence - b.sequence);
}

function upsertTurn(turns: TurnState[], turnId: string, update: (t: TurnState) => TurnState): TurnState[] {
  const existing = turns.find((t) => t.id === turnId);
  const base: TurnState = existing ?? {
    id: turnId,
    sequence: Number.MAX_SAFE_INTEGER,
    role: 'prospect',
    text: '',
    toolCalls: [],
  };
  const next = update(base);
  const rest = turns.filter((t) => t.id !== turnId);
  return [...rest, next].sort((a, b) => a.sequence - b.sequence);
}

/** Applies one live event to the turns. */
export function applyEvent(turns: TurnState[], event: ConversationEvent): TurnState[] {
  const d = event.data;
  const turnId = str(d.turnId);
  if (!turnId) return turns;
  switch (event.event) {
    case 'turn.received':
      return upsertTurn(turns, turnId, (t) => ({
        ...t,
        sequence: typeof d.sequence === 'number' ? d.sequence : t.sequence,
        role: d.role === 'rep' ? 'rep' : 'prospect',
        text: str(d.text) ?? t.text,
        suggestionOf: (d.suggestion as { replyId?: string } | undefined)?.replyId ?? t.suggestionOf,
      }));
    case 'reply.delta':
      return upsertTurn(turns, turnId, (t) => {
        const replyId = str(d.replyId) ?? '';
        const index = typeof d.index === 'number' ? d.index : 0;
        const reply: ReplyState =
          t.reply && t.reply.replyId === replyId
            ? t.reply
            : { replyId, kind: 'reply', text: '', streaming: true, nextDelta: 0, citations: [] };
        if (!reply.streaming || index < reply.nextDelta) return t; // final text already there, or a duplicate
        return { ...t, reply: { ...reply, text: reply.text + (str(d.text) ?? ''), nextDelta: index + 1 } };
      });
    case 'reply.generated':
      return upsertTurn(turns, turnId, (t) => ({
        ...t,
        reply: {
          replyId: str(d.replyId) ?? '',
          kind: d.kind === 'suggestion' ? 'suggestion' : 'reply',
          text: str(d.text) ?? '',
          streaming: false,
          nextDelta: 0,
          citations: Array.isArray(d.citations) ? (d.citations as Citation[]) : [],
        },
      }));
    case 'analysis.completed':
      return upsertTurn(turns, turnId, (t) => ({
        ...t,
        analysis: {
          ...(d.analysis as Analysis),
          nextBestActions: d.nextBestActions as Analysis['nextBestActions'],
        },
      }));
    case 'tool.requested':
    case 'tool.completed':
    case 'tool.failed': {
      const id = str(d.toolCallId) ?? '';
      const status =
        event.event === 'tool.requested'
          ? 'requested'
          : event.event === 'tool.completed'
            ? 'completed'
            : 'failed';
      return upsertTurn(turns, turnId, (t) => {
        const previous = t.toolCalls.find((c) => c.id === id);
        // A late "requested" never downgrades a finished call.
        if (previous && status === 'requested') return t;
        const call: ToolCallView = {
          id,
          tool: str(d.tool) ?? previous?.tool ?? 'tool',
          status,
          durationMs: typeof d.durationMs === 'number' ? d.durationMs : null,
          error: (d.error as ToolCallView['error']) ?? null,
        };
        return { ...t, toolCalls: [...t.toolCalls.filter((c) => c.id !== id), call] };
      });
    }
    case 'turn.failed':
      return upsertTurn(turns, turnId, (t) => ({
        ...t,
        failure: (d.reason as TurnState['failure']) ?? {
          code: 'failed',
          message: 'The assistant could not reply',
        },
        reply: t.reply && { ...t.reply, streaming: false },
      }));
    default:
      return turns;
  }
}

/** The conversation the rep just started (history state), shown while persistence has not stored it yet. */
function justCreated(conversationId: string): ConversationSummary | null {
  const created = (window.history.state as { created?: CreatedConversation } | null)?.created;
  if (created?.id !== conversationId) return null;
  return {
    id: created.id,
    mode: created.mode,
    prospect: created.prospect,
    title: created.title ?? null,
    startedAt: created.createdAt,
    status: 'pending',
  };
}

const STATUS_TEXT: Record<StreamStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  closed: 'Disconnected',
};

export function ChatPage(props: { api: Api; conversationId: string; config: ConsoleConfig }): ReactNode {
  const { api, conversationId, config } = props;
  const [summary, setSummary] = useState<ConversationSummary | null>(() => justCreated(conversationId));
  const [turns, setTurns] = useState<TurnState[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [stream, setStream] = useState<{ status: StreamStatus; error?: string }>({ status: 'connecting' });
  const [grounding, setGrounding] = useState<Map<string, GroundingSource>>(new Map());
  const [proposals, setProposals] = useState<CrmProposal[] | null>(null);
  const [proposalsError, setProposalsError] = useState<string | null>(null);
  const [passage, setPassage] = useState<Citation | null>(null);
  const [ended, setEnded] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      const view = await api.getConversation(conversationId);
      setSummary((known) =>
        known && view.conversation.status === 'pending'
          ? {
              ...view.conversation,
              title: view.conversation.title ?? known.title,
              mode: view.conversation.mode ?? known.mode,
              prospect: view.conversation.prospect ?? known.prospect,
            }
          : view.conversation,
      );
      setTurns((live) => mergeView(live, view.turns.map(fromView)));
      setLoadError(null);
    } catch (e) {
      setLoadError(errorMessage(e));
    } finally {
      setLoading(false);
    }
  }, [api, conversationId]);

  const reloadProposals = useCallback(async () => {
    try {
      setProposals((await api.listProposals(conversationId)).proposals);
      setProposalsError(null);
    } catch (e) {
      setProposalsError(errorMessage(e));
    }
  }, [api, conversationId]);

  useEffect(() => {
    void reload();
    void reloadProposals();
  }, [reload, reloadProposals]);

  // The live stream: deltas, analyses, tool calls, CRM proposals.
  useEffect(() => {
    const controller = new AbortController();
    const events = pacedEvents<ConversationEvent>((event) => {
      if (event.event === 'reply.generated' && Array.isArray(event.data.grounding)) {
        const sources = event.data.grounding as GroundingSource[];
        setGrounding((g) => new Map([...g, ...sources.map((s) => [s.sourceId, s] as const)]));
      }
      if (event.event.startsWith('crm.change.') || event.event === 'analysis.completed')
        void reloadProposals();
      // The record then has the final state (and the summary once persistence stored the conversation).
      if (event.event === 'reply.generated' || event.event === 'turn.failed') void reload();
      if (event.event === 'conversation.deleted') setLoadError('This conversation was deleted.');
      setTurns((t) => applyEvent(t, event));
    });
    void followEvents(
      api,
      conversationId,
      {
        onEvent: (event) => events.push(event),
        onStatus: (status, error) => setStream({ status, error }),
        onReconnected: () => void reload(),
      },
      controller.signal,
    );
    return () => {
      controller.abort();
      events.stop();
    };
  }, [api, conversationId, reload, reloadProposals]);

  const send = async (turn: {
    role: Role;
    text: string;
    suggestion?: { replyId: string };
  }): Promise<boolean> => {
    setActionError(null);
    try {
      const result = await api.submitTurn(conversationId, turn, 0);
      setTurns((t) =>
        upsertTurn(t, result.turnId, (x) => ({
          ...x,
          sequence: result.sequence,
          role: turn.role,
          text: turn.text,
          suggestionOf: turn.suggestion?.replyId,
        })),
      );
      // Without the live stream, the record is the way to see the outcome.
      if (stream.status !== 'connected') window.setTimeout(() => void reload(), 3000);
      return true;
    } catch (e) {
      setActionError(errorMessage(e));
      return false;
    }
  };

  const end = async (): Promise<void> => {
    setActionError(null);
    try {
      await api.endConversation(conversationId);
      setEnded(true);
    } catch (e) {
      setActionError(errorMessage(e));
    }
  };

  // Keep the newest message in view.
  const log = useRef<HTMLDivElement>(null);
  useEffect(() => {
    log.current?.scrollTo({ top: log.current.scrollHeight });
  }, [turns]);

  const mode = summary?.mode ?? null;
  const title = summary ? conversationLabel(summary) : 'Conversation';
  const usedSuggestions = new Set(turns.map((t) => t.suggestionOf).filter(Boolean));
  const lastProspectTurn = [...turns].reverse().find((t) => t.role === 'prospect');
  const pendingSuggestion =
    lastProspectTurn?.reply?.kind === 'suggestion' && !usedSuggestions.has(lastProspectTurn.reply.replyId)
      ? lastProspectTurn.reply
      : undefined;

  return (
    <div className="chat-layout">
      <section className="chat" aria-labelledby="chat-title">
        <div className="page-head">
          <h1 id="chat-title">{title}</h1>
          <p role="status" aria-label="Live updates" className={`stream stream-${stream.status}`}>
            {STATUS_TEXT[stream.status]}
            {stream.status === 'closed' && stream.error ? `: ${stream.error}` : ''}
          </p>
        </div>
        {summary && (
          <p className="meta">
            {[
              summary.prospect?.name,
              summary.prospect?.email,
              summary.prospect?.company,
              mode && `${mode} mode`,
            ]
              .filter(Boolean)
              .join(' · ')}
            {summary.status === 'pending' && ' · being recorded…'}
          </p>
        )}
        {loadError && (
          <div role="alert" className="error">
            {loadError}{' '}
            <button type="button" className="secondary" onClick={() => void reload()}>
              Retry
            </button>
          </div>
        )}
        <div role="log" aria-label="Messages" aria-live="polite" className="messages" ref={log} tabIndex={0}>
          {loading && <p className="empty">Loading the conversation…</p>}
          {!loading && turns.length === 0 && (
            <p className="empty">No messages yet. Write the first one below.</p>
          )}
          {turns.map((turn) => (
            <TurnItem key={turn.id} turn={turn} api={api} traceViewerUrl={config.traceViewerUrl} />
          ))}
        </div>
        {mode === 'assist' && (
          <SuggestedReply
            key={pendingSuggestion?.replyId ?? 'none'}
            suggestion={pendingSuggestion}
            onSend={(text) =>
              send({
                role: 'rep',
                text,
                suggestion: pendingSuggestion && { replyId: pendingSuggestion.replyId },
              })
            }
          />
        )}
        {actionError && (
          <p role="alert" className="error">
            {actionError}
          </p>
        )}
        <Composer defaultRole="prospect" onSend={(role, text) => send({ role, text })} />
        <div className="row end-row">
          {ended ? (
            <p role="status">Conversation ended: it will be evaluated.</p>
          ) : (
            <button type="button" className="secondary" onClick={() => void end()}>
              End conversation
            </button>
          )}
        </div>
      </section>
      <SidePanel
        api={api}
        turns={turns}
        proposals={proposals}
        proposalsError={proposalsError}
        onProposalDecided={(p) =>
          setProposals((list) => (list ?? []).map((x) => (x.proposalId === p.proposalId ? p : x)))
        }
        onOpenCitation={setPassage}
      />
      {passage && (
        <Dialog title="Passage" onClose={() => setPassage(null)}>
          <p className="passage-title">{passage.title}</p>
          <blockquote className="passage">
            {grounding.get(passage.sourceId)?.text ??
              'The passage text is shown for replies received live in this session.'}
          </blockquote>
          <p className="meta">Source: {passage.source}</p>
          <div className="row">
            <button type="button" onClick={() => setPassage(null)} autoFocus>
              Close
            </button>
          </div>
        </Dialog>
      )}
    </div>
  );
}

function TurnItem(props: { turn: TurnState; api: Api; traceViewerUrl?: string }): ReactNode {
  const { turn, traceViewerUrl } = props;
  const trace =
    traceViewerUrl && turn.traceId
      ? `${traceViewerUrl.replace(/\/$/, '')}/trace/${encodeURIComponent(turn.traceId)}`
      : null;
  return (
    <>
      <article className={`turn turn-${turn.role}`} aria-label={turn.role === 'rep' ? 'Rep' : 'Prospect'}>
        <header>
          <span className="who">{turn.role === 'rep' ? 'Rep' : 'Prospect'}</span>
          {turn.suggestionOf && <span className="meta"> · from a suggestion</span>}
          {trace && (
            <a className="trace" href={trace} target="_blank" rel="noreferrer">
              Trace
            </a>
          )}
        </header>
        <p className="text">{turn.text}</p>
      </article>
      {turn.reply?.kind === 'reply' && (
        <article
          className="turn turn-assistant"
          aria-label="Assistant reply"
          aria-busy={turn.reply.streaming}
        >
          <header>
            <span className="who">Assistant</span>
            {turn.reply.streaming && <span className="meta"> · writing…</span>}
          </header>
          <p className="text">{turn.reply.text}</p>
          {turn.reply.citations.length > 0 && (
            <p className="meta">Sources: {turn.reply.citations.map((c) => c.title).join(', ')}</p>
          )}
          {!turn.reply.streaming && <Feedback api={props.api} turnId={turn.id} />}
        </article>
      )}
      {turn.failure && (
        <p className="error turn-failure">
          No reply: {turn.failure.message} ({turn.failure.code})
        </p>
      )}
    </>
  );
}

function SuggestedReply(props: {
  suggestion?: ReplyState;
  onSend: (text: string) => Promise<boolean>;
}): ReactNode {
  const { suggestion } = props;
  const [draft, setDraft] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const text = draft ?? suggestion?.text ?? '';
  const submit = async (value: string): Promise<void> => {
    setBusy(true);
    if (!(await props.onSend(value))) setBusy(false);
  };
  return (
    <section aria-label="Suggested reply" className="suggestion">
      <h2>Suggested reply</h2>
      {!suggestion && (
        <p className="empty">No suggestion yet: it appears after the prospect’s next message.</p>
      )}
      {suggestion && (
        <>
          <label htmlFor="suggestion-text">Suggestion</label>
          <textarea
            id="suggestion-text"
            rows={4}
            value={text}
            aria-busy={suggestion.streaming}
            onChange={(e) => setDraft(e.target.value)}
          />
          <div className="row">
            <button
              type="button"
              disabled={busy || suggestion.streaming}
              onClick={() => void submit(suggestion.text)}
            >
              Accept and send
            </button>
            <button
              type="button"
              className="secondary"
              disabled={busy || suggestion.streaming || !text.trim()}
              onClick={() => void submit(text)}
            >
              Send edited
            </button>
          </div>
        </>
      )}
    </section>
  );
}

function Composer(props: {
  defaultRole: Role;
  onSend: (role: Role, text: string) => Promise<boolean>;
}): ReactNode {
  const [role, setRole] = useState<Role>(props.defaultRole);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  const submit = async (event?: FormEvent): Promise<void> => {
    event?.preventDefault();
    if (!text.trim() || busy) return;
    setBusy(true);
    if (await props.onSend(role, text.trim())) setText('');
    setBusy(false);
    input.current?.focus();
  };
  return (
    <form className="composer" onSubmit={(e) => void submit(e)}>
      <div className="composer-who">
        <label htmlFor="speaker">Speaker</label>
        <select
          id="speaker"
          value={role}
          onChange={(e) => setRole(e.target.value === 'rep' ? 'rep' : 'prospect')}
        >
          <option value="prospect">Prospect</option>
          <option value="rep">Rep</option>
        </select>
      </div>
      <div className="composer-text">
        <label htmlFor="message">Message</label>
        <textarea
          id="message"
          ref={input}
          rows={2}
          value={text}
          maxLength={8000}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              void submit();
            }
          }}
        />
      </div>
      <button type="submit" disabled={busy || !text.trim()}>
        Send
      </button>
    </form>
  );
}
