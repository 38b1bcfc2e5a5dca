import { createParser } from 'eventsource-parser';

/** RFC 9457 problem details, as the gateway answers every error. */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { field: string; message: string }[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

/** The text to show for an error: the API's detail (and field errors) when there is one. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    const { title, detail, errors } = error.problem;
    const fields = errors?.map((e) => `${e.field}: ${e.message}`).join('; ');
    return [detail ?? title, fields].filter(Boolean).join(' — ');
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

// ---- shapes (the subset of the OpenAPI document the console reads) ----

export type Mode = 'assist' | 'autonomous';
export type Role = 'prospect' | 'rep';

/** A CRM contact from `GET /v1/crm/prospects`. */
export interface CrmProspect {
  crmContactId: string;
  name: string;
  email: string | null;
  title: string | null;
  company: string;
}

export interface Prospect {
  crmContactId?: string;
  email?: string;
  name?: string;
  company?: string;
}

export interface ConversationSummary {
  id: string;
  status?: string;
  mode: Mode | null;
  prospect: Prospect | null;
  title: string | null;
  stage?: string | null;
  startedAt: string;
  updatedAt?: string;
  turnCount?: number;
}

export interface CreatedConversation {
  id: string;
  mode: Mode;
  prospect: Prospect;
  title?: string;
  createdAt: string;
}

export interface Citation {
  sourceId: string;
  title: string;
  source: string;
}

export interface GroundingSource extends Citation {
  kind: string;
  text: string;
}

export interface QualificationField {
  value: string | null;
  evidence: string[];
  confidence: number;
}

export interface Analysis {
  intents: { name: string; confidence: number }[];
  sentiment: { label: string; score: number };
  objections: { type: string; evidence: string }[];
  stage: string;
  qualification?: {
    bant: Record<string, QualificationField>;
    meddic: Record<string, QualificationField>;
  };
  nextBestActions?: { action: string; reason: string }[];
}

export interface ReplyView {
  id: string;
  kind: 'reply' | 'suggestion';
  text: string;
  citations: Citation[];
  generatedAt: string;
}

export interface ToolCallView {
  id: string;
  tool: string;
  status: 'requested' | 'completed' | 'failed';
  durationMs: number | null;
  error: { code: string; message: string } | null;
}

export interface TurnView {
  id: string;
  sequence: number;
  role: Role;
  text: string;
  receivedAt: string;
  traceId?: string | null;
  analysis?: Analysis;
  reply?: ReplyView;
  failure?: { code: string; message: string };
  toolCalls: ToolCallView[];
}

export interface ConversationView {
  conversation: ConversationSummary;
  turns: TurnView[];
}

export interface TurnResult {
  turnId: string;
  sequence: number;
  status: 'accepted' | 'completed' | 'failed';
  reply?: { replyId: string; kind: 'reply' | 'suggestion'; text: string; citations: Citation[] };
  analysis?: { analysis: Analysis };
  failure?: { code: string; message: string };
}

export type CrmValue = string | number | boolean | null;

export interface CrmProposal {
  proposalId: string;
  conversationId: string | null;
  turnId: string | null;
  entity: string;
  kind: string;
  diff: Record<string, { from: CrmValue; to: CrmValue }>;
  evidence: string;
  evidenceOrigin: string;
  status: 'proposed' | 'approved' | 'rejected' | 'applied' | 'auto_applied';
  reason: string | null;
}

export interface Funnel {
  conversations: number;
  stages: { stage: string; reached: number; conversionRate: number | null }[];
  closedLost?: { reached: number; rate: number | null };
}
export interface Objections {
  total: number;
  handled: number;
  items: { type: string; count: number; handled: number; handledRate: number | null }[];
}
export interface Intents {
  totalMentions: number;
  items: { intent: string; count: number; conversations: number; share: number | null }[];
}
export interface PromptVersions {
  items: {
    promptVersion: string;
    model?: string;
    satisfaction: {
      ratings: number;
      averageRating: number | null;
      thumbsUp: number;
      thumbsDown: number;
    };
  }[];
}
export interface Alert {
  id: string;
  conversationId?: string | null;
  severity: 'info' | 'warning' | 'critical';
  kind: string;
  message: string;
  raisedAt: string;
}

export interface FeedbackBody {
  thumbs?: 'up' | 'down';
  rating?: number;
  comment?: string;
}

/** `GET /console/config.json`: set by the gateway. */
export interface ConsoleConfig {
  devApiKey?: string;
  traceViewerUrl?: string;
}

export async function loadConsoleConfig(): Promise<ConsoleConfig> {
  try {
    const response = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: 'no-store' });
    return response.ok ? ((await response.json()) as ConsoleConfig) : {};
  } catch {
    return {};
  }
}

async function problemOf(response: Response): Promise<Problem> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as Partial<Problem>;
    if (typeof body.title === 'string') return { ...body, title: body.title, status: response.status };
  } catch {
    // not JSON: fall through
  }
  return {
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    detail: text || undefined,
  };
}

/** The public API, with one tenant's API key. */
export class Api {
  constructor(readonly apiKey: string) {}

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers: {
          Authorization: `Bearer ${this.apiKey}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError({ title: 'Network error', status: 0, detail: 'The gateway cannot be reached.' });
    }
    if (!response.ok) throw new ApiError(await problemOf(response));
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  listConversations(): Promise<{ items: ConversationSummary[] }> {
    return this.request('GET', '/v1/conversations?limit=50');
  }
  searchProspects(q: string, limit = 8): Promise<{ prospects: CrmProspect[] }> {
    const query = new URLSearchParams({ q, limit: String(limit) });
    return this.request('GET', `/v1/crm/prospects?${query.toString()}`);
  }
  createConversation(body: { prospect: Prospect; mode: Mode; title?: string }): Promise<CreatedConversation> {
    return this.request('POST', '/v1/conversations', body);
  }
  getConversation(id: string): Promise<ConversationView> {
    return this.request('GET', `/v1/conversations/${encodeURIComponent(id)}`);
  }
  submitTurn(
    id: string,
    turn: { role: Role; text: string; suggestion?: { replyId: string } },
    waitSeconds: number,
  ): Promise<TurnResult> {
    return this.request(
      'POST',
      `/v1/conversations/${encodeURIComponent(id)}/turns?wait=${waitSeconds}`,
      turn,
      {
        'Idempotency-Key': crypto.randomUUID(),
      },
    );
  }
  endConversation(id: string): Promise<unknown> {
    return this.request('POST', `/v1/conversations/${encodeURIComponent(id)}/end`);
  }
  turnFeedback(turnId: string, body: FeedbackBody): Promise<unknown> {
    return this.request('POST', `/v1/turns/${encodeURIComponent(turnId)}/feedback`, body, {
      'Idempotency-Key': crypto.randomUUID(),
    });
  }
  listProposals(conversationId: string): Promise<{ proposals: CrmProposal[] }> {
    return this.request('GET', `/v1/crm/proposals?conversationId=${encodeURIComponent(conversationId)}`);
  }
  decideProposal(proposalId: string, decision: 'approve' | 'reject'): Promise<CrmProposal> {
    return this.request('POST', `/v1/crm/proposals/${encodeURIComponent(proposalId)}/${decision}`, {});
  }
  funnel(): Promise<Funnel> {
    return this.request('GET', '/v1/analytics/funnel');
  }
  objections(): Promise<Objections> {
    return this.request('GET', '/v1/analytics/objections');
  }
  intents(): Promise<Intents> {
    return this.request('GET', '/v1/analytics/intents');
  }
  promptVersions(): Promise<PromptVersions> {
    return this.request('GET', '/v1/analytics/prompt-versions');
  }
  alerts(): Promise<{ items: Alert[] }> {
    return this.request('GET', '/v1/alerts?limit=20');
  }
}

// ---- live events (SSE over fetch: the gateway authenticates with the Authorization header only) ----

export interface ConversationEvent {
  /** Short type, e.g. reply.delta, analysis.completed. */
  event: string;
  id: string;
  data: Record<string, unknown>;
}

export type StreamStatus = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface StreamHandlers {
  onEvent(event: ConversationEvent): void;
  onStatus(status: StreamStatus, error?: string): void;
  /**
   * Called after a reconnection, and when the gateway says it no longer has the events missed
   * (`stream.reset`): reload the state. (The gateway replays what it still has after `Last-Event-ID`.)
   */
  onReconnected(): void;
}

/**
 * Follows `GET /v1/conversations/{id}/events` until `signal` aborts: parses the stream, reconnects with
 * backoff (1 s doubling to 15 s). A 4xx other than 429 (deleted, not found, bad key) stops it.
 */
export async function followEvents(
  api: Api,
  conversationId: string,
  handlers: StreamHandlers,
  signal: AbortSignal,
): Promise<void> {
  let attempt = 0;
  let lastEventId: string | undefined;
  while (!signal.aborted) {
    handlers.onStatus(attempt === 0 ? 'connecting' : 'reconnecting');
    try {
      const response = await fetch(`/v1/conversations/${encodeURIComponent(conversationId)}/events`, {
        headers: {
          Authorization: `Bearer ${api.apiKey}`,
          Accept: 'text/event-stream',
          ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}),
        },
        signal,
        cache: 'no-store',
      });
      if (!response.ok) {
        const problem = await problemOf(response);
        if (response.status >= 400 && response.status < 500 && response.status !== 429) {
          handlers.onStatus('closed', problem.detail ?? problem.title);
          return;
        }
        throw new ApiError(problem);
      }
      if (!response.body) throw new Error('no response body');
      handlers.onStatus('connected');
      if (attempt > 0) handlers.onReconnected();
      attempt = 0;
      const parser = createParser({
        onEvent(message) {
          if (message.event === 'stream.reset') {
            handlers.onReconnected();
            return;
          }
          if (message.id) lastEventId = message.id;
          try {
            const envelope = JSON.parse(message.data) as { id: string; data: Record<string, unknown> };
            handlers.onEvent({
              event: message.event ?? 'message',
              id: envelope.id,
              data: envelope.data ?? {},
            });
          } catch {
            // a malformed message is skipped
          }
        },
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
    } catch (error) {
      if (signal.aborted) return;
      handlers.onStatus('reconnecting', errorMessage(error));
    }
    if (signal.aborted) return;
    attempt += 1;
    handlers.onStatus('reconnecting');
    await sleep(Math.min(15_000, 1000 * 2 ** Math.min(attempt - 1, 4)), signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
