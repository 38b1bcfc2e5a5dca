import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultKnowledgeBaseDir, KnowledgeBase } from './knowledge-base';

const REPO_ROOT = resolve(__dirname, '../../../..');

describe('KnowledgeBase over the real corpus (data/kb)', () => {
  let kb: KnowledgeBase;
  beforeAll(async () => {
    kb = await KnowledgeBase.load(defaultKnowledgeBaseDir());
  });

  it('loads every page and none of the corpus metadata files', () => {
    expect(kb.documentCount).toBe(25);
    const sources = new Set(kb.chunks.map((c) => c.source));
    expect(sources.has('posthog/billing.md')).toBe(true);
    expect(sources.has('posthog/SOURCE.md')).toBe(false);
    expect(kb.chunks.find((c) => c.source === 'posthog/refunds.md')?.title).toBe('Refunds');
  });

  it('gives chunks deterministic, unique ids', async () => {
    const again = await KnowledgeBase.load(defaultKnowledgeBaseDir());
    expect(again.chunks.map((c) => c.id)).toEqual(kb.chunks.map((c) => c.id));
    expect(new Set(kb.chunks.map((c) => c.id)).size).toBe(kb.chunks.length);
    expect(kb.chunks[0].id).toMatch(/^kb:posthog\/[a-z-]+\.md#0$/);
  });

  it('answers a pricing question with the billing and pricing pages', () => {
    const sources = kb.search('How much does it cost? What is your pricing?', 4).map((p) => p.source);
    expect(sources[0]).toBe('posthog/common-questions.md');
    const discounts = kb.search('Do you offer discounts on annual prepaid plans?', 3);
    expect(discounts.map((p) => p.source)).toContain('posthog/contract-rules.md');
  });

  it('finds the page holding a specific policy fact', () => {
    const refund = kb.search('Can I get a refund?', 3);
    expect(refund[0].source).toBe('posthog/refunds.md');
    const sla = kb.search('Is there an uptime SLA?', 1)[0];
    expect(sla.source).toBe('posthog/contract-rules.md');
    expect(sla.section).toBe('Uptime SLA');
    expect(sla.text).toMatch(/\$100k/);
    expect(kb.search('Will you sign a BAA for HIPAA?', 1)[0].source).toBe('posthog/hipaa-compliance.md');
  });

  it('returns passages best first, within the limit, and nothing for unknown words', () => {
    const passages = kb.search('billing limits and alerts', 5);
    expect(passages).toHaveLength(5);
    const scores = passages.map((p) => p.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(kb.search('zyxwvut qqqq', 5)).toEqual([]);
  });

  it('keeps every chunk near the target size', () => {
    expect(Math.max(...kb.chunks.map((c) => c.text.length))).toBeLessThanOrEqual(820);
  });
});

describe('defaultKnowledgeBaseDir', () => {
  it('finds <repo>/data/kb from the sources', () => {
    expect(defaultKnowledgeBaseDir()).toBe(join(REPO_ROOT, 'data', 'kb'));
  });

  it('finds it from a compiled dist/ tree too', () => {
    const root = mkdtempSync(join(tmpdir(), 'kb-root-'));
    writeFileSync(join(root, 'package.json'), '{}');
    const compiled = join(root, 'dist', 'libs', 'tools', 'src', 'knowledge-base');
    mkdirSync(compiled, { recursive: true });
    expect(defaultKnowledgeBaseDir(compiled)).toBe(join(root, 'data', 'kb'));
  });

  it('fails clearly when the directory does not exist', async () => {
    await expect(KnowledgeBase.load('/nonexistent/kb')).rejects.toThrow(/KNOWLEDGE_BASE_DIR/);
  });
});
