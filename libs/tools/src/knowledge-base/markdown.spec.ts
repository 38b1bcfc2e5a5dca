import { chunkMarkdown, cleanInline, parseMarkdownDocument } from './markdown';

describe('parseMarkdownDocument', () => {
  it('reads the front matter and takes the title from it', () => {
    const doc = parseMarkdownDocument('---\ntitle: "Refunds"\nsidebar: Handbook\n---\n\n# Other\nBody', 'x');
    expect(doc.title).toBe('Refunds');
    expect(doc.frontMatter).toEqual({ title: 'Refunds', sidebar: 'Handbook' });
    expect(doc.body).toBe('\n# Other\nBody');
  });

  it('falls back to the first H1, then to the file name', () => {
    expect(parseMarkdownDocument('# Pricing **plans**\ntext', 'file').title).toBe('Pricing plans');
    expect(parseMarkdownDocument('no heading here', 'file-name').title).toBe('file-name');
  });
});

describe('cleanInline', () => {
  it('keeps link text, names of MDX components and the cells of HTML tables', () => {
    expect(cleanInline('ask <TeamMember name="Dana Zou" photo /> about [pricing](/pricing)')).toBe(
      'ask Dana Zou about pricing',
    );
    expect(cleanInline('<table><tr><td>1 year</td><td>20%</td></tr></table>').trim()).toBe('1 year | 20% |');
  });
});

describe('chunkMarkdown', () => {
  it('splits by headings and keeps the heading path as the section', () => {
    const chunks = chunkMarkdown(
      'Intro text.\n\n## Discounts\n\nWe offer 20%.\n\n### Multi-year\n\nAnother 5%.\n\n## Refunds\n\nWithin 30 days.',
    );
    expect(chunks.map((c) => [c.section, c.text])).toEqual([
      ['', 'Intro text.'],
      ['Discounts', 'We offer 20%.'],
      ['Discounts › Multi-year', 'Another 5%.'],
      ['Refunds', 'Within 30 days.'],
    ]);
  });

  it('ignores # lines inside fenced code and skips sections without text', () => {
    const chunks = chunkMarkdown('## Empty\n\n## Code\n\n```sh\n# not a heading\necho hi\n```');
    expect(chunks).toHaveLength(1);
    expect(chunks[0].section).toBe('Code');
    expect(chunks[0].text).toContain('# not a heading');
  });

  it('cuts long sections into chunks of bounded size that overlap', () => {
    const sentences = Array.from({ length: 60 }, (_, i) => `Sentence number ${i} talks about billing.`);
    const body = `## Long\n\n${sentences.slice(0, 30).join(' ')}\n\n${sentences.slice(30).join(' ')}`;
    const chunks = chunkMarkdown(body, { maxChars: 400, overlapChars: 80 });
    expect(chunks.length).toBeGreaterThan(4);
    for (const chunk of chunks) {
      expect(chunk.section).toBe('Long');
      expect(chunk.text.length).toBeLessThanOrEqual(400 + 2);
    }
    // Every sentence is found whole in some chunk, and consecutive chunks share text.
    for (const s of sentences) expect(chunks.some((c) => c.text.includes(s))).toBe(true);
    for (let i = 1; i < chunks.length; i++) {
      const head = chunks[i].text.slice(0, 30);
      expect(chunks[i - 1].text).toContain(head);
    }
  });
});
