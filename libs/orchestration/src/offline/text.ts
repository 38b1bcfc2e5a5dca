/** Small text helpers for the offline rule engine: no NLP library, predictable and fast. */

const STOPWORDS = new Set(
  `a an the and or but if then else of to in on at by for with from into onto about as is are was were be been
  being am do does did doing have has had having i me my mine we us our ours you your yours he him his she her
  it its they them their theirs this that these those there here what which who whom whose when where why how
  can could would should will shall may might must not no nor so too very just also than such only own same
  any all each every both few more most other some up down out over under again further once s t don
  let get got make made want need like know think use used using work hi hello hey thanks thank please yes ok okay just really`
    .split(/\s+/)
    .filter(Boolean),
);

/** Removes Markdown/MDX/HTML syntax and keeps the words: links keep their label. */
export function stripMarkup(text: string): string {
  return text
    .replace(/^---[\s\S]*?---\s*/, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/`{1,3}/g, '')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '')
    .replace(/^\s*>\s?/gm, '')
    .replace(/(^|\s)_([^_\n]+)_(?=[\s.,!?]|$)/g, '$1$2')
    .replace(/^\s*(?:[-*+]|\d+\.)\s+/gm, '')
    .replace(/\*\*|__|~~/g, '')
    .replace(/\|/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

/** Sentences of a text: split at end punctuation followed by a space, and at line breaks. */
export function sentences(text: string): string[] {
  return text
    .split(/\n+/)
    .flatMap((line) => line.split(/(?<=[.!?])\s+(?=["'(]?[A-Z0-9$€£])/))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Crude stemming, enough to match "plans"/"plan", "billing"/"billed"/"bill". */
export function stem(word: string): string {
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** Content words (lowercase, stemmed, stopwords removed) of a text. */
export function contentWords(text: string): string[] {
  const words = text.toLowerCase().match(/[a-z0-9][a-z0-9'’-]*/g) ?? [];
  return words
    .map((w) => w.replace(/['’].*$/, ''))
    .filter((w) => w.length > 1 && !STOPWORDS.has(w))
    .map(stem);
}

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
