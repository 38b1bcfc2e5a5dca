import {
  contentTypeOfPath,
  DocumentFormatError,
  fallbackTitle,
  parseKnowledgeDocument,
  type RawDocument,
} from './document-parser';
import { chunkMarkdown } from './markdown';
import { minimalPdf } from './testing/minimal-pdf';

const parse = (raw: Partial<RawDocument> & Pick<RawDocument, 'contentType' | 'content'>) =>
  parseKnowledgeDocument({ source: 'docs/page', ...raw });

describe('parseKnowledgeDocument', () => {
  it('reads Markdown: title from the front matter, headings kept for the chunker', async () => {
    const doc = await parse({
      contentType: 'text/markdown',
      content: '---\ntitle: Refunds\n---\n\n## Eligibility\n\nWithin 30 days.\n',
    });
    expect(doc.title).toBe('Refunds');
    expect(doc.body).toBe('## Eligibility\n\nWithin 30 days.');
  });

  it('reads HTML: <title>, headings as # lines (not upper-cased), link text without URLs, no scripts', async () => {
    const doc = await parse({
      contentType: 'text/html',
      content: `<html><head><title>Billing &amp; plans</title><script>var x = 1;</script></head>
        <body><nav>Home | Docs</nav><h1>Billing</h1><p>Pay <a href="https://x.test/p">per event</a>.</p>
        <h2>Annual plans</h2><p>Save 20% with an annual plan.</p><ul><li>one</li><li>two</li></ul></body></html>`,
    });
    expect(doc.title).toBe('Billing & plans');
    expect(doc.body).toContain('# Billing');
    expect(doc.body).toContain('## Annual plans');
    expect(doc.body).toContain('Pay per event.');
    expect(doc.body).not.toMatch(/x\.test|var x|Home \| Docs|BILLING/);
    const chunks = chunkMarkdown(doc.body);
    expect(chunks.find((c) => c.text.includes('Save 20%'))?.section).toBe('Billing › Annual plans');
  });

  it('falls back to the first <h1> when the page has no <title>', async () => {
    const doc = await parse({
      contentType: 'text/html',
      content: '<h1>Security <em>and</em> SOC 2</h1><p>x</p>',
    });
    expect(doc.title).toBe('Security and SOC 2');
  });

  it('reads plain text: a short first line is the title, and # starts no heading', async () => {
    const doc = await parse({
      contentType: 'text/plain',
      content: 'Data retention\r\n\r\n# 7 years of events\r\nKept.',
    });
    expect(doc.title).toBe('Data retention');
    const chunks = chunkMarkdown(doc.body);
    expect(chunks).toHaveLength(1);
    expect(chunks[0].section).toBe('');
    expect(chunks[0].text).toContain('7 years of events');
  });

  it('reads a PDF (bytes or base64): its text and its Title metadata', async () => {
    const pdf = minimalPdf(
      ['Refunds are possible within 30 days.', 'Ask billing (support) for one.'],
      'Refund policy',
    );
    const fromBytes = await parse({ contentType: 'application/pdf', content: pdf });
    expect(fromBytes.title).toBe('Refund policy');
    expect(fromBytes.body).toContain('Refunds are possible within 30 days.');
    expect(fromBytes.body).toContain('Ask billing (support) for one.');
    const fromBase64 = await parse({ contentType: 'application/pdf', content: pdf.toString('base64') });
    expect(fromBase64.checksum).toBe(fromBytes.checksum);
  });

  it('refuses bytes that are not a PDF with a DocumentFormatError', async () => {
    await expect(
      parse({ contentType: 'application/pdf', content: Buffer.from('not a pdf at all') }),
    ).rejects.toBeInstanceOf(DocumentFormatError);
  });

  it('uses the title given by the caller, else the file name', async () => {
    expect((await parse({ contentType: 'text/plain', content: 'A sentence.', title: 'Given' })).title).toBe(
      'Given',
    );
    expect(
      (await parse({ source: 'kb/notes.txt', contentType: 'text/plain', content: 'A sentence.' })).title,
    ).toBe('notes');
  });
});

describe('document checksum', () => {
  const md = (content: string) => parse({ contentType: 'text/markdown', content });

  it('ignores line endings, trailing spaces, a BOM and extra blank lines', async () => {
    const a = await md('# T\n\nBody line.\n\nNext.\n');
    const b = await md('\uFEFF# T  \r\n\r\n\r\n\r\nBody line.   \r\n\r\nNext.');
    expect(b.checksum).toBe(a.checksum);
    expect(a.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with the text and with the title', async () => {
    const a = await md('# T\n\nRefunds within 30 days.');
    expect((await md('# T\n\nRefunds within 60 days.')).checksum).not.toBe(a.checksum);
    expect(
      (await parse({ contentType: 'text/markdown', content: '# T\n\nRefunds within 30 days.', title: 'X' }))
        .checksum,
    ).not.toBe(a.checksum);
  });
});

describe('contentTypeOfPath / fallbackTitle', () => {
  it('maps extensions to the four formats and ignores the rest', () => {
    expect(
      ['a.md', 'b.MDX', 'c.html', 'd.htm', 'e.txt', 'f.pdf', 'g.png', 'h'].map(contentTypeOfPath),
    ).toEqual([
      'text/markdown',
      'text/markdown',
      'text/html',
      'text/html',
      'text/plain',
      'application/pdf',
      undefined,
      undefined,
    ]);
  });

  it('names a document after its last path segment', () => {
    expect(fallbackTitle('https://posthog.com/docs/billing/?x=1#top')).toBe('billing');
    expect(fallbackTitle('posthog/refunds.md')).toBe('refunds');
  });
});
