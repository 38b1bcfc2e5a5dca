import type { Range } from './detectors';

/**
 * Known person names, compiled for matching: each full name as a sequence of words, and each word of a name
 * with at least `MIN_NAME_TOKEN` letters on its own. Words are compared folded (lower case, accents removed,
 * Unicode letters and digits), so "JOSÉ" matches "José" and "Jose". Matching is word by word against the
 * text's words, so a name never matches part of a word ("Ann" does not match "Annual"), and it costs one map
 * lookup per word of the text whatever the size of the list: a tenant's thousands of CRM contacts are compiled
 * once and reused for every text.
 */
export const MIN_NAME_TOKEN = 3;

/**
 * Names that are also common words of sales conversations: on their own they are matched only when written
 * with a capital ("Will said" but not "we will"), as part of a full name always.
 */
const COMMON_WORDS = new Set([
  'april', 'art', 'bill', 'bond', 'case', 'cash', 'chance', 'chase', 'cook', 'deal', 'dean', 'don', 'faith',
  'field', 'ford', 'frank', 'gay', 'gift', 'good', 'grant', 'guy', 'hall', 'hope', 'hunt', 'jack', 'joy',
  'june', 'king', 'lane', 'long', 'love', 'major', 'mark', 'may', 'miles', 'page', 'park', 'pat', 'price',
  'ray', 'read', 'rich', 'rose', 'sale', 'sales', 'summer', 'sun', 'terry', 'thanks', 'wade', 'ward', 'will',
  'win', 'winter', 'wood', 'young',
]); // prettier-ignore

const WORD = /[\p{L}\p{M}\p{N}]+/gu;
/** What may separate the words of a full name in a text: spaces, a hyphen or an apostrophe. */
const NAME_GAP = /^(?:\s{1,3}|\s?[-\u2010-\u2013'’]\s?)$/u;

export const foldWord = (word: string): string =>
  word
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '');

const letters = (word: string): number => [...word].length;

interface TextWord {
  readonly start: number;
  readonly end: number;
  readonly key: string;
  readonly capitalised: boolean;
}

function wordsOf(text: string): TextWord[] {
  const words: TextWord[] = [];
  WORD.lastIndex = 0;
  for (let m = WORD.exec(text); m !== null; m = WORD.exec(text)) {
    words.push({
      start: m.index,
      end: m.index + m[0].length,
      key: foldWord(m[0]),
      capitalised: /^[\p{Lu}\p{Lt}]/u.test(m[0]),
    });
  }
  return words;
}

export class NameList {
  /** Full names of two words or more, by their first word, longest first. */
  private readonly sequences = new Map<string, string[][]>();
  private readonly singles = new Set<string>();

  private constructor() {}

  static readonly empty: NameList = new NameList();

  /** Compiles names ("Sarah Lee", "José María Núñez-García", "Sarah"); blank entries are ignored. */
  static of(names: Iterable<string | null | undefined>): NameList {
    const list = new NameList();
    const seen = new Set<string>();
    for (const name of names) {
      if (!name) continue;
      const tokens = [...name.matchAll(WORD)].map((m) => foldWord(m[0]));
      for (const token of tokens) if (letters(token) >= MIN_NAME_TOKEN) list.singles.add(token);
      if (tokens.length < 2) continue;
      const key = tokens.join(' ');
      if (seen.has(key)) continue;
      seen.add(key);
      const first = tokens[0];
      const bucket = list.sequences.get(first);
      if (bucket) bucket.push(tokens);
      else list.sequences.set(first, [tokens]);
    }
    for (const bucket of list.sequences.values()) bucket.sort((a, b) => b.length - a.length);
    return list;
  }

  get size(): number {
    return this.singles.size + this.sequences.size;
  }

  /** The longest full name of this list starting at `words[i]`: the index of its last word, or -1. */
  private longestSequenceAt(text: string, words: readonly TextWord[], i: number): number {
    const candidates = this.sequences.get(words[i].key);
    if (!candidates) return -1;
    for (const tokens of candidates) {
      if (i + tokens.length > words.length) continue;
      let ok = true;
      for (let k = 1; k < tokens.length && ok; k += 1) {
        const previous = words[i + k - 1];
        const word = words[i + k];
        ok = word.key === tokens[k] && NAME_GAP.test(text.slice(previous.end, word.start));
      }
      if (ok) return i + tokens.length - 1;
    }
    return -1;
  }

  private matchesSingle(word: TextWord): boolean {
    return this.singles.has(word.key) && (word.capitalised || !COMMON_WORDS.has(word.key));
  }

  /** Where the names of any of the lists occur in `text`, longest match first, left to right. */
  static find(text: string, lists: readonly NameList[]): Range[] {
    const active = lists.filter((l) => l.size > 0);
    if (active.length === 0) return [];
    const words = wordsOf(text);
    const found: Range[] = [];
    for (let i = 0; i < words.length; i += 1) {
      let last = -1;
      for (const list of active) last = Math.max(last, list.longestSequenceAt(text, words, i));
      const word = words[i];
      if (last < 0 && active.some((list) => list.matchesSingle(word))) last = i;
      if (last < 0) continue;
      found.push({ start: word.start, end: words[last].end });
      i = last;
    }
    return found;
  }
}
