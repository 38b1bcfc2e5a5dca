/**
 * Text normalisation shared by the local embedding and the sparse (BM25) encoder, so documents and queries
 * always meet on the same tokens: Unicode NFKD with diacritics stripped, lowercase, split on anything that is
 * not a letter or a digit, English stopwords dropped, common inflection suffixes stripped ("pricing",
 * "prices" and "priced" meet on "pric").
 */
const STOPWORDS = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below ' +
    'between both but by can could did do does doing down during each few for from further had has have ' +
    'having he her here hers herself him himself his how i if in into is it its itself just me more most my ' +
    'myself no nor not now of off on once only or other our ours ourselves out over own same she should so ' +
    'some such than that the their theirs them themselves then there these they this those through to too ' +
    'under until up very was we were what when where which while who whom why will with would you your ' +
    'yours yourself yourselves also may might must shall us let get got s t'
  ).split(/\s+/),
);

const SUFFIXES: readonly [suffix: string, replacement: string, minStem: number][] = [
  ['ies', 'y', 2],
  ['ing', '', 3],
  ['edly', '', 3],
  ['ed', '', 3],
  ['es', '', 3],
  ['ly', '', 4],
  ['s', '', 3],
];

/** Lowercase, NFKD, diacritics removed: "Café" and "cafe" are the same word. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/** A rough stem. Deliberately crude: being consistent between documents and queries is what matters. */
export function stem(word: string): string {
  if (word.length <= 3 || /^\d/.test(word)) return word;
  let out = word;
  for (const [suffix, replacement, minStem] of SUFFIXES) {
    if (out.endsWith(suffix) && out.length - suffix.length >= minStem && !out.endsWith('ss')) {
      out = out.slice(0, -suffix.length) + replacement;
      break;
    }
  }
  if (out.length > 4 && out.endsWith('e')) out = out.slice(0, -1);
  return out;
}

/** The normalised words of a text, stopwords included. */
export function words(text: string): string[] {
  return normalizeText(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

export function isStopword(word: string): boolean {
  return STOPWORDS.has(word);
}

/** Content terms: normalised, stopwords dropped, stemmed. Used for keyword matching. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const word of words(text)) {
    if (!STOPWORDS.has(word)) out.push(stem(word));
  }
  return out;
}
