/* Test fixtures shared by the workflow's integration specs: not exported by the lib. */
import {
  newId,
  ToolCompleted,
  ToolFailed,
  TurnReceived,
  type EnvelopeOf,
  type EventData,
  type EventDefinition,
  type ToolError,
  type TurnReceivedData,
} from '@lib/contracts';
import type { UnitOfWork } from '@lib/database';
import { createEnvelope, EventPublisher, type PublishOptions } from '@lib/messaging';
import type { OrchestratorConfig } from '../orchestrator.config';

export interface Published {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly options: PublishOptions;
  /** A unit of work was active when it was published. */
  readonly inTransaction: boolean;
  /** When it was recorded: at once for `immediate` events, after COMMIT for the others. */
  readonly seq: number;
}

/**
 * An `EventPublisher` that behaves like the outbox: an event published inside a unit of work exists only
 * once that unit commits (a rolled back unit publishes nothing); `immediate` events are out at once. It can
 * simulate a crash: the n next publications of a type throw, which rolls the handler's unit of work back.
 */
export class CommittedPublisher extends EventPublisher {
  readonly published: Published[] = [];
  private seq = 0;
  private readonly crashes = new Map<string, number>();

  constructor(private readonly uow: UnitOfWork) {
    super();
  }

  crashOn(definition: EventDefinition, times = 1): void {
    this.crashes.set(definition.type, times);
  }

  async publish<D extends EventDefinition>(definition: D, data: EventData<D>, options: PublishOptions) {
    const envelope = createEnvelope(definition, data, options, 'orchestrator');
    const crashes = this.crashes.get(definition.type) ?? 0;
    if (crashes > 0) {
      this.crashes.set(definition.type, crashes - 1);
      throw new Error(`simulated crash while publishing ${definition.type}`);
    }
    const inTransaction = this.uow.isActive;
    const record = (): void => {
      this.published.push({
        type: definition.type,
        data: data as Record<string, unknown>,
        options,
        inTransaction,
        seq: this.seq++,
      });
    };
    if (options.immediate || !inTransaction) record();
    else this.uow.afterCommit(record);
    return envelope;
  }

  of(definition: EventDefinition, turnId?: string): Published[] {
    return this.published.filter(
      (p) => p.type === definition.type && (turnId === undefined || p.data.turnId === turnId),
    );
  }
}

export const TENANT = 'tenant-a';

export const testConfig: OrchestratorConfig = {
  tools: ['crm_lookup_prospect', 'knowledge_search'],
  knowledgeLimit: 4,
  historyTurns: 10,
  maxSteps: 4,
  contextTokenBudget: 12_000,
  toolTimeoutMs: 30_000,
  modelTimeoutMs: 5_000,
  sweepIntervalMs: 1_000,
};

export function turnEvent(overrides: Partial<TurnReceivedData> = {}): EnvelopeOf<typeof TurnReceived> {
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

export function toolCompleted(
  turn: TurnReceivedData,
  toolCallId: string,
  tool: string,
  result: unknown,
): EnvelopeOf<typeof ToolCompleted> {
  return createEnvelope(
    ToolCompleted,
    {
      conversationId: turn.conversationId,
      turnId: turn.turnId,
      toolCallId,
      tool,
      result,
      durationMs: 3,
      completedAt: new Date().toISOString(),
    },
    { tenantId: TENANT },
    'tool-runner',
  );
}

export function toolFailed(
  turn: TurnReceivedData,
  toolCallId: string,
  tool: string,
  error: ToolError = { code: 'unavailable', message: 'search index down', retryable: false },
): EnvelopeOf<typeof ToolFailed> {
  return createEnvelope(
    ToolFailed,
    {
      conversationId: turn.conversationId,
      turnId: turn.turnId,
      toolCallId,
      tool,
      error,
      durationMs: 3,
      failedAt: new Date().toISOString(),
    },
    { tenantId: TENANT },
    'tool-runner',
  );
}

// The tool-runner's result shapes (libs/tools: CrmLookupProspectResult, KnowledgeSearchResult).
export const crmResult = {
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

export const kbResult = {
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

export const securityResult = {
  passages: [
    {
      sourceId: 'kb:posthog/security.md#0',
      title: 'Security',
      section: 'SOC 2',
      source: 'posthog/security.md',
      score: 6.2,
      text: 'PostHog is certified as SOC 2 Type 1 compliant, following an external audit.',
    },
  ],
};
