import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { ConversationDeleted, ConversationStarted, newId, type EventEnvelope } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { EventPublisher } from '@lib/messaging';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ConversationEventHub } from '../events/conversation-event-hub';
import { GatewayEventRelay } from '../events/gateway-event-relay.controller';
import { ProblemTypes } from '../http/problem';
import { runConversationsCommand } from '../retention/conversations.command';
import { RETENTION_LOCK } from '../retention/retention.repository';
import { RetentionSweeper } from '../retention/retention-sweeper';
import {
  GatewayClient,
  RecordingSink,
  startGatewayApp,
  type GatewayTestApp,
  type Json,
} from '../testing/gateway-harness';

const ADMIN_KEY = 'admin-key-for-the-deletion-test';

const sink = new RecordingSink();

describe('conversation deletion and retention in the gateway (PostgreSQL, Nest HTTP app)', () => {
  let gateway: GatewayTestApp;
  let app: INestApplication;
  let dataSource: DataSource;
  let keyA: string;
  let keyB: string;
  let tenantA: string;
  let tenantB: string;

  const { call, createTenant, startConversation: start } = new GatewayClient(() => gateway.url, ADMIN_KEY);

  const turn = async (key: string, conversationId: string): Promise<{ status: number; body: Json }> =>
    call('POST', `/v1/conversations/${conversationId}/turns`, {
      key,
      body: { role: 'prospect', text: 'How much is it?' },
    });

  /** Rows of every gateway table but the tombstones that mention the id anywhere (the whole row as JSON). */
  const rowsMentioning = async (id: string): Promise<Record<string, number>> => {
    const tables: { table_name: string }[] = await dataSource.query(
      `SELECT table_name FROM information_schema.tables
       WHERE table_schema = 'gateway' AND table_type = 'BASE TABLE'
         AND table_name NOT IN ('deleted_conversations', 'migrations')`,
    );
    const found: Record<string, number> = {};
    for (const { table_name } of tables) {
      const [row]: { n: number }[] = await dataSource.query(
        `SELECT count(*)::int AS n FROM "gateway"."${table_name}" t WHERE row_to_json(t)::text LIKE $1`,
        [`%${id}%`],
      );
      if (row.n > 0) found[table_name] = row.n;
    }
    return found;
  };

  /** Makes a conversation look idle since `daysAgo` days (its creation and its turns). */
  const age = async (conversationId: string, daysAgo: number): Promise<void> => {
    const at = new Date(Date.now() - daysAgo * 86_400_000);
    await dataSource.query(`UPDATE gateway.conversations SET created_at = $2 WHERE id = $1`, [
      conversationId,
      at,
    ]);
    await dataSource.query(`UPDATE gateway.turns SET created_at = $2 WHERE conversation_id = $1`, [
      conversationId,
      at,
    ]);
  };

  beforeAll(async () => {
    // Persistence's read API knows no conversation (the gateway then answers with its pending view).
    gateway = await startGatewayApp('gateway_deletion', sink, {
      ADMIN_API_KEY: ADMIN_KEY,
      RETENTION_SWEEP_INTERVAL_MS: '0',
      RETENTION_SWEEP_BATCH: '2',
    });
    app = gateway.app;
    dataSource = app.get(DataSource);
    const relay = app.get(GatewayEventRelay);
    sink.loopback = (envelope) => {
      if (envelope.type === ConversationDeleted.type) {
        relay.onConversationDeleted(envelope as EventEnvelope<never>);
      }
    };

    ({ id: tenantA, key: keyA } = await createTenant('tenant-a', {}));
    ({ id: tenantB, key: keyB } = await createTenant('tenant-b', {}));
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  beforeEach(() => {
    sink.failing = false;
  });

  describe('DELETE /v1/conversations/{id}', () => {
    let id: string;
    let turnId: string;
    let deletedAt: string;

    beforeAll(async () => {
      id = await start(keyA);
      turnId = (await turn(keyA, id)).body.turnId as string;
      await gateway.drain();
    });

    it("refuses another tenant's conversation with 404 problem+json, and deletes nothing", async () => {
      const refused = await call('DELETE', `/v1/conversations/${id}`, { key: keyB });
      expect(refused.status).toBe(404);
      expect(refused.type).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ status: 404, title: 'Not Found' });
      expect((await call('GET', `/v1/conversations/${id}`, { key: keyA })).status).toBe(200);
      expect(await rowsMentioning(id)).toMatchObject({ conversations: 1, turns: 1 });
    });

    it('answers 202, forgets the conversation and publishes conversation.deleted (through the outbox)', async () => {
      const deleted = await call('DELETE', `/v1/conversations/${id}`, { key: keyA });
      expect(deleted.status).toBe(202);
      expect(deleted.body).toEqual({
        conversationId: id,
        status: 'deleted',
        reason: 'request',
        deletedAt: expect.any(String),
      });
      deletedAt = deleted.body.deletedAt as string;
      await gateway.drain();
      expect(await rowsMentioning(id)).toEqual({});
      const [event] = sink.of(ConversationDeleted, id);
      expect(event).toMatchObject({ tenantid: tenantA, subject: id });
      expect(event.data).toEqual({
        conversationId: id,
        reason: 'request',
        requestedBy: expect.stringMatching(/^api-key:/),
        deletedAt,
      });
    });

    it('answers 410 problem+json for its reads, turns and stream; 404 for feedback on its turns', async () => {
      for (const [method, path, body] of [
        ['GET', `/v1/conversations/${id}`, undefined],
        ['GET', `/v1/conversations/${id}/events`, undefined],
        ['POST', `/v1/conversations/${id}/turns`, { role: 'prospect', text: 'still there?' }],
      ] as const) {
        const gone = await call(method, path, { key: keyA, body });
        expect(gone.status).toBe(410);
        expect(gone.type).toMatch(/^application\/problem\+json/);
        expect(gone.body).toMatchObject({
          type: ProblemTypes.conversationDeleted,
          status: 410,
          title: 'Gone',
        });
      }
      const feedback = await call('POST', `/v1/turns/${turnId}/feedback`, {
        key: keyA,
        body: { thumbs: 'up' },
      });
      expect(feedback.status).toBe(404);
      // Another tenant learns nothing: 404, not 410.
      expect((await call('GET', `/v1/conversations/${id}`, { key: keyB })).status).toBe(404);
    });

    it('answers 202 again with the same body when deleted twice, and publishes nothing more', async () => {
      const again = await call('DELETE', `/v1/conversations/${id}`, { key: keyA });
      expect(again.status).toBe(202);
      expect(again.body).toMatchObject({ conversationId: id, deletedAt });
      await gateway.drain();
      expect(sink.of(ConversationDeleted, id)).toHaveLength(1);
    });

    it('refuses a knowledge document for the deleted conversation (410) or for another tenant’s (404)', async () => {
      const document = {
        title: 'Requirements',
        source: 'upload://requirements.md',
        contentType: 'text/markdown',
        content: '# Requirements',
      };
      const gone = await call('POST', '/v1/knowledge/documents', {
        key: keyA,
        body: { ...document, conversationId: id },
      });
      expect(gone.status).toBe(410);
      const other = await start(keyB);
      const foreign = await call('POST', '/v1/knowledge/documents', {
        key: keyA,
        body: { ...document, conversationId: other },
      });
      expect(foreign.status).toBe(404);
    });

    it('answers 404 for an unknown conversation and 400 naming the id for a malformed one', async () => {
      expect((await call('DELETE', `/v1/conversations/${newId()}`, { key: keyA })).status).toBe(404);
      const malformed = await call('DELETE', '/v1/conversations/nope', { key: keyA });
      expect(malformed.status).toBe(400);
      expect(malformed.body.errors).toEqual([expect.objectContaining({ field: 'id' })]);
    });
  });

  it('drops the events of the conversation still in the outbox: only the deletion goes out', async () => {
    sink.failing = true;
    const id = await start(keyA);
    await gateway.drain();
    expect(await rowsMentioning(id)).toMatchObject({ outbox: 1 }); // conversation.started, unsent
    expect((await call('DELETE', `/v1/conversations/${id}`, { key: keyA })).status).toBe(202);
    sink.failing = false;
    await gateway.drain();
    expect(sink.of(ConversationStarted, id)).toEqual([]);
    expect(sink.of(ConversationDeleted, id)).toHaveLength(1);
    expect(await rowsMentioning(id)).toEqual({});
  });

  it('ends the open event streams of a deleted conversation, after its deletion event', async () => {
    const id = await start(keyA);
    const response = await fetch(`${gateway.url}/v1/conversations/${id}/events`, {
      headers: { authorization: `Bearer ${keyA}` },
    });
    expect(response.status).toBe(200);
    // Wait until the stream is registered in the hub before deleting.
    const hub = app.get(ConversationEventHub);
    for (let i = 0; i < 100 && hub.activeConversations === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const body = response.text(); // resolves when the server ends the stream
    expect((await call('DELETE', `/v1/conversations/${id}`, { key: keyA })).status).toBe(202);
    await gateway.drain();
    const text = await body;
    expect(text).toContain('event: conversation.deleted');
    expect(hub.activeConversations).toBe(0);
  });

  it('documents the deletion and the retention period in the OpenAPI document', async () => {
    const { body } = await call('GET', '/docs/openapi.json');
    const paths = body.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    expect(Object.keys(paths['/v1/conversations/{id}'].delete.responses).sort()).toEqual(
      expect.arrayContaining(['202', '400', '401', '404']),
    );
    expect(paths['/v1/conversations/{id}'].get.responses).toHaveProperty('410');
    expect(paths['/admin/v1/tenants/{id}'].patch.responses).toHaveProperty('200');
    const schemas = (body.components as { schemas: Record<string, { properties: Json }> }).schemas;
    expect(Object.keys(schemas.ConversationDeletion.properties)).toEqual(
      expect.arrayContaining(['conversationId', 'status', 'reason', 'deletedAt']),
    );
    expect(schemas.Tenant.properties).toHaveProperty('retentionDays');
    expect(schemas.UpdateTenantRequest.properties).toHaveProperty('retentionDays');
  });

  describe('retention', () => {
    it('sets the retention period through the admin API (1..3650 days or null), shown in the listing', async () => {
      for (const retentionDays of [0, 3651, 1.5, 'x']) {
        const bad = await call('PATCH', `/admin/v1/tenants/${tenantA}`, {
          key: ADMIN_KEY,
          body: { retentionDays },
        });
        expect(bad.status).toBe(400);
        expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'retentionDays' })]);
      }
      expect(
        (await call('PATCH', `/admin/v1/tenants/${newId()}`, { key: ADMIN_KEY, body: { retentionDays: 5 } }))
          .status,
      ).toBe(404);
      expect(
        (await call('PATCH', `/admin/v1/tenants/${tenantA}`, { key: keyA, body: { retentionDays: 5 } }))
          .status,
      ).toBe(401);
      const set = await call('PATCH', `/admin/v1/tenants/${tenantA}`, {
        key: ADMIN_KEY,
        body: { retentionDays: 30 },
      });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ id: tenantA, name: 'tenant-a', retentionDays: 30 });
      const cleared = await call('PATCH', `/admin/v1/tenants/${tenantB}`, {
        key: ADMIN_KEY,
        body: { retentionDays: null },
      });
      expect(cleared.body).toMatchObject({ id: tenantB, retentionDays: null });
      const list = await call('GET', '/admin/v1/tenants', { key: ADMIN_KEY });
      expect(list.body).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: tenantA, retentionDays: 30 }),
          expect.objectContaining({ id: tenantB, retentionDays: null }),
        ]),
      );
    });

    describe('the sweep and the command', () => {
      let expired: string[];
      let recentTurn: string;
      let fresh: string;
      let otherTenant: string;

      beforeAll(async () => {
        await call('PATCH', `/admin/v1/tenants/${tenantA}`, { key: ADMIN_KEY, body: { retentionDays: 30 } });
        expired = [await start(keyA), await start(keyA), await start(keyA)];
        await turn(keyA, expired[0]);
        for (const id of expired) await age(id, 45);
        // Created long ago, but its latest turn is recent: still active.
        recentTurn = await start(keyA);
        await age(recentTurn, 45);
        expect((await turn(keyA, recentTurn)).status).toBe(202);
        fresh = await start(keyA);
        await age(fresh, 10);
        // A tenant without a retention period keeps everything.
        otherTenant = await start(keyB);
        await age(otherTenant, 4000);
        await gateway.drain();
      });

      const exists = async (id: string): Promise<boolean> =>
        (await dataSource.query<unknown[]>(`SELECT 1 FROM gateway.conversations WHERE id = $1`, [id]))
          .length > 0;

      it('the command’s dry run lists the expired conversations and deletes nothing', async () => {
        let out = '';
        const code = await runConversationsCommand(['retention', '--dry-run'], {
          uow: app.get(UnitOfWork),
          publisher: app.get(EventPublisher),
          output: { out: (t) => (out += t), err: () => undefined },
        });
        expect(code).toBe(0);
        for (const id of expired) expect(out).toContain(`would delete ${id}`);
        for (const id of [recentTurn, fresh, otherTenant]) expect(out).not.toContain(id);
        expect(out).toContain('tenant tenant-a (retention 30 days): 3 conversation(s) would be deleted');
        for (const id of expired) expect(await exists(id)).toBe(true);
      });

      it('skips a sweep while another holds the lock (another instance, the command)', async () => {
        const holder = new Client({ connectionString: gateway.db.url });
        await holder.connect();
        try {
          await holder.query('SELECT pg_advisory_lock($1::int, $2::int)', [...RETENTION_LOCK]);
          expect(await app.get(RetentionSweeper).sweep()).toBeUndefined();
          for (const id of expired) expect(await exists(id)).toBe(true);
        } finally {
          await holder.end();
        }
      });

      it('deletes only the expired conversations of tenants with a retention period, a batch per sweep', async () => {
        const sweeper = app.get(RetentionSweeper);
        expect(await sweeper.sweep()).toEqual({ deleted: 2, byTenant: { 'tenant-a': 2 }, more: true });
        expect(await sweeper.sweep()).toEqual({ deleted: 1, byTenant: { 'tenant-a': 1 }, more: false });
        expect(await sweeper.sweep()).toEqual({ deleted: 0, byTenant: {}, more: false });
        for (const id of expired) expect(await exists(id)).toBe(false);
        for (const id of [recentTurn, fresh, otherTenant]) expect(await exists(id)).toBe(true);
        await gateway.drain();
        for (const id of expired) {
          expect(sink.of(ConversationDeleted, id).map((e) => e.data)).toEqual([
            expect.objectContaining({ reason: 'retention', requestedBy: 'retention' }),
          ]);
          expect((await call('GET', `/v1/conversations/${id}`, { key: keyA })).status).toBe(410);
        }
      });

      it('the command deletes one conversation by tenant name, and fails clearly on bad input', async () => {
        const run = async (...argv: string[]) => {
          let out = '';
          let err = '';
          const code = await runConversationsCommand(argv, {
            uow: app.get(UnitOfWork),
            publisher: app.get(EventPublisher),
            output: { out: (t) => (out += t), err: (t) => (err += t) },
          });
          return { code, out, err };
        };
        const deleted = await run('delete', '--tenant', 'tenant-a', '--conversation', fresh);
        expect(deleted.code).toBe(0);
        expect(JSON.parse(deleted.out)).toMatchObject({
          conversationId: fresh,
          status: 'deleted',
          reason: 'request',
        });
        await gateway.drain();
        expect(sink.of(ConversationDeleted, fresh)[0].data).toMatchObject({ requestedBy: 'cli' });
        expect(await exists(fresh)).toBe(false);

        expect((await run('delete', '--tenant', 'tenant-b', '--conversation', recentTurn)).code).toBe(1);
        expect(await exists(recentTurn)).toBe(true);
        const unknown = await run('delete', '--tenant', 'nobody', '--conversation', recentTurn);
        expect(unknown).toMatchObject({ code: 1, err: expect.stringContaining('tenant nobody not found') });
        expect((await run('delete', '--tenant', 'tenant-a', '--conversation', 'nope')).code).toBe(2);
        expect((await run('retention', '--batch', '0')).code).toBe(2);
      });
    });
  });
});
