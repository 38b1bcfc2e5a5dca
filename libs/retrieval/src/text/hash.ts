/**
 * FNV-1a, 32 bits, over the UTF-8 bytes of a string: stable across processes, platforms and versions (unlike
 * a language's built-in hashing), which matters because hashed indices are stored with the vectors.
 */
export function fnv1a32(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}
