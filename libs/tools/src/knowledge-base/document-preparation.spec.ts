import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { prepareDocument } from './document-preparation';
import { defaultKnowledgeBaseDir } from './knowledge-base-dir';

describe('prepareDocument', () => {
  it('chunks by headings with overlap, numbering chunks in order', async () => {
    const long = Array.from({ length: 40 }, (_, i) => `Sentence ${i} is about invoices and billing.`).join(
      ' ',
    );
    const doc = await prepareDocument(
      {
        source: 'guides/billing.md',
        contentType: 'text/markdown',
        content: `# Billing\n\nIntro.\n\n## Invoices\n\n${long}\n\n## Refunds\n\nWithin 30 days.`,
      },
      { maxChars: 300, overlapChars: 60 },
    );
    expect(doc.documentId).toBe('guides/billing.md');
    expect(doc.chunks.map((c) => c.chunkIndex)).toEqual(doc.chunks.map((_, i) => i));
    const invoices = doc.chunks.filter((c) => c.section === 'Billing › Invoices');
    expect(invoices.length).toBeGreaterThan(3);
    // Consecutive chunks of a section overlap.
    for (let i = 1; i < invoices.length; i++)
      expect(invoices[i - 1].text).toContain(invoices[i].text.slice(0, 20));
    expect(doc.chunks[doc.chunks.length - 1]).toMatchObject({
      section: 'Billing › Refunds',
      text: 'Within 30 days.',
    });
  });

  it('extracts FAQ pairs from question headings and points each at the first chunk of its section', async () => {
    const doc = await prepareDocument({
      source: 'faq.md',
      contentType: 'text/markdown',
      content:
        '# FAQ\n\n## Pricing\n\nUsage based.\n\n### Can I have a trial?\n\nNo trial needed: it is free.\n\n' +
        '### Is there an SLA?\n\n### What about SOC 2?\n\nWe have a SOC 2 Type II report.',
    });
    expect(doc.faqs).toEqual([
      {
        question: 'Can I have a trial?',
        answer: 'No trial needed: it is free.',
        section: 'FAQ › Pricing › Can I have a trial?',
        chunkIndex: 1,
      },
      {
        question: 'What about SOC 2?',
        answer: 'We have a SOC 2 Type II report.',
        section: 'FAQ › Pricing › What about SOC 2?',
        chunkIndex: 2,
      },
    ]);
    expect(doc.chunks[1].text).toBe('No trial needed: it is free.');
  });

  it('finds the FAQ pairs of the real common-questions and customer-faqs pages, and none in a policy page', async () => {
    const read = async (name: string) =>
      prepareDocument({
        source: `posthog/${name}`,
        contentType: 'text/markdown',
        content: await readFile(join(defaultKnowledgeBaseDir(), 'posthog', name), 'utf8'),
      });
    const common = await read('common-questions.md');
    expect(common.faqs.map((f) => f.question)).toContain('Can I set a billing limit?');
    expect(common.faqs.find((f) => f.question === 'Can I have a trial?')?.answer).toMatch(/no trial needed/);
    expect((await read('customer-faqs.md')).faqs.map((f) => f.question)).toContain(
      'Can you increase my rate limits?',
    );
    expect((await read('refunds.md')).faqs).toEqual([]);
  });
});
