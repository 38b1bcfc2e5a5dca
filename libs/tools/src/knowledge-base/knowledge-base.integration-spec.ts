import { Logger, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { join } from 'node:path';
import { deriveId } from '@lib/contracts';
import { loadRetrievalConfig } from '@lib/retrieval';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { PostgresToolExecutionStore } from '../execution/postgres-tool-execution.store';
import { ToolExecutor } from '../execution/tool-executor';
import { faqLookupTool } from '../faq/faq-lookup.tool';
import { ToolRegistry } from '../registry/tool-registry';
import { TOOL_RUNNER_DATABASE } from '../tool-runner.database';
import { defaultKnowledgeBaseDir } from './knowledge-base-dir';
import { knowledgeSearchTool } from './knowledge-search.tool';
import { createKnowledgeServices, type KnowledgeServices } from './knowledge-services';
import { configureToolRunnerApp, KnowledgeDocumentsController } from './knowledge-documents.controller';
import { KnowledgeIngestion } from './knowledge-ingestion';
import { evaluateRecall, loadLabelledQuestions } from './retrieval-evaluation';
import { minimalPdf } from './testing/minimal-pdf';

const TENANT_A = 'tenant-kb-a';
const TENANT_B = 'tenant-kb-b';
const KB_DIR = defaultKnowledgeBaseDir();
const QUESTIONS = join(KB_DIR, '..', 'kb-eval', 'questions.jsonl');
/**
 * Measured recall@5 of data/kb-eval/questions.jsonl (30 questions) with the local embeddings and the embedded
 * store: 0.867 (26/30; the misses are paraphrases sharing no word with their page, the local embedding's
 * limit). The floor leaves a margin of two questions for ranking changes, not for a broken retrieval.
 */
const RECALL_AT_5_FLOOR = 0.8;

interface Passage {
  sourceId: string;
  title: string;
  section: string;
  source: string;
  text: string;
  score: number;
}

describe('knowledge base on PostgreSQL (embedded vector store, local embeddings)', () => {
  let db: MigratedServiceDatabase;
  let kb: KnowledgeServices;
  let executor: ToolExecutor;
  let calls = 0;

  const count = async (sql: string, params: unknown[]): Promise<number> =>
    Number((await db.dataSource.query(sql, params))[0].n);
  const chunksOf = (tenant: string, documentId?: string) =>
    count(
      `SELECT count(*) AS n FROM tool_runner.knowledge_chunks WHERE tenant_id = $1 AND ($2::text IS NULL OR document_id = $2)`,
      [tenant, documentId ?? null],
    );
  const run = (tenantId: string, tool: string, args: Record<string, unknown>) =>
    executor.execute({ toolCallId: deriveId('kb-call', String(++calls)), tenantId, tool, arguments: args });
  const search = async (tenantId: string, args: Record<string, unknown>): Promise<Passage[]> => {
    const outcome = await run(tenantId, 'knowledge_search', args);
    if (outcome.status !== 'completed')
      throw new Error(`knowledge_search failed: ${JSON.stringify(outcome.error)}`);
    return (outcome.result as { passages: Passage[] }).passages;
  };

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    db = await createMigratedDatabase(TOOL_RUNNER_DATABASE);
    // Whatever the environment says (QDRANT_URL...): this suite is about the embedded store.
    kb = createKnowledgeServices(db.uow, { retrieval: loadRetrievalConfig({}) });
    const registry = new ToolRegistry([knowledgeSearchTool(kb.retriever), faqLookupTool(kb.faq)]);
    executor = new ToolExecutor(registry, new PostgresToolExecutionStore(db.uow), {
      timeoutMs: 10_000,
      maxResultBytes: 32_768,
    });
  });
  afterAll(async () => {
    await db.close();
  });

  describe('ingestion of data/kb', () => {
    it('adds every page once, then finds nothing to do', async () => {
      const first = await kb.ingestion.ingestFiles(TENANT_A, { paths: [KB_DIR] });
      expect(first).toMatchObject({ added: 25, updated: 0, unchanged: 0, removed: 0 });
      expect(first.chunks).toBeGreaterThan(100);
      expect(await chunksOf(TENANT_A)).toBe(first.chunks);
      const rows: { document_id: string; chunk_count: number; checksum: string; title: string }[] =
        await db.dataSource.query(
          `SELECT document_id, chunk_count, checksum, title FROM tool_runner.knowledge_documents
           WHERE tenant_id = $1 ORDER BY document_id`,
          [TENANT_A],
        );
      expect(rows).toHaveLength(25);
      expect(rows.find((r) => r.document_id === 'posthog/refunds.md')).toMatchObject({ title: 'Refunds' });
      expect(rows.reduce((n, r) => n + r.chunk_count, 0)).toBe(first.chunks);
      // Every chunk carries the checksum of its document's row.
      expect(
        await count(
          `SELECT count(*) AS n FROM tool_runner.knowledge_chunks c JOIN tool_runner.knowledge_documents d
             ON d.tenant_id = c.tenant_id AND d.document_id = c.document_id AND d.checksum = c.checksum
           WHERE c.tenant_id = $1`,
          [TENANT_A],
        ),
      ).toBe(first.chunks);

      const again = await kb.ingestion.ingestFiles(TENANT_A, { paths: [KB_DIR], sync: true });
      expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 25, removed: 0, chunks: 0 });
      expect(await chunksOf(TENANT_A)).toBe(first.chunks);
    });

    it('replaces the chunks of a changed document and removes a deleted one', async () => {
      const doc = (text: string) => ({
        source: 'https://example.test/policies/uptime',
        title: 'Uptime policy',
        contentType: 'text/html' as const,
        content: `<h1>Uptime</h1><h2>Target</h2><p>${text}</p><h2>Credits</h2><p>Service credits apply.</p>`,
      });
      await expect(kb.ingestion.ingest(TENANT_A, doc('We target 99.9% uptime.'))).resolves.toMatchObject({
        documentId: 'example.test/policies/uptime',
        status: 'added',
        chunks: 2,
      });
      await expect(kb.ingestion.ingest(TENANT_A, doc('We target 99.9% uptime.'))).resolves.toMatchObject({
        status: 'unchanged',
      });
      const shorter = {
        ...doc('We now target 99.95% uptime.'),
        content: '<h2>Target</h2><p>We now target 99.95% uptime.</p>',
      };
      await expect(kb.ingestion.ingest(TENANT_A, shorter)).resolves.toMatchObject({
        status: 'updated',
        chunks: 1,
      });
      const texts: { text: string }[] = await db.dataSource.query(
        `SELECT text FROM tool_runner.knowledge_chunks WHERE tenant_id = $1 AND document_id = $2`,
        [TENANT_A, 'example.test/policies/uptime'],
      );
      expect(texts).toEqual([{ text: 'We now target 99.95% uptime.' }]);

      await expect(kb.ingestion.remove(TENANT_A, 'example.test/policies/uptime')).resolves.toBe(true);
      expect(await chunksOf(TENANT_A, 'example.test/policies/uptime')).toBe(0);
      expect(
        await count(
          `SELECT count(*) AS n FROM tool_runner.knowledge_documents WHERE tenant_id = $1 AND document_id = $2`,
          [TENANT_A, 'example.test/policies/uptime'],
        ),
      ).toBe(0);
    });

    it('ingests a PDF sent as base64', async () => {
      const pdf = minimalPdf(['Enterprise customers get a dedicated Slack channel.'], 'Enterprise support');
      await expect(
        kb.ingestion.ingest(TENANT_B, {
          source: 'uploads/enterprise-support.pdf',
          contentType: 'application/pdf',
          content: pdf.toString('base64'),
        }),
      ).resolves.toMatchObject({ status: 'added', chunks: 1 });
      const [passage] = await search(TENANT_B, { query: 'dedicated Slack channel', limit: 1 });
      expect(passage).toMatchObject({
        sourceId: 'kb:uploads/enterprise-support.pdf#0',
        title: 'Enterprise support',
        source: 'uploads/enterprise-support.pdf',
      });
    });
  });

  describe('knowledge_search (hybrid)', () => {
    it('returns cited passages of the right pages, best first', async () => {
      const refund = await search(TENANT_A, { query: 'refund within 30 days' });
      expect(refund).toHaveLength(4);
      expect(refund[0].source).toBe('posthog/refunds.md');
      expect(refund[0].sourceId).toMatch(/^kb:posthog\/refunds\.md#\d+$/);
      const scores = refund.map((p) => p.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      // The citation id points at a stored chunk with that text.
      const [, documentId, index] = /^kb:(.+)#(\d+)$/.exec(refund[0].sourceId) ?? [];
      const [chunk] = await db.dataSource.query(
        `SELECT text, section FROM tool_runner.knowledge_chunks WHERE tenant_id = $1 AND document_id = $2 AND chunk_index = $3`,
        [TENANT_A, documentId, Number(index)],
      );
      expect(chunk).toEqual({ text: refund[0].text, section: refund[0].section });

      const baa = await search(TENANT_A, { query: 'Will you sign a BAA for HIPAA?', limit: 3 });
      expect(baa.map((p) => p.source)).toContain('posthog/hipaa-compliance.md');
      const pricing = await search(TENANT_A, {
        query: 'How much will PostHog cost? pricing estimate',
        limit: 5,
      });
      expect(pricing.map((p) => p.source)).toContain('posthog/common-questions.md');
    });
  });

  describe('faq_lookup', () => {
    const faq = async (tenantId: string, question: string) => {
      const outcome = await run(tenantId, 'faq_lookup', { question });
      if (outcome.status !== 'completed') throw new Error('faq_lookup failed');
      return outcome.result as { found: boolean; match?: Record<string, unknown>; passages: Passage[] };
    };

    it('stored the FAQ pairs of the FAQ-style pages at ingestion', async () => {
      const rows: { document_id: string }[] = await db.dataSource.query(
        `SELECT DISTINCT document_id FROM tool_runner.knowledge_faq WHERE tenant_id = $1 ORDER BY 1`,
        [TENANT_A],
      );
      expect(rows.map((r) => r.document_id)).toEqual(
        expect.arrayContaining(['posthog/common-questions.md', 'posthog/customer-faqs.md']),
      );
      expect(rows.map((r) => r.document_id)).not.toContain('posthog/refunds.md');
    });

    it('answers a curated question exactly, also when asked a little differently', async () => {
      const exact = await faq(TENANT_A, 'Can I set a billing limit?');
      expect(exact.found).toBe(true);
      expect(exact.match).toMatchObject({
        question: 'Can I set a billing limit?',
        source: 'posthog/common-questions.md',
        similarity: 1,
      });
      expect(exact.match?.answer).toMatch(/^Yes, you can set a billing limit/);
      expect(exact.match?.sourceId).toMatch(/^kb:posthog\/common-questions\.md#\d+$/);
      expect(exact.passages[0].sourceId).toBe(exact.match?.sourceId);

      const paraphrase = await faq(TENANT_A, 'can you increase my rate limit');
      expect(paraphrase.match).toMatchObject({ question: 'Can you increase my rate limits?' });
    });

    it('says found: false for a question no entry matches, and for another tenant', async () => {
      await expect(faq(TENANT_A, 'Do you integrate with Salesforce CPQ?')).resolves.toEqual({
        found: false,
        passages: [],
      });
      await expect(faq(TENANT_B, 'Can I set a billing limit?')).resolves.toEqual({
        found: false,
        passages: [],
      });
    });
  });

  describe('retrieval quality', () => {
    it(`keeps recall@5 of the labelled questions at or above ${RECALL_AT_5_FLOOR}`, async () => {
      const questions = await loadLabelledQuestions(QUESTIONS);
      expect(questions.length).toBeGreaterThanOrEqual(20);
      const report = await evaluateRecall((q, k) => kb.retriever.search(TENANT_A, q, k), questions, 5);
      expect(report.recall).toBeGreaterThanOrEqual(RECALL_AT_5_FLOOR);
    });
  });

  describe('tenant isolation', () => {
    const SECRET = 'Our confidential floor price for Globex is 17 dollars per seat, codename ZEBRAFISH.';
    beforeAll(async () => {
      await kb.ingestion.ingest(TENANT_A, {
        source: 'internal/pricing-floor.md',
        contentType: 'text/markdown',
        content: `# Pricing floor\n\n${SECRET}`,
      });
    });

    it("never returns tenant A's passage to tenant B, even for its exact text", async () => {
      const own = await search(TENANT_A, { query: SECRET, limit: 1 });
      expect(own[0]).toMatchObject({ sourceId: 'kb:internal/pricing-floor.md#0', text: SECRET });

      for (const query of [
        SECRET,
        'ZEBRAFISH codename',
        `tenant ${TENANT_A} kb:internal/pricing-floor.md#0`,
      ]) {
        const passages = await search(TENANT_B, { query, limit: 10 });
        expect(passages.map((p) => p.sourceId)).not.toContain('kb:internal/pricing-floor.md#0');
        expect(passages.some((p) => p.text.includes('ZEBRAFISH'))).toBe(false);
      }
    });

    it('refuses a tenant in the model’s arguments instead of using it', async () => {
      const outcome = await run(TENANT_B, 'knowledge_search', { query: SECRET, tenantId: TENANT_A });
      expect(outcome.status).toBe('failed');
      expect(outcome.status === 'failed' && outcome.error.code).toBe('invalid_arguments');
      const faqOutcome = await run(TENANT_B, 'faq_lookup', {
        question: 'Can I set a billing limit?',
        tenantId: TENANT_A,
      });
      expect(faqOutcome.status === 'failed' && faqOutcome.error.code).toBe('invalid_arguments');
    });

    it("lets a sync by tenant B remove only tenant B's documents", async () => {
      const before = await chunksOf(TENANT_A);
      const summary = await kb.ingestion.ingestFiles(TENANT_B, {
        paths: [join(KB_DIR, 'posthog', 'refunds.md')],
        sync: true,
      });
      expect(summary.removed).toBe(1); // B's own PDF, no longer among its paths
      expect(await chunksOf(TENANT_A)).toBe(before);
    });
  });

  describe('internal HTTP API', () => {
    const TENANT_C = 'tenant-kb-c';
    let app: INestApplication;
    let base: string;
    beforeAll(async () => {
      @Module({
        controllers: [KnowledgeDocumentsController],
        providers: [{ provide: KnowledgeIngestion, useValue: kb.ingestion }],
      })
      class ApiModule {}
      app = await NestFactory.create(ApiModule, { logger: ['error'] });
      configureToolRunnerApp(app);
      await app.listen(0, '127.0.0.1');
      base = `${await app.getUrl()}/internal/v1/tenants/${TENANT_C}/knowledge/documents`;
    });
    afterAll(async () => {
      await app.close();
    });
    const post = (body: unknown) =>
      fetch(base, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    it('ingests (201), finds an unchanged re-post (200), and deletes by an id with a slash (204, then 404)', async () => {
      const doc = {
        title: 'Onboarding',
        source: 'https://example.test/docs/onboarding',
        contentType: 'text/markdown',
        content: '## Kickoff\n\nA kickoff call in the first week.',
      };
      const created = await post(doc);
      expect(created.status).toBe(201);
      await expect(created.json()).resolves.toEqual({
        documentId: 'example.test/docs/onboarding',
        status: 'added',
        chunks: 1,
        faqs: 0,
      });
      const again = await post(doc);
      expect(again.status).toBe(200);
      await expect(again.json()).resolves.toMatchObject({ status: 'unchanged' });
      expect((await kb.retriever.search(TENANT_C, 'kickoff call', 1))[0]?.sourceId).toBe(
        'kb:example.test/docs/onboarding#0',
      );

      const url = `${base}/${encodeURIComponent('example.test/docs/onboarding')}`;
      expect((await fetch(url, { method: 'DELETE' })).status).toBe(204);
      expect((await fetch(url, { method: 'DELETE' })).status).toBe(404);
      expect(await chunksOf(TENANT_C)).toBe(0);
    });

    it('takes a base64 PDF, and answers 400 for an invalid body and 422 for unreadable content', async () => {
      const pdf = await post({
        documentId: 'uploads/security-whitepaper',
        title: 'Security whitepaper',
        source: 'uploads/security-whitepaper.pdf',
        contentType: 'application/pdf',
        content: minimalPdf(['All data is encrypted at rest with AES-256.']).toString('base64'),
      });
      expect(pdf.status).toBe(201);
      expect(await chunksOf(TENANT_C, 'uploads/security-whitepaper')).toBe(1);

      const invalid = await post({
        title: 'x',
        source: 'y',
        contentType: 'image/png',
        content: 'z',
        tenantId: 'a',
      });
      expect(invalid.status).toBe(400);
      expect(((await invalid.json()) as { detail: string }).detail).toMatch(/contentType/);
      const unreadable = await post({
        title: 'Broken',
        source: 'broken.pdf',
        contentType: 'application/pdf',
        content: Buffer.from('not a pdf').toString('base64'),
      });
      expect(unreadable.status).toBe(422);
    });
  });
});
