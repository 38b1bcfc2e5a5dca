import { randomUUID } from 'node:crypto';
import { chunkId } from '../chunk';
import { LocalHashEmbeddingProvider } from '../embeddings/local-hash-embedding-provider';
import type { ChunkPayload, HybridQuery, SearchHit, StoredChunk, VectorStore } from '../ports';
import { Bm25SparseEncoder } from '../sparse/bm25-sparse-encoder';

/** A store to test, and how to release what it holds (drop a database, delete a collection). */
export interface VectorStoreUnderTest {
  readonly store: VectorStore;
  /** A second store on the same data, e.g. another process: used to check ensureCollection's size check. */
  readonly reopen: () => VectorStore;
  readonly close: () => Promise<void>;
}

export const CONTRACT_DIMENSIONS = 128;

const embedder = new LocalHashEmbeddingProvider({ dimensions: CONTRACT_DIMENSIONS });
const encoder = new Bm25SparseEncoder();

/** The demo corpus: one document per topic, some with two chunks. */
const CORPUS: readonly {
  documentId: string;
  title: string;
  chunks: readonly [section: string, text: string][];
}[] = [
  {
    documentId: 'pricing',
    title: 'Pricing and plans',
    chunks: [
      [
        'Plans',
        'The Enterprise plan costs 45 EUR per seat per month, billed annually, with volume discounts above 100 seats.',
      ],
      [
        'Discounts',
        'Non-profits get 30 percent off any plan. Multi-year contracts lock the price for three years.',
      ],
    ],
  },
  {
    documentId: 'security',
    title: 'Security overview',
    chunks: [
      [
        'Certifications',
        'Customer data is encrypted at rest with AES-256 and in transit with TLS 1.3. SOC 2 Type II and ISO 27001 certified.',
      ],
    ],
  },
  {
    documentId: 'onboarding',
    title: 'Onboarding guide',
    chunks: [
      [
        'Timeline',
        'A customer success manager runs a two-week onboarding with admin training and a data import.',
      ],
    ],
  },
  {
    documentId: 'integrations',
    title: 'Integrations',
    chunks: [
      [
        'CRM',
        'Native connectors for Salesforce, HubSpot and Slack, plus a REST API with webhooks for everything else.',
      ],
    ],
  },
];

function chunk(
  tenantId: string,
  documentId: string,
  chunkIndex: number,
  title: string,
  section: string,
  text: string,
): StoredChunk {
  const payload: ChunkPayload = {
    tenantId,
    documentId,
    chunkIndex,
    title,
    section,
    source: `kb/${documentId}.md`,
    checksum: `sha256:${documentId}-${chunkIndex}-${text.length}`,
    text,
  };
  return {
    id: chunkId(tenantId, documentId, chunkIndex),
    dense: embedder.embedOne(`${title}\n${section}\n${text}`),
    sparse: encoder.encode(`${title} ${section} ${text}`, 'document'),
    payload,
  };
}

function corpusFor(tenantId: string): StoredChunk[] {
  return CORPUS.flatMap((doc) =>
    doc.chunks.map(([section, text], index) =>
      chunk(tenantId, doc.documentId, index, doc.title, section, text),
    ),
  );
}

function queryFor(tenantId: string, text: string, extra: Partial<HybridQuery> = {}): HybridQuery {
  return {
    tenantId,
    dense: embedder.embedOne(text),
    sparse: encoder.encode(text, 'query'),
    limit: 5,
    ...extra,
  };
}

const newTenant = () => `tenant-${randomUUID()}`;
const documentsOf = (hits: readonly SearchHit[]) => hits.map((h) => h.payload.documentId);

/**
 * The behaviour every VectorStore must have, whatever is behind it. Each case uses its own tenants, so the
 * suite can share one collection (or table) and run against a store that already holds data.
 */
export function describeVectorStoreContract(name: string, open: () => Promise<VectorStoreUnderTest>): void {
  describe(`VectorStore contract: ${name}`, () => {
    let subject: VectorStoreUnderTest;
    let store: VectorStore;

    beforeAll(async () => {
      subject = await open();
      store = subject.store;
      await store.ensureCollection(CONTRACT_DIMENSIONS);
    });
    afterAll(async () => {
      await subject?.close();
    });

    it('ensureCollection is idempotent, and refuses another vector size once vectors are stored', async () => {
      await store.ensureCollection(CONTRACT_DIMENSIONS);
      await subject.reopen().ensureCollection(CONTRACT_DIMENSIONS);
      const tenant = newTenant();
      await store.upsert(corpusFor(tenant));
      await expect(subject.reopen().ensureCollection(CONTRACT_DIMENSIONS + 16)).rejects.toThrow(/dimensions/);
      // Still usable at the right size.
      const hits = await store.search(queryFor(tenant, 'SOC 2 certification'));
      expect(documentsOf(hits)[0]).toBe('security');
    });

    it('returns the relevant chunk first, with its full payload and fused scores best first', async () => {
      const tenant = newTenant();
      await store.upsert(corpusFor(tenant));
      const expectations: [question: string, documentId: string][] = [
        ['How much does a seat on the Enterprise plan cost?', 'pricing'],
        ['Is our data encrypted? Are you SOC 2 certified?', 'security'],
        ['How long does onboarding take?', 'onboarding'],
        ['Do you integrate with HubSpot?', 'integrations'],
      ];
      for (const [question, documentId] of expectations) {
        const hits = await store.search(queryFor(tenant, question));
        expect({ question, top: hits[0]?.payload.documentId }).toEqual({ question, top: documentId });
      }
      const hits = await store.search(queryFor(tenant, 'Enterprise plan seat price', { limit: 3 }));
      expect(hits).toHaveLength(3);
      expect(hits[0].id).toBe(chunkId(tenant, 'pricing', 0));
      expect(hits[0].payload).toEqual(corpusFor(tenant)[0].payload);
      expect(hits[0].score).toBeGreaterThan(0);
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1].score).toBeGreaterThanOrEqual(hits[i].score);
    });

    it('fuses both rankings: a chunk found only by keywords and one found only by the dense vector both come back', async () => {
      const tenant = newTenant();
      await store.upsert(corpusFor(tenant));
      // Dense vector of a security question, keywords of an onboarding question.
      const hits = await store.search({
        tenantId: tenant,
        dense: embedder.embedOne('Customer data encrypted at rest with AES-256, SOC 2 Type II'),
        sparse: encoder.encode('two-week onboarding admin training', 'query'),
        limit: 2,
      });
      expect(documentsOf(hits).sort()).toEqual(['onboarding', 'security']);
    });

    it("never returns another tenant's chunk, even for that chunk's exact vectors", async () => {
      const tenantA = newTenant();
      const tenantB = newTenant();
      const secret = chunk(
        tenantA,
        'acme-deal',
        0,
        'Acme deal notes',
        'Negotiation',
        'Acme accepted a 62 percent discount on the Enterprise plan.',
      );
      await store.upsert([secret]);
      await store.upsert([
        chunk(tenantB, 'handbook', 0, 'Handbook', 'Holidays', 'Our office is closed on public holidays.'),
      ]);

      const asB = await store.search({
        tenantId: tenantB,
        dense: secret.dense,
        sparse: encoder.encode(secret.payload.text, 'query'),
        limit: 10,
      });
      expect(asB.map((h) => h.payload.tenantId)).toEqual([tenantB]);
      expect(asB.map((h) => h.id)).not.toContain(secret.id);
      const asB2 = await store.search({ ...queryFor(tenantB, 'Acme discount'), documentIds: ['acme-deal'] });
      expect(asB2).toEqual([]);
      expect(await store.search(queryFor(newTenant(), 'Acme discount'))).toEqual([]);
      const asA = await store.search(queryFor(tenantA, 'Acme discount'));
      expect(asA.map((h) => h.id)).toEqual([secret.id]);
    });

    it('deleteDocument removes that document of that tenant only', async () => {
      const tenantA = newTenant();
      const tenantB = newTenant();
      await store.upsert(corpusFor(tenantA));
      await store.upsert(corpusFor(tenantB));
      await store.deleteDocument(tenantA, 'pricing');

      const everything = { limit: 20 };
      const left = await store.search(queryFor(tenantA, 'Enterprise plan seat price discounts', everything));
      expect(documentsOf(left)).not.toContain('pricing');
      expect(new Set(documentsOf(left))).toEqual(new Set(['security', 'onboarding', 'integrations']));
      const other = await store.search(queryFor(tenantB, 'Enterprise plan seat price discounts', everything));
      expect(documentsOf(other).filter((d) => d === 'pricing')).toHaveLength(2);
      // Deleting what is not there is not an error.
      await store.deleteDocument(tenantA, 'pricing');
      await store.deleteDocument(tenantA, 'never-ingested');
    });

    it('re-upserting the same ids replaces the chunks (no duplicates)', async () => {
      const tenant = newTenant();
      await store.upsert(corpusFor(tenant));
      const revised = [
        chunk(
          tenant,
          'pricing',
          0,
          'Pricing and plans',
          'Plans',
          'The Enterprise plan now costs 49 EUR per seat per month.',
        ),
        chunk(
          tenant,
          'pricing',
          1,
          'Pricing and plans',
          'Discounts',
          'Non-profits get 40 percent off any plan.',
        ),
      ];
      await store.upsert(revised);
      await store.upsert(revised);
      const hits = await store.search(
        queryFor(tenant, 'Enterprise plan seat price non-profits', { limit: 20, documentIds: ['pricing'] }),
      );
      expect(hits.map((h) => h.id).sort()).toEqual(revised.map((c) => c.id).sort());
      expect(hits.map((h) => h.payload.text).sort()).toEqual(revised.map((c) => c.payload.text).sort());
    });

    it('narrows to the given documentIds (and to nothing for an empty list)', async () => {
      const tenant = newTenant();
      await store.upsert(corpusFor(tenant));
      const question = 'How much does a seat on the Enterprise plan cost?';
      const narrowed = await store.search(
        queryFor(tenant, question, { documentIds: ['security', 'onboarding'], limit: 10 }),
      );
      expect(narrowed.length).toBeGreaterThan(0);
      expect(new Set(documentsOf(narrowed))).toEqual(new Set(['security', 'onboarding']));
      expect(await store.search(queryFor(tenant, question, { documentIds: [] }))).toEqual([]);
    });

    it('requires a tenant on every operation', async () => {
      await expect(store.search(queryFor('', 'anything'))).rejects.toThrow(/tenant/);
      await expect(store.deleteDocument(' ', 'pricing')).rejects.toThrow(/tenant/);
    });
  });
}
