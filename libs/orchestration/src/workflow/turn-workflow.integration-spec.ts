import {
  AnalysisCompleted,
  deriveId,
  newId,
  ReplyGenerated,
  ToolCompleted,
  ToolFailed,
  ToolRequested,
  TurnFailed,
  TurnReceived,
  type EnvelopeOf,
  type EventData,
  type EventDefinition,
  type TurnReceivedData,
} from '@lib/contracts';
import { revertAllMigrations } from '@lib/database';
import { createEnvelope, EventPublisher, type PublishOptions } from '@lib/messaging';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { LanguageModel, type TurnContext, type TurnResponseOutput } from '../model/language-model';
import { OfflineLanguageModel } from '../offline/offline-language-model';
import type { OrchestratorConfig } from '../orchestrator.config';
import { ORCHESTRATOR_DATABASE } from './orchestrator-database';
import { TurnIds, TurnWorkflow } from './turn-workflow.service';
import { TurnRepository } from './turn.repository';

interface Published {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly options: PublishOptions;
  readonly inTransaction: boolean;
}

/** Records what would have gone to the outbox, and whether a unit of work was active. */
class RecordingPublisher extends EventPublisher {
  readonly published: Published[] = [];
  constructor(private readonly db: MigratedServiceDatabase) {
    super();
  }
  async publish<D extends EventDefinition>(definition: D, data: EventData<D>, options: PublishOptions) {
    const envelope = createEnvelope(definition, data, options, 'test');
    this.published.push({
      type: definition.type,
      data: data as Record<string, unknown>,
      options,
      inTransaction: this.db.uow.isActive,
    });
    return envelope;
  }
  of(definition: EventDefinition): Published[] {
    return this.published.filter((p) => p.type === definition.type);
  }
}

const config: OrchestratorConfig = {
  tools: ['crm_lookup_prospect', 'knowledge_search'],
  knowledgeLimit: 4,
  historyTurns: 10,
  toolTimeoutMs: 30_000,
  modelTimeoutMs: 5_000,
  sweepIntervalMs: 1_000,
};

const TENANT = 'tenant-a';

function turnEvent(overrides: Partial<TurnReceivedData> = {}): EnvelopeOf<typeof TurnReceived> {
  const data: TurnReceivedData = {
    conversationId: overrides.conversationId ?? newId(),
    turnId: newId(),
    sequence: 1,
    role: 'prospect',
    text: 'Hi, is there a discount on annual plans? Our budget is $50k.',
    conversation: { mode: 'autonomous', prospect: { email: 'jane@acme.io', company: 'Acme Corp' } },
    receivedAt: new Date(Date.now() - 50).toISOString(),
    ...overrides,
  };
  return createEnvelope(TurnReceived, data, { tenantId: TENANT }, 'gateway');
}

function completed(turn: TurnReceivedData, tool: string, result: unknown): EnvelopeOf<typeof ToolCompleted> {
  return createEnvelope(
    ToolCompleted,
    {
      conversationId: turn.conversationId,
      turnId: turn.turnId,
      toolCallId: TurnIds.toolCall(turn.turnId, tool),
      tool,
      result,
      durationMs: 3,
      completedAt: new Date().toISOString(),
    },
    { tenantId: TENANT },
    'tool-runner',
  );
}

function failed(turn: TurnReceivedData, tool: string): EnvelopeOf<typeof ToolFailed> {
  return createEnvelope(
    ToolFailed,
    {
      conversationId: turn.conversationId,
      turnId: turn.turnId,
      toolCallId: TurnIds.toolCall(turn.turnId, tool),
      tool,
      error: { code: 'unavailable', message: 'search index down', retryable: false },
      durationMs: 3,
      failedAt: new Date().toISOString(),
    },
    { tenantId: TENANT },
    'tool-runner',
  );
}

// The tool-runner's result shapes (libs/tools: CrmLookupProspectResult, KnowledgeSearchResult).
const crmResult = {
  found: true,
  contact: { id: 'c-1', name: 'Jane Doe', email: 'jane@acme.io', title: 'VP Data', phone: null },
  account: {
    id: 'a-1',
    name: 'Acme Corp',
    domain: 'acme.io',
    industry: 'Retail',
    employeeCount: 500,
    country: null,
    description: null,
  },
  openDeals: [
    {
      id: 'd-1',
      name: 'Acme analytics',
      stage: 'qualification',
      amount: 48000,
      currency: 'USD',
      closeDate: null,
    },
  ],
  recentActivities: [],
};
const kbResult = {
  passages: [
    {
      sourceId: 'kb:posthog/annual-plans.md#1',
      title: 'Annual plans',
      section: 'How it works',
      source: 'posthog/annual-plans.md',
      score: 7.91,
      text: 'Our annual plans are credit-based, meaning you get a discount on pre-paid PostHog credit.',
    },
  ],
};

describe('TurnWorkflow on PostgreSQL', () => {
  let db: MigratedServiceDatabase;
  let publisher: RecordingPublisher;
  let workflow: TurnWorkflow;
  let repository: TurnRepository;

  beforeAll(async () => {
    db = await createMigratedDatabase(ORCHESTRATOR_DATABASE);
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(() => {
    publisher = new RecordingPublisher(db);
    repository = new TurnRepository(db.uow);
    workflow = new TurnWorkflow(repository, publisher, new OfflineLanguageModel(), config);
  });

  it('does not ask the CRM when the prospect reference has no lookup key', async () => {
    const event = turnEvent({ conversation: { mode: 'assist', prospect: { crmContactId: 'c-1' } } });
    await workflow.startTurn(event);
    expect(publisher.of(ToolRequested).map((r) => r.data.tool)).toEqual(['knowledge_search']);
    await workflow.recordToolOutcome(completed(event.data, 'knowledge_search', kbResult));
    const [reply] = publisher.of(ReplyGenerated);
    expect(reply.data.kind).toBe('suggestion');
    expect(reply.data.toolCallIds).toEqual([TurnIds.toolCall(event.data.turnId, 'knowledge_search')]);
  });

  it('requests one tool call per tool, with deterministic ids, inside a unit of work', async () => {
    const event = turnEvent();
    await workflow.startTurn(event);
    await workflow.startTurn(event); // redelivered: no second request
    const requests = publisher.of(ToolRequested);
    expect(requests.map((r) => r.data.tool)).toEqual(['crm_lookup_prospect', 'knowledge_search']);
    expect(requests.every((r) => r.inTransaction)).toBe(true);
    const crm = requests[0];
    expect(crm.data.toolCallId).toBe(deriveId(event.data.turnId, 'crm_lookup_prospect', '0'));
    expect(crm.data.arguments).toEqual({ email: 'jane@acme.io', company: 'Acme Corp' });
    expect(crm.options.id).toBe(TurnIds.toolRequestedEvent(crm.data.toolCallId as string));
    expect(requests[1].data.arguments).toEqual({ query: event.data.text, limit: 4 });
    expect((await repository.findTurn(event.data.turnId))?.status).toBe('pending_tools');
  });

  it('publishes analysis then reply exactly once, even when a tool result is delivered twice', async () => {
    const event = turnEvent();
    const turn = event.data;
    await workflow.startTurn(event);
    await workflow.recordToolOutcome(completed(turn, 'knowledge_search', kbResult));
    await workflow.recordToolOutcome(completed(turn, 'knowledge_search', kbResult)); // duplicate
    expect(publisher.of(ReplyGenerated)).toHaveLength(0);
    await workflow.recordToolOutcome(completed(turn, 'crm_lookup_prospect', crmResult));
    await workflow.recordToolOutcome(completed(turn, 'crm_lookup_prospect', crmResult)); // after completion

    const outcomes = publisher.published.filter((p) => p.type !== ToolRequested.type);
    expect(outcomes.map((p) => p.type)).toEqual([AnalysisCompleted.type, ReplyGenerated.type]);
    expect(outcomes.every((p) => p.inTransaction)).toBe(true);
    const reply = outcomes[1];
    expect(reply.options.id).toBe(TurnIds.replyEvent(turn.turnId));
    expect(reply.data).toMatchObject({
      replyId: deriveId(turn.turnId, 'reply'),
      kind: 'reply',
      model: { provider: 'offline', name: 'offline-rules-v1', promptVersion: 'offline-2026-11' },
      toolCallIds: expect.arrayContaining([
        TurnIds.toolCall(turn.turnId, 'crm_lookup_prospect'),
        TurnIds.toolCall(turn.turnId, 'knowledge_search'),
      ]),
    });
    expect(reply.data.text).toContain('Hi Jane');
    expect(reply.data.text).toContain('credit-based');
    const grounding = reply.data.grounding as { sourceId: string; kind: string }[];
    expect(grounding.map((g) => [g.sourceId, g.kind])).toEqual([
      ['kb:posthog/annual-plans.md#1', 'knowledge_base'],
      ['crm:contact:c-1', 'crm'],
    ]);
    const citations = reply.data.citations as { sourceId: string }[];
    expect(citations.map((c) => c.sourceId)).toContain('kb:posthog/annual-plans.md#1');
    const timing = reply.data.timing as Record<string, unknown>;
    expect(timing.turnReceivedAt).toBe(turn.receivedAt);
    expect(Date.parse(timing.orchestrationStartedAt as string)).toBeGreaterThanOrEqual(
      Date.parse(turn.receivedAt),
    );
    const analysis = outcomes[0].data.analysis as {
      entities: { type: string; value?: string }[];
      stage: string;
    };
    expect(analysis.entities).toContainEqual(expect.objectContaining({ type: 'budget', value: '50000 USD' }));
    // A pricing question with a budget moves past the CRM's qualification stage.
    expect(analysis.stage).toBe('proposal');
    const stored = await repository.findTurn(turn.turnId);
    expect(stored?.status).toBe('completed');
    expect(stored?.finishedAt).toBeInstanceOf(Date);
  });

  it('generates exactly one reply when both tool results arrive concurrently (row lock)', async () => {
    // Widen the race: each handler pauses inside its transaction after recording its outcome. Without the
    // row lock, neither sees the other's uncommitted outcome and no reply (or two) would be generated.
    class SlowRepository extends TurnRepository {
      override async toolCalls(turnId: string) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        return super.toolCalls(turnId);
      }
    }
    workflow = new TurnWorkflow(new SlowRepository(db.uow), publisher, new OfflineLanguageModel(), config);
    const event = turnEvent();
    await workflow.startTurn(event);
    await Promise.all([
      workflow.recordToolOutcome(completed(event.data, 'knowledge_search', kbResult)),
      workflow.recordToolOutcome(completed(event.data, 'crm_lookup_prospect', crmResult)),
      workflow.recordToolOutcome(completed(event.data, 'crm_lookup_prospect', crmResult)),
    ]);
    expect(publisher.of(ReplyGenerated)).toHaveLength(1);
    expect(publisher.of(AnalysisCompleted)).toHaveLength(1);
  });

  it('still replies, with a follow-up and no knowledge grounding, when the knowledge search failed', async () => {
    const event = turnEvent({ text: 'Do you support on-premise deployment?' });
    await workflow.startTurn(event);
    await workflow.recordToolOutcome(failed(event.data, 'knowledge_search'));
    await workflow.recordToolOutcome(completed(event.data, 'crm_lookup_prospect', { found: false }));
    const replies = publisher.of(ReplyGenerated);
    expect(replies).toHaveLength(1);
    expect(replies[0].data.grounding).toEqual([]);
    expect(replies[0].data.citations).toEqual([]);
    expect(replies[0].data.text).toMatch(/follow up/);
  });

  it('uses earlier turns as history, and analyses a rep turn without tools or reply', async () => {
    const first = turnEvent();
    const conversationId = first.data.conversationId;
    await workflow.startTurn(first);
    const rep = turnEvent({
      conversationId,
      sequence: 2,
      role: 'rep',
      text: 'Happy to help, Jane! What is your timeline?',
    });
    await workflow.startTurn(rep);
    expect(publisher.published.filter((p) => p.data.turnId === rep.data.turnId).map((p) => p.type)).toEqual([
      AnalysisCompleted.type,
    ]);
    const seen: TurnContext[] = [];
    class SpyModel extends OfflineLanguageModel {
      override async respond(context: TurnContext): Promise<TurnResponseOutput> {
        seen.push(context);
        return super.respond(context);
      }
    }
    workflow = new TurnWorkflow(repository, publisher, new SpyModel(), config);
    const third = turnEvent({ conversationId, sequence: 3, text: 'We want to start next quarter.' });
    await workflow.startTurn(third);
    await workflow.recordToolOutcome(completed(third.data, 'knowledge_search', { passages: [] }));
    await workflow.recordToolOutcome(completed(third.data, 'crm_lookup_prospect', crmResult));
    expect(seen[0].history.map((h) => [h.sequence, h.role])).toEqual([
      [1, 'prospect'],
      [2, 'rep'],
    ]);
  });

  it('publishes turn.failed with a clear code when the model throws', async () => {
    class BrokenModel extends OfflineLanguageModel {
      override async respond(): Promise<TurnResponseOutput> {
        throw new Error('boom');
      }
    }
    workflow = new TurnWorkflow(repository, publisher, new BrokenModel(), config);
    const event = turnEvent();
    await workflow.startTurn(event);
    await workflow.recordToolOutcome(completed(event.data, 'knowledge_search', kbResult));
    await workflow.recordToolOutcome(completed(event.data, 'crm_lookup_prospect', crmResult));
    const failures = publisher.of(TurnFailed);
    expect(failures).toHaveLength(1);
    expect(failures[0].data.reason).toEqual({
      code: 'model_failed',
      message: 'the language model failed: boom',
    });
    expect(publisher.of(ReplyGenerated)).toHaveLength(0);
    expect((await repository.findTurn(event.data.turnId))?.status).toBe('failed');
  });

  it('answers a turn whose tool never answered once the tool timeout has passed', async () => {
    const event = turnEvent();
    await workflow.startTurn(event);
    await workflow.recordToolOutcome(completed(event.data, 'knowledge_search', kbResult));
    expect(await workflow.expireOverdueTurns(new Date())).toBe(0);
    // Other tests of this suite left turns waiting too: they are answered as well.
    expect(
      await workflow.expireOverdueTurns(new Date(Date.now() + config.toolTimeoutMs + 1000)),
    ).toBeGreaterThanOrEqual(1);
    const replies = publisher.of(ReplyGenerated).filter((r) => r.data.turnId === event.data.turnId);
    expect(replies).toHaveLength(1);
    expect(replies[0].data.text).toContain('credit-based');
    const calls = await repository.toolCalls(event.data.turnId);
    expect(calls.find((c) => c.tool === 'crm_lookup_prospect')?.error?.code).toBe('timeout');
    // A late result changes nothing.
    await workflow.recordToolOutcome(completed(event.data, 'crm_lookup_prospect', crmResult));
    expect(publisher.of(ReplyGenerated).filter((r) => r.data.turnId === event.data.turnId)).toHaveLength(1);
    expect(await workflow.expireOverdueTurns(new Date(Date.now() + config.toolTimeoutMs + 1000))).toBe(0);
  });

  it('exposes the provider interface the workflow depends on', () => {
    expect(new OfflineLanguageModel()).toBeInstanceOf(LanguageModel);
  });
});

describe('orchestrator migrations', () => {
  it('apply and revert cleanly', async () => {
    const db = await createMigratedDatabase(ORCHESTRATOR_DATABASE);
    try {
      const tables = async (): Promise<string[]> =>
        (
          await db.dataSource.query<{ table_name: string }[]>(
            `SELECT table_name FROM information_schema.tables WHERE table_schema = 'orchestrator' ORDER BY 1`,
          )
        ).map((r) => r.table_name);
      expect(await tables()).toEqual(['inbox', 'migrations', 'outbox', 'tool_calls', 'turns']);
      expect(await revertAllMigrations(db.dataSource)).toBe(2);
      expect(await tables()).toEqual(['migrations']);
    } finally {
      await db.close();
    }
  });
});
