/**
 * Claims of a reply and the words they rest on. Deliberately simple and deterministic: a claim is a
 * sentence that states something; its content words must be found in one grounding source.
 */

const STOPWORDS = new Set(
  `a an the and or but if then else of to in on at by for with from into onto about as is are was were be been
  being am do does did doing have has had having i me my mine we us our ours you your yours he him his she her
  it its they them their theirs this that these those there here what which who whom whose when where why how
  can could would should will shall may might must not no nor so too very just also than such only own same
  any all each every both few more most other some up down out over under again further once s t don
  let get got make made want need like know think hi hello hey thanks thank please yes ok okay really`
    .split(/\s+/)
    .filter(Boolean),
);

/** Sentences that carry no factual claim: greetings, acknowledgements, offers to follow up, headers. */
const BOILERPLATE: readonly RegExp[] = [
  /^(hi|hello|hey|dear|good (morning|afternoon|evening))\b[^.!?]*[,!.]?$/i,
  /^(thanks|thank you)\b/i,
  /^suggested (reply|response|answer)\b/i,
  /^(i|we) understand\b/i,
  /^(great|good) question\b/i,
  /\b(follow up|get back to you|check with (the|my|our) team|happy to (help|go into|set up|discuss|answer)|let me know|feel free to|reach out)\b/i,
  /^what would you like to know\??$/i,
  /^(best|kind) regards\b/i,
];

/** Sentences of a text: split at end punctuation followed by a space, and at line breaks. */
export function splitSentences(text: string): string[] {
  return text
    .split(/\n+/)
    .flatMap((line) => line.split(/(?<=[.!?])\s+(?=["'(]?[A-Z0-9$€£])/))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function stem(word: string): string {
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** Lowercase, stemmed words without stopwords. Numbers count: an invented price must not pass. */
export function contentWords(text: string): string[] {
  const words = text.toLowerCase().match(/[a-z0-9][a-z0-9'’-]*/g) ?? [];
  return words
    .map((w) => w.replace(/['’].*$/, ''))
    .filter((w) => w.length > 1 && !STOPWORDS.has(w))
    .map(stem);
}

/** The sentences of a reply that assert something (at least two content words, not boilerplate). */
export function extractClaims(reply: string): string[] {
  // A leading salutation ends with a comma ("Hi Jane, thanks ..."): drop it, keep what follows.
  return splitSentences(reply)
    .map((s) => s.replace(/^(hi|hello|hey|dear)( [A-Z][\w'-]*)?,\s*/i, ''))
    .filter((s) => s.length > 0 && !BOILERPLATE.some((p) => p.test(s)))
    .filter((s) => new Set(contentWords(s)).size >= 2);
}
