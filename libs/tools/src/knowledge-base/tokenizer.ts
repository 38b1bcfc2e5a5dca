/**
 * A small English tokenizer for keyword search: lowercase, split on anything that is not a letter or a
 * digit, drop stopwords, and strip the common inflection suffixes ("stemming-lite") so that "pricing",
 * "prices" and "priced" meet on "pric". Queries and documents go through the same function.
 */
const STOPWORDS = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below ' +
    'between both but by can could did do does doing down during each few for from further had has have ' +
    'having he her here hers herself him himself his how i if in into is it its itself just me more most my ' +
    'myself no nor not now of off on once only or other our ours ourselves out over own same she should so ' +
    'some such than that the their theirs them themselves then there these they this those through to too ' +
    'under until up very was we were what when where which while who whom why will with would you your ' +
    'yours yourself yourselves also may might must shall us let lets get got ' +
    "i'm you're we're it's don't doesn't isn't can't won't"
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

/** Reduces a lowercase word to a rough stem. Deliberately crude: consistent is what matters for BM25. */
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

export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const raw of text.toLowerCase().split(/[^\p{L}\p{N}']+/u)) {
    const word = raw.replace(/^'+|'+$/g, '');
    if (!word || STOPWORDS.has(word)) continue;
    const clean = word.replace(/'s$/, '').replace(/'/g, '');
    if (!clean || STOPWORDS.has(clean) || (clean.length === 1 && !/\d/.test(clean))) continue;
    tokens.push(stem(clean));
  }
  return tokens;
}
