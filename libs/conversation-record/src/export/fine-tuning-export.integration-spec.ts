import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServiceDataSource, runMigrations } from '@lib/database';
import { luhnValid } from '@lib/privacy';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { TOOL_RUNNER_DATABASE } from '@lib/tools';
import { PERSISTENCE_DATABASE } from '../persistence-database';
import { PERSISTENCE_SCHEMA } from '../schema';
import type { FineTuningExample } from './fine-tuning-example';
import {
  exportFineTuningData,
  type ExportProgress,
  type FineTuningExportOptions,
} from './fine-tuning-export';

const s = `"${PERSISTENCE_SCHEMA}"`;
const ACME = 'acme-export';
const OTHER = 'globex-export';
const BULK = 'bulk-export';
const SINCE_2025 = new Date('2025-01-01T00:00:00Z');

interface TurnSpec {
  readonly role: 'prospect' | 'rep';
  readonly text: string;
  readonly reply?: {
    readonly kind: 'reply' | 'suggestion';
    readonly text: string;
    readonly groundedness?: number;
    readonly promptVersion?: string;
    readonly feedback?: { thumbs: 'up' | 'down' | null; rating: number | null }[];
  };
  readonly persons?: string[];
}

interface ConversationSpec {
  readonly tenantId: string;
  readonly mode: 'assist' | 'autonomous';
  readonly prospect: Record<string, string>;
  readonly startedAt: string;
  readonly turns: readonly TurnSpec[];
}

// PII planted in the conversations: none of it may be in the export, in any form.
const PII = {
  emails: ['cminh730@email.com', 'aphoenix939@email.com', 'ada@acme-export.io', 'g.hopper@globex.example'],
  phones: ['(977) 625-2661', '+44 20 7946 0958', '415.555.0100', '+1 415 555 0199'],
  cards: ['4111 1111 1111 1111', '5555-5555-5555-4444'],
  names: [
    'Crystal',
    'Minh',
    'Alessandro',
    'Phoenix',
    'Ada',
    'Lovelace',
    'Sarah Connor',
    'Connor',
    'Grace',
    'Hopper',
  ],
};

const C = {
  full: randomUUID(), // autonomous, every answer grounded, feedback up on the first
  ungrounded: randomUUID(), // first reply 0.5 grounded
  disliked: randomUUID(), // assist, the rep's answer, thumbs down on the first turn
  unanswered: randomUUID(), // no reply at all
  other: randomUUID(), // another tenant
  lateDrop: randomUUID(), // second reply 0.7 grounded
};

const conversations: Record<string, ConversationSpec> = {
  [C.full]: {
    tenantId: ACME,
    mode: 'autonomous',
    prospect: { name: 'Crystal Minh', email: 'cminh730@email.com', company: 'Minh Apparel' },
    startedAt: '2025-01-10T09:00:00.123456Z',
    turns: [
      {
        role: 'prospect',
        text: "Hi! I'm Crystal Minh. I need to know whether your annual plan includes SSO, can you help me with that?",
        reply: {
          kind: 'reply',
          text: 'Hi Crystal, yes: SSO is included in the annual Enterprise plan, with SAML and SCIM.',
          groundedness: 0.95,
          feedback: [{ thumbs: 'up', rating: null }],
        },
      },
      {
        role: 'prospect',
        text: 'Great. Send the quote to cminh730@email.com or call me on (977) 625-2661. Ada from finance signs off.',
        reply: {
          kind: 'reply',
          text: 'Will do! I will email cminh730@email.com today and copy Ada Lovelace (ada@acme-export.io).',
          groundedness: 0.9,
        },
      },
      {
        role: 'prospect',
        text: 'Our budget is $50,000 for 2025, up 12% on last year. Can we pay by card?',
        reply: {
          kind: 'reply',
          text: 'Yes, cards are accepted on annual plans; invoices are due within 30 days.',
          groundedness: 0.92,
        },
      },
    ],
  },
  [C.ungrounded]: {
    tenantId: ACME,
    mode: 'autonomous',
    prospect: { name: 'Alessandro Phoenix' },
    startedAt: '2025-01-11T09:00:00Z',
    turns: [
      {
        role: 'prospect',
        text: 'just wanted to check on the status of a refund, I am Alessandro Phoenix, aphoenix939@email.com',
        reply: { kind: 'reply', text: 'Refunds are instant for every plan.', groundedness: 0.5 },
        persons: ['Sarah Connor'],
      },
      {
        role: 'prospect',
        text: 'Sarah Connor from procurement says it was 2 weeks ago. Reach her on +44 20 7946 0958.',
        reply: { kind: 'reply', text: 'Thanks, I will contact Sarah Connor about it.', groundedness: 0.95 },
      },
    ],
  },
  [C.disliked]: {
    tenantId: ACME,
    mode: 'assist',
    prospect: { name: 'Crystal Minh' },
    startedAt: '2025-01-12T09:00:00.123456Z',
    turns: [
      {
        role: 'prospect',
        text: 'I have a promo code and I want to know when it expires.',
        reply: {
          kind: 'suggestion',
          text: 'Promo codes never expire.',
          groundedness: 0.9,
          feedback: [{ thumbs: 'down', rating: 1 }],
        },
      },
      {
        role: 'rep',
        text: 'Promo codes last 90 days. I can apply it now with card 4111 1111 1111 1111 if you like.',
      },
    ],
  },
  [C.unanswered]: {
    tenantId: ACME,
    mode: 'autonomous',
    prospect: { company: 'Initech' },
    startedAt: '2025-01-12T09:00:00.123456Z', // same start as C.disliked: the id breaks the tie
    turns: [{ role: 'prospect', text: 'HEY HO! Anyone there? Call 415.555.0100.' }],
  },
  [C.other]: {
    tenantId: OTHER,
    mode: 'autonomous',
    prospect: { name: 'Grace Hopper', email: 'g.hopper@globex.example' },
    startedAt: '2025-01-12T10:00:00Z',
    turns: [
      {
        role: 'prospect',
        text: 'Grace Hopper here. Pay with 5555-5555-5555-4444, phone +1 415 555 0199.',
        reply: { kind: 'reply', text: 'Thanks Grace, noted.', groundedness: 0.99 },
      },
    ],
  },
  [C.lateDrop]: {
    tenantId: ACME,
    mode: 'autonomous',
    prospect: { name: 'Crystal Minh' },
    startedAt: '2025-01-14T09:00:00Z',
    turns: [
      {
        role: 'prospect',
        text: 'Do you have a data processing agreement?',
        reply: { kind: 'reply', text: 'Yes, our DPA is available on request.', groundedness: 0.85 },
      },
      {
        role: 'prospect',
        text: 'Is it GDPR and CCPA compliant?',
        reply: { kind: 'reply', text: 'It covers GDPR, CCPA and HIPAA.', groundedness: 0.7 },
      },
    ],
  },
};

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/u;
const PHONE = /\+\d[\d\s().-]{6,}\d|\(?\b\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}\b/;
const CARD_CANDIDATE = /\d(?:[ -]?\d){12,18}/g;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

describe('fine-tuning export (PostgreSQL)', () => {
  let db: MigratedServiceDatabase;
  let dir: string;
  let run = 0;

  async function insert(id: string, spec: ConversationSpec): Promise<void> {
    const q = (sql: string, params: unknown[]): Promise<unknown> => db.dataSource.query(sql, params);
    await q(
      `INSERT INTO ${s}."conversations" ("id", "tenant_id", "status", "mode", "prospect", "rep_id", "title",
         "started_at", "updated_at", "turn_count")
       VALUES ($1, $2, 'active', $3, $4, 'rep-7', 'Renewal', $5, $5, $6)`,
      [id, spec.tenantId, spec.mode, JSON.stringify(spec.prospect), spec.startedAt, spec.turns.length],
    );
    for (const [index, turn] of spec.turns.entries()) {
      const turnId = randomUUID();
      await q(
        `INSERT INTO ${s}."turns" ("id", "conversation_id", "tenant_id", "sequence", "role", "text", "received_at")
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [turnId, id, spec.tenantId, index + 1, turn.role, turn.text, spec.startedAt],
      );
      if (turn.persons) {
        await q(
          `INSERT INTO ${s}."analyses" ("turn_id", "conversation_id", "tenant_id", "intents", "sentiment_label",
             "sentiment_score", "entities", "objections", "buying_signals", "stage", "model", "completed_at")
           VALUES ($1, $2, $3, '[]', 'neutral', 0, $4, '[]', '[]', 'discovery', $5, $6)`,
          [
            turnId,
            id,
            spec.tenantId,
            JSON.stringify(turn.persons.map((p) => ({ type: 'person', text: `our ${p}`, value: p }))),
            JSON.stringify({ provider: 'offline', name: 'rules', promptVersion: 'v1' }),
            spec.startedAt,
          ],
        );
      }
      const reply = turn.reply;
      if (!reply) continue;
      const replyId = randomUUID();
      const promptVersion = reply.promptVersion ?? 'sales-assistant.v1';
      await q(
        `INSERT INTO ${s}."replies" ("id", "turn_id", "conversation_id", "tenant_id", "kind", "text", "citations",
           "model", "input_tokens", "output_tokens", "generated_at")
         VALUES ($1, $2, $3, $4, $5, $6, '[]', $7, 900, 60, $8)`,
        [
          replyId,
          turnId,
          id,
          spec.tenantId,
          reply.kind,
          reply.text,
          JSON.stringify({ provider: 'offline', name: 'rules', promptVersion }),
          spec.startedAt,
        ],
      );
      if (reply.groundedness !== undefined) {
        // An older, better evaluation first: the latest one counts.
        for (const [groundedness, evaluatedAt] of [
          [1, '2024-12-01T00:00:00Z'],
          [reply.groundedness, spec.startedAt],
        ] as const) {
          await q(
            `INSERT INTO ${s}."evaluations" ("id", "reply_id", "turn_id", "conversation_id", "tenant_id", "scores",
               "groundedness", "latency", "prompt_version", "evaluator", "evaluated_at")
             VALUES ($1, $2, $3, $4, $5, $6, $7, '{}', $8, '{"name":"rules"}', $9)`,
            [
              randomUUID(),
              replyId,
              turnId,
              id,
              spec.tenantId,
              JSON.stringify({ groundedness }),
              groundedness,
              promptVersion,
              evaluatedAt,
            ],
          );
        }
      }
      for (const f of reply.feedback ?? []) {
        await q(
          `INSERT INTO ${s}."feedback" ("id", "turn_id", "conversation_id", "tenant_id", "thumbs", "rating",
             "comment", "submitted_at")
           VALUES ($1, $2, $3, $4, $5, $6, 'call me at 415.555.0100', $7)`,
          [randomUUID(), turnId, id, spec.tenantId, f.thumbs, f.rating, spec.startedAt],
        );
      }
    }
  }

  beforeAll(async () => {
    db = await createMigratedDatabase(PERSISTENCE_DATABASE);
    // The tool-runner's CRM in the same database, as in the default deployment.
    const tools = createServiceDataSource(TOOL_RUNNER_DATABASE, {
      url: db.database.url,
      applicationName: 'test',
    });
    await tools.initialize();
    try {
      await runMigrations(tools, TOOL_RUNNER_DATABASE.schema);
      for (const [tenant, first, last, email] of [
        [ACME, 'Ada', 'Lovelace', 'ada@acme-export.io'],
        [OTHER, 'Grace', 'Hopper', 'g.hopper@globex.example'],
      ] as const) {
        const account = randomUUID();
        await tools.query(
          `INSERT INTO "tool_runner"."crm_accounts" ("id", "tenant_id", "name") VALUES ($1, $2, $3)`,
          [account, tenant, `${tenant} Inc`],
        );
        await tools.query(
          `INSERT INTO "tool_runner"."crm_contacts" ("id", "tenant_id", "account_id", "first_name", "last_name", "email")
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [randomUUID(), tenant, account, first, last, email],
        );
      }
    } finally {
      await tools.destroy();
    }
    for (const [id, spec] of Object.entries(conversations)) await insert(id, spec);

    // 1000 conversations of 2024 in their own tenant, three per start time (microseconds included).
    await db.dataSource.query(
      `INSERT INTO ${s}."conversations" ("id", "tenant_id", "status", "mode", "prospect", "started_at", "updated_at",
         "turn_count")
       SELECT gen_random_uuid(), $1, 'active', 'autonomous', jsonb_build_object('name', 'Bulk Person'),
              timestamptz '2024-06-01 00:00:00.123456+00' + (g / 3) * interval '1 second',
              timestamptz '2024-06-01 00:00:00+00', 2
         FROM generate_series(1, 1000) AS g`,
      [BULK],
    );
    await db.dataSource.query(
      `INSERT INTO ${s}."turns" ("id", "conversation_id", "tenant_id", "sequence", "role", "text", "received_at")
       SELECT gen_random_uuid(), c."id", c."tenant_id", 1, 'prospect', 'What does the Teams plan cost?', c."started_at"
         FROM ${s}."conversations" c WHERE c."tenant_id" = $1`,
      [BULK],
    );
    await db.dataSource.query(
      `INSERT INTO ${s}."replies" ("id", "turn_id", "conversation_id", "tenant_id", "kind", "text", "citations",
         "model", "input_tokens", "output_tokens", "generated_at")
       SELECT gen_random_uuid(), t."id", t."conversation_id", t."tenant_id", 'reply', 'It is $450 a month.', '[]',
              '{"provider":"offline","name":"rules","promptVersion":"v1"}', 10, 5, t."received_at"
         FROM ${s}."turns" t WHERE t."tenant_id" = $1`,
      [BULK],
    );
    dir = await mkdtemp(join(tmpdir(), 'export-'));
  });

  afterAll(async () => {
    await db?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function exportWith(options: Partial<FineTuningExportOptions>): Promise<{
    lines: FineTuningExample[];
    raw: string;
    summary: Awaited<ReturnType<typeof exportFineTuningData>>;
  }> {
    run += 1;
    const out = join(dir, `run-${run}.jsonl`);
    const summary = await exportFineTuningData(db.dataSource, {
      out,
      since: SINCE_2025,
      filters: { feedback: 'not-negative' },
      batchSize: 2,
      ...options,
    });
    const raw = await readFile(out, 'utf8');
    const lines = raw
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as FineTuningExample);
    return { lines, raw, summary };
  }

  const ids = (lines: FineTuningExample[]): string[] => lines.map((l) => l.metadata.conversationId).sort();

  function expectNoPii(raw: string): void {
    for (const value of [...PII.emails, ...PII.phones, ...PII.cards, ...PII.names]) {
      expect(raw).not.toContain(value);
    }
    for (const digitsOnly of [...PII.phones, ...PII.cards].map((v) => v.replace(/\D/g, ''))) {
      expect(raw.replace(/\D/g, ' ')).not.toContain(` ${digitsOnly} `);
    }
    const withoutIds = raw.replace(UUID, '<id>');
    expect(withoutIds).not.toMatch(EMAIL);
    expect(withoutIds).not.toMatch(PHONE);
    for (const candidate of withoutIds.match(CARD_CANDIDATE) ?? []) {
      expect(luhnValid(candidate.replace(/\D/g, ''))).toBe(false);
    }
  }

  it('writes valid, redacted JSONL with the default filters (not-negative feedback)', async () => {
    const { lines, raw, summary } = await exportWith({});
    expect(raw.endsWith('\n')).toBe(true);
    expect(ids(lines)).toEqual([C.full, C.ungrounded, C.other, C.lateDrop].sort());
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(['messages', 'metadata']);
      expect(line.messages[0]?.role).toBe('system');
      expect(line.messages[line.messages.length - 1]?.role).toBe('assistant');
      for (const m of line.messages) expect(['system', 'user', 'assistant']).toContain(m.role);
      for (const m of line.messages) expect(typeof m.content).toBe('string');
    }
    expectNoPii(raw);

    const full = lines.find((l) => l.metadata.conversationId === C.full) as FineTuningExample;
    expect(full.metadata).toEqual({
      conversationId: C.full,
      tenantId: ACME,
      mode: 'autonomous',
      promptVersions: ['sales-assistant.v1'],
      turns: 3,
    });
    expect(full.messages.map((m) => m.content).slice(1, 5)).toEqual([
      "Hi! I'm [NAME]. I need to know whether your annual plan includes SSO, can you help me with that?",
      'Hi [NAME], yes: SSO is included in the annual Enterprise plan, with SAML and SCIM.',
      'Great. Send the quote to [EMAIL] or call me on [PHONE]. [NAME] from finance signs off.',
      'Will do! I will email [EMAIL] today and copy [NAME] ([EMAIL]).',
    ]);
    // Amounts, percentages and years survive.
    expect(full.messages[5]?.content).toBe(
      'Our budget is $50,000 for 2025, up 12% on last year. Can we pay by card?',
    );
    // The analysis' person entity is redacted wherever it appears.
    const ungrounded = lines.find((l) => l.metadata.conversationId === C.ungrounded) as FineTuningExample;
    expect(ungrounded.messages[3]?.content).toBe(
      '[NAME] from procurement says it was 2 weeks ago. Reach her on [PHONE].',
    );

    expect(summary).toMatchObject({
      total: 6,
      scanned: 6,
      exported: 4,
      skipped: { no_assistant_message: 1, groundedness: 0, feedback: 1, prompt_version: 0 },
      truncated: { groundedness: 0, feedback: 0, prompt_version: 0 },
      messages: { system: 4, user: 8, assistant: 8 },
      crmContactNames: true,
    });
    expect(summary.redactions).toEqual({ email: 4, iban: 0, card: 1, ssn: 0, phone: 3, name: 9 });
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('filters by groundedness: skips a first answer below the threshold, cuts before a later one', async () => {
    const { lines, raw, summary } = await exportWith({
      filters: { feedback: 'not-negative', minGroundedness: 0.8 },
    });
    expect(ids(lines)).toEqual([C.full, C.other, C.lateDrop].sort());
    const late = lines.find((l) => l.metadata.conversationId === C.lateDrop) as FineTuningExample;
    expect(late.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
    expect(late.metadata.turns).toBe(1);
    expect(summary.skipped).toMatchObject({ groundedness: 1, feedback: 1, no_assistant_message: 1 });
    expect(summary.truncated.groundedness).toBe(1);
    expectNoPii(raw);
  });

  it('filters by feedback: positive keeps answers with positive feedback only; any keeps the disliked one', async () => {
    const positive = await exportWith({ filters: { feedback: 'positive' } });
    expect(ids(positive.lines)).toEqual([C.full]);
    expect(positive.lines[0]?.messages).toHaveLength(3);
    expect(positive.summary.skipped.feedback).toBe(4);

    const any = await exportWith({ filters: { feedback: 'any' } });
    expect(ids(any.lines)).toEqual([C.full, C.ungrounded, C.disliked, C.other, C.lateDrop].sort());
    const disliked = any.lines.find((l) => l.metadata.conversationId === C.disliked) as FineTuningExample;
    // Assist mode: the rep's sent text, not the suggestion.
    expect(disliked.messages[2]).toEqual({
      role: 'assistant',
      content: 'Promo codes last 90 days. I can apply it now with card [CARD] if you like.',
    });
    expectNoPii(any.raw);
  });

  it('respects the tenant, time and prompt-version filters', async () => {
    const other = await exportWith({ tenantId: OTHER });
    expect(ids(other.lines)).toEqual([C.other]);
    expect(other.lines[0]?.messages[1]?.content).toBe('[NAME] here. Pay with [CARD], phone [PHONE].');
    expectNoPii(other.raw);

    const acme = await exportWith({ tenantId: ACME, until: new Date('2025-01-12T00:00:00Z') });
    expect(ids(acme.lines)).toEqual([C.full, C.ungrounded].sort());
    expect(acme.summary.scanned).toBe(2);

    const v2 = await exportWith({ filters: { feedback: 'any', promptVersion: 'v2' } });
    expect(v2.lines).toEqual([]);
    expect(v2.summary.skipped.prompt_version).toBe(5);
  });

  it('pages through many conversations once each, with progress', async () => {
    const progress: ExportProgress[] = [];
    const { lines, summary } = await exportWith({
      tenantId: BULK,
      since: undefined,
      batchSize: 97,
      onProgress: (p) => progress.push(p),
    });
    expect(lines).toHaveLength(1000);
    expect(new Set(lines.map((l) => l.metadata.conversationId)).size).toBe(1000);
    expect(progress).toHaveLength(Math.ceil(1000 / 97));
    expect(progress.map((p) => p.done)).toEqual(progress.map((_, i) => Math.min(1000, (i + 1) * 97)));
    expect(progress.every((p) => p.total === 1000)).toBe(true);
    expect(summary.redactions.name).toBe(0); // "Bulk Person" is never mentioned

    const everyone = await exportWith({ since: undefined, batchSize: 150, filters: { feedback: 'any' } });
    expect(everyone.summary.scanned).toBe(1006);
    expect(everyone.lines).toHaveLength(1005);
  });

  it('leaves neither the file nor a temporary file when the export fails midway', async () => {
    const out = join(dir, 'failed.jsonl');
    await expect(
      exportFineTuningData(db.dataSource, {
        out,
        filters: { feedback: 'any' },
        batchSize: 2,
        onProgress: (p) => {
          if (p.done >= 4) throw new Error('disk full');
        },
      }),
    ).rejects.toThrow('disk full');
    const files = await readdir(dir);
    expect(files).not.toContain('failed.jsonl');
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes nothing when the output directory does not exist', async () => {
    const out = join(dir, 'missing', 'out.jsonl');
    await expect(exportFineTuningData(db.dataSource, { out, filters: { feedback: 'any' } })).rejects.toThrow(
      /does not exist/,
    );
  });
});
