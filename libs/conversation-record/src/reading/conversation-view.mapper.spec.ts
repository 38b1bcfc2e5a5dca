import type {
  AnalysisEntity,
  ConversationEntity,
  ConversationFeedbackEntity,
  EvaluationEntity,
  FeedbackEntity,
  ReplyEntity,
  ToolCallEntity,
  TurnEntity,
} from '../entities';
import { toConversationView, type ConversationRows } from './conversation-view.mapper';
import { ConversationView } from './conversation-view.schema';

const T = 'tenant-a';
const C = '0195f3a0-0000-7000-8000-000000000001';
const turnId = (n: number) => `0195f3a0-0000-7000-8000-00000000010${n}`;
const t = (second: number): Date => new Date(Date.UTC(2025, 0, 15, 10, 0, second));

const conversation: ConversationEntity = {
  id: C,
  tenantId: T,
  status: 'active',
  mode: 'assist',
  prospect: { name: 'Dana' },
  repId: null,
  title: null,
  stage: 'discovery',
  startedAt: t(0),
  updatedAt: t(30),
  turnCount: 2,
  crmContactId: null,
  crmAccountId: null,
  crmDealId: null,
};

const turn = (n: number): TurnEntity => ({
  id: turnId(n),
  conversationId: C,
  tenantId: T,
  sequence: n,
  role: 'prospect',
  text: `turn ${n}`,
  receivedAt: t(n * 10),
  redactedText: `turn ${n}`,
  tokenCount: 2,
  wordCount: 2,
  suggestionReplyId: null,
  suggestionDisposition: null,
});

const analysis: AnalysisEntity = {
  turnId: turnId(1),
  conversationId: C,
  tenantId: T,
  intents: [{ name: 'pricing', confidence: 0.8 }],
  sentimentLabel: 'negative',
  sentimentScore: -0.4,
  entities: [],
  objections: [],
  buyingSignals: [],
  stage: 'discovery',
  model: { provider: 'offline', name: 'rules', promptVersion: 'v1' },
  completedAt: t(11),
  qualification: null,
  nextBestActions: null,
  role: 'prospect',
};

const reply: ReplyEntity = {
  id: '0195f3a0-0000-7000-8000-000000000201',
  turnId: turnId(1),
  conversationId: C,
  tenantId: T,
  kind: 'suggestion',
  text: 'hello',
  citations: [],
  model: { provider: 'offline', name: 'rules', promptVersion: 'v1' },
  promptVersion: 'v1',
  inputTokens: 10,
  outputTokens: 5,
  // A reply stored before usage beyond input/output tokens was recorded.
  cacheReadTokens: null,
  cacheWriteTokens: null,
  costUsd: null,
  modelCalls: null,
  latencyMs: null,
  generatedAt: t(12),
};

const toolCall = (id: string, requestedAt: Date | null, finishedAt: Date | null): ToolCallEntity => ({
  id,
  conversationId: C,
  turnId: turnId(1),
  tenantId: T,
  tool: 'crm.lookup',
  arguments: requestedAt ? { q: 'x' } : null,
  status: finishedAt ? 'completed' : 'requested',
  result: finishedAt ? { ok: true } : null,
  error: null,
  durationMs: finishedAt ? 3 : null,
  requestedAt,
  finishedAt,
});

const evaluation = (id: string, at: Date): EvaluationEntity => ({
  id,
  replyId: reply.id,
  turnId: turnId(1),
  conversationId: C,
  tenantId: T,
  scores: { groundedness: 0.5, grounded: true, citationValidity: 1, schemaValid: true },
  groundedness: 0.5,
  latency: { totalMs: 100, stages: {} },
  promptVersion: 'v1',
  evaluator: { name: 'rules', version: '1' },
  evaluatedAt: at,
  relevance: null,
  policyFlags: null,
  judge: null,
  model: null,
  inputTokens: null,
  outputTokens: null,
  costUsd: null,
});

const feedback = (id: string, turn: number, at: Date): FeedbackEntity => ({
  id,
  turnId: turnId(turn),
  conversationId: C,
  tenantId: T,
  thumbs: 'down',
  rating: null,
  comment: null,
  submittedAt: at,
});

const rows = (overrides: Partial<ConversationRows> = {}): ConversationRows => ({
  conversation,
  turns: [turn(2), turn(1)],
  analyses: [analysis],
  replies: [reply],
  failures: [],
  toolCalls: [],
  evaluations: [],
  feedback: [],
  alerts: [],
  ...overrides,
});

describe('toConversationView', () => {
  it('orders turns by sequence and nests each turn its own analysis and reply', () => {
    const view = toConversationView(rows());
    expect(view.turns.map((x) => x.sequence)).toEqual([1, 2]);
    expect(view.turns[0].analysis).toMatchObject({
      sentiment: { label: 'negative', score: -0.4 },
      stage: 'discovery',
      completedAt: t(11).toISOString(),
    });
    expect(view.turns[0].reply).toMatchObject({ id: reply.id, usage: { inputTokens: 10, outputTokens: 5 } });
    expect(view.turns[1]).not.toHaveProperty('analysis');
    expect(view.turns[1]).not.toHaveProperty('reply');
    expect(view.turns[1]).not.toHaveProperty('failure');
  });

  it('shows the cache tokens, cost, model calls and latency of a reply', () => {
    const withUsage: ReplyEntity = {
      ...reply,
      cacheReadTokens: 900,
      cacheWriteTokens: 0,
      costUsd: 0.004215,
      modelCalls: 3,
      latencyMs: 2450,
    };
    const view = toConversationView(rows({ replies: [withUsage] }));
    expect(view.turns[0].reply).toEqual({
      id: reply.id,
      kind: 'suggestion',
      text: 'hello',
      citations: [],
      model: reply.model,
      usage: {
        inputTokens: 10,
        outputTokens: 5,
        cacheReadTokens: 900,
        cacheWriteTokens: 0,
        costUsd: 0.004215,
        modelCalls: 3,
      },
      latencyMs: 2450,
      generatedAt: t(12).toISOString(),
    });
    expect(ConversationView.parse(view)).toEqual(view);
  });

  it('leaves out the usage figures a reply does not have, so older replies keep their shape', () => {
    const view = toConversationView(rows());
    expect(view.turns[0].reply?.usage).toEqual({ inputTokens: 10, outputTokens: 5 });
    expect(view.turns[0].reply).not.toHaveProperty('latencyMs');
    expect(ConversationView.parse(view)).toEqual(view);
  });

  it("gives each turn its trace id when it has one, for the console's trace links", () => {
    const traced = { ...turn(1), traceId: '4bf92f3577b34da6a3ce929d0e0e4736' };
    const view = toConversationView(rows({ turns: [turn(2), traced] }));
    expect(view.turns[0].traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(view.turns[1]).not.toHaveProperty('traceId');
    expect(ConversationView.safeParse(view).success).toBe(true);
  });

  it('produces a view that satisfies the published schema', () => {
    const view = toConversationView(
      rows({
        toolCalls: [toolCall('0195f3a0-0000-7000-8000-000000000301', null, t(13))],
        evaluations: [evaluation('0195f3a0-0000-7000-8000-000000000401', t(20))],
        feedback: [feedback('0195f3a0-0000-7000-8000-000000000501', 1, t(21))],
        failures: [
          { turnId: turnId(2), conversationId: C, tenantId: T, code: 'x', message: 'y', failedAt: t(25) },
        ],
      }),
    );
    expect(ConversationView.parse(view)).toEqual(view);
    expect(view.turns[1].failure).toEqual({ code: 'x', message: 'y', failedAt: t(25).toISOString() });
  });

  it('lists tool calls, evaluations and feedback chronologically under their turn', () => {
    const view = toConversationView(
      rows({
        toolCalls: [
          toolCall('0195f3a0-0000-7000-8000-000000000302', t(8), t(9)),
          toolCall('0195f3a0-0000-7000-8000-000000000301', null, t(13)),
          toolCall('0195f3a0-0000-7000-8000-000000000303', t(5), null),
        ],
        evaluations: [
          evaluation('0195f3a0-0000-7000-8000-000000000402', t(22)),
          evaluation('0195f3a0-0000-7000-8000-000000000401', t(20)),
        ],
        feedback: [
          feedback('0195f3a0-0000-7000-8000-000000000502', 1, t(24)),
          feedback('0195f3a0-0000-7000-8000-000000000501', 1, t(21)),
          feedback('0195f3a0-0000-7000-8000-000000000503', 2, t(23)),
        ],
      }),
    );
    const [first, second] = view.turns;
    expect(first.toolCalls.map((c) => c.id.slice(-3))).toEqual(['303', '302', '301']);
    expect(first.evaluations.map((e) => e.id.slice(-3))).toEqual(['401', '402']);
    expect(first.feedback.map((f) => f.id.slice(-3))).toEqual(['501', '502']);
    expect(second.feedback.map((f) => f.id.slice(-3))).toEqual(['503']);
    expect(second.toolCalls).toEqual([]);
  });

  it('lists the feedback on the whole conversation, oldest first, and leaves the list out when absent', () => {
    const onConversation = (id: string, at: Date): ConversationFeedbackEntity => ({
      id,
      conversationId: C,
      tenantId: T,
      thumbs: 'up',
      rating: 5,
      comment: 'Clear and quick',
      submittedAt: at,
    });
    const view = toConversationView(
      rows({
        conversationFeedback: [
          onConversation('0195f3a0-0000-7000-8000-000000000602', t(40)),
          onConversation('0195f3a0-0000-7000-8000-000000000601', t(30)),
        ],
      }),
    );
    expect(view.feedback).toEqual([
      {
        id: '0195f3a0-0000-7000-8000-000000000601',
        thumbs: 'up',
        rating: 5,
        comment: 'Clear and quick',
        submittedAt: t(30).toISOString(),
      },
      expect.objectContaining({ id: '0195f3a0-0000-7000-8000-000000000602' }),
    ]);
    expect(ConversationView.parse(view)).toEqual(view);
    expect(toConversationView(rows())).not.toHaveProperty('feedback');
  });

  it('leaves out the outcomes of turns that are not stored yet', () => {
    const view = toConversationView(rows({ turns: [turn(2)] }));
    expect(view.turns).toHaveLength(1);
    expect(view.turns[0].analysis).toBeUndefined();
    expect(JSON.stringify(view)).not.toContain(reply.id);
  });

  it('maps the conversation summary with ISO times', () => {
    expect(toConversationView(rows()).conversation).toEqual({
      id: C,
      tenantId: T,
      status: 'active',
      mode: 'assist',
      prospect: { name: 'Dana' },
      repId: null,
      title: null,
      stage: 'discovery',
      startedAt: t(0).toISOString(),
      updatedAt: t(30).toISOString(),
      turnCount: 2,
      crm: { contactId: null, accountId: null, dealId: null },
    });
    const withCrm = { ...conversation, crmContactId: 'c-1', crmAccountId: 'a-1', crmDealId: 'd-1' };
    expect(toConversationView(rows({ conversation: withCrm })).conversation.crm).toEqual({
      contactId: 'c-1',
      accountId: 'a-1',
      dealId: 'd-1',
    });
  });

  it("shows a turn's redacted text, counts and the suggestion it sent, and leaves out what is unknown", () => {
    const rep: TurnEntity = {
      ...turn(2),
      role: 'rep',
      text: 'Call Dana at 555-0100',
      redactedText: 'Call [NAME] at [PHONE]',
      wordCount: 4,
      tokenCount: 6,
      suggestionReplyId: reply.id,
      suggestionDisposition: null,
    };
    const older: TurnEntity = { ...turn(1), redactedText: null, wordCount: null, tokenCount: null };
    const view = toConversationView(rows({ turns: [older, rep] }));
    expect(view.turns[1]).toMatchObject({
      redactedText: 'Call [NAME] at [PHONE]',
      wordCount: 4,
      tokenCount: 6,
      suggestion: { replyId: reply.id, disposition: null },
    });
    // A turn stored before these facts were recorded keeps its former shape.
    for (const key of ['redactedText', 'wordCount', 'tokenCount', 'suggestion'])
      expect(view.turns[0]).not.toHaveProperty(key);
    expect(ConversationView.parse(view)).toEqual(view);

    const decided = toConversationView(rows({ turns: [{ ...rep, suggestionDisposition: 'edited' }] }));
    expect(decided.turns[0].suggestion).toEqual({ replyId: reply.id, disposition: 'edited' });
  });

  it("shows an analysis' qualification and next best actions when it has them", () => {
    const field = { value: '50k', evidence: ['about 50k'], confidence: 0.7 };
    const empty = { value: null, evidence: [], confidence: 0 };
    const qualification = {
      bant: { budget: field, authority: empty, need: empty, timeline: empty },
      meddic: {
        metrics: empty,
        economicBuyer: empty,
        decisionCriteria: empty,
        decisionProcess: empty,
        identifyPain: empty,
        champion: empty,
      },
    };
    const nextBestActions = [{ action: 'Send the pricing sheet', reason: 'asked for prices' }];
    const view = toConversationView(rows({ analyses: [{ ...analysis, qualification, nextBestActions }] }));
    expect(view.turns[0].analysis).toMatchObject({ qualification, nextBestActions });
    expect(ConversationView.parse(view)).toEqual(view);
    const without = toConversationView(rows());
    expect(without.turns[0].analysis).not.toHaveProperty('qualification');
    expect(without.turns[0].analysis).not.toHaveProperty('nextBestActions');
  });

  it('lists the stage transitions when they are loaded', () => {
    const view = toConversationView(
      rows({
        stageTransitions: [
          {
            conversationId: C,
            turnId: turnId(1),
            tenantId: T,
            sequence: 1,
            fromStage: null,
            toStage: 'discovery',
            occurredAt: t(11),
          },
          {
            conversationId: C,
            turnId: turnId(2),
            tenantId: T,
            sequence: null,
            fromStage: 'discovery',
            toStage: 'proposal',
            occurredAt: t(21),
          },
        ],
      }),
    );
    expect(view.stageTransitions).toEqual([
      { turnId: turnId(1), sequence: 1, from: null, to: 'discovery', at: t(11).toISOString() },
      { turnId: turnId(2), sequence: null, from: 'discovery', to: 'proposal', at: t(21).toISOString() },
    ]);
    expect(ConversationView.parse(view)).toEqual(view);
    expect(toConversationView(rows())).not.toHaveProperty('stageTransitions');
  });
});
