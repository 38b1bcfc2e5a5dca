import { StreamingJsonField } from './streaming-json-field';

const feed = (json: string, size: number) => {
  const field = new StreamingJsonField(['reply', 'text']);
  const values: string[] = [];
  let complete = false;
  for (let i = 0; i < json.length; i += size) {
    const r = field.push(json.slice(i, i + size));
    if (r) {
      values.push(r.value);
      complete = r.complete;
    }
  }
  return { values, complete };
};

describe('StreamingJsonField', () => {
  const text = 'Hi "Ana"\n\tcafé \u00e9 😀 \\ / done';
  const json = JSON.stringify({
    reply: { text, citations: [{ sourceId: 'x', text: 'not this' }] },
    other: 'z',
  });

  it.each([1, 2, 3, 7, 1000])('decodes the growing string, only ever appending (pieces of %i)', (size) => {
    const { values, complete } = feed(json, size);
    expect(values.at(-1)).toBe(text);
    expect(complete).toBe(true);
    for (let i = 1; i < values.length; i++) expect(values[i].startsWith(values[i - 1])).toBe(true);
  });

  it('handles \\u escapes, surrogate pairs and keys with escapes', () => {
    const escaped = '{"re\\u0070ly":{"text":"\\u00e9\\ud83d\\ude00!"}}';
    expect(feed(escaped, 1).values.at(-1)).toBe('é😀!');
    // Never half a surrogate pair.
    expect(feed(escaped, 1).values.every((v) => !/[\ud800-\udbff]$/.test(v))).toBe(true);
  });

  it('ignores the same key elsewhere and values before it', () => {
    const other = JSON.stringify({
      analysis: { text: 'no', n: [1, { reply: { text: 'nested' } }] },
      reply: { citations: [], text: 'yes' },
    });
    expect(feed(other, 4).values.at(-1)).toBe('yes');
  });

  it('returns nothing while the field has not started', () => {
    expect(feed('{"reply":{"te', 3).values).toEqual([]);
    expect(feed('{"analysis":{}}', 3).values).toEqual([]);
  });
});
