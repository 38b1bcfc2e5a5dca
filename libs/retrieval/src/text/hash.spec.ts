import { fnv1a32 } from './hash';

describe('fnv1a32', () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes UTF-8 bytes, not UTF-16 code units', () => {
    // "é" is the two bytes C3 A9 in UTF-8: the reference FNV-1a over those bytes.
    let reference = 0x811c9dc5;
    for (const byte of [0xc3, 0xa9]) reference = Math.imul(reference ^ byte, 0x01000193) >>> 0;
    expect(fnv1a32('é')).toBe(reference);
  });
});
