import { quote, sentenceAround, type PolicyFlag } from './flag';

/** Money amounts: a currency sign or code next to a number ("$1,200", "€49.99", "300 USD", "49 dollars"). */
const MONEY =
  /(?:[$€£]\s?\d[\d,]*(?:\.\d+)?(?:\s?[kKmM]\b)?)|(?:\b\d[\d,]*(?:\.\d+)?\s?(?:usd|eur|gbp|dollars?|euros?|pounds?)\b)/gi;
/** Percentages ("20%", "20 percent", "15 per cent"). */
const PERCENT = /\b\d+(?:\.\d+)?\s?(?:%|percent\b|per cent\b)/gi;
/**
 * Commitments the company would be held to; `key` is the word a grounding source must contain for the
 * commitment to be backed (a KB page that says "we guarantee 99.9% uptime" backs "we guarantee").
 */
const COMMITMENTS: readonly { pattern: RegExp; key: RegExp }[] = [
  { pattern: /\bguarantee[ds]?\b/gi, key: /\bguarantee/i },
  { pattern: /\bwe (?:will|'ll|can) deliver\b[^.!?\n]*?\bby\b/gi, key: /\bdeliver/i },
  { pattern: /\b(?:we|i) (?:promise|commit to|assure you)\b/gi, key: /\b(?:promise|commit)/i },
  { pattern: /\bmoney[- ]back\b|\b(?:full|free) refund\b/gi, key: /\brefund|money[- ]back/i },
  { pattern: /\bfree of charge\b|\bat no (?:extra )?cost\b/gi, key: /\bfree\b|\bno (?:extra )?cost\b/i },
  { pattern: /\bdiscount(?:ed|s)?\b/gi, key: /\bdiscount/i },
];

/** Digits (and the decimal part) of an amount: "$1,200.00" and "1200" are the same number. */
export function normaliseNumber(span: string): string {
  const digits = span
    .replace(/[^\d.]/g, '')
    .replace(/\.0+$/, '')
    .replace(/\.$/, '');
  return digits.replace(/^0+(?=\d)/, '');
}

/** Every number of a text, normalised (so a source's "1,200" backs a reply's "$1,200"). */
function numbersOf(text: string): Set<string> {
  return new Set((text.match(/\d[\d,]*(?:\.\d+)?/g) ?? []).map(normaliseNumber));
}

/**
 * Prices, discounts and commitments in the reply that no grounding source backs. A money amount or a
 * percentage is backed when its number appears in some source; a commitment phrase when its key word does.
 * Unbacked amounts and percentages are `critical` (a price or discount the company never offered), unbacked
 * commitments `warning`.
 */
export function findUnbackedCommitments(reply: string, sources: readonly string[]): PolicyFlag[] {
  const known = new Set<string>();
  for (const s of sources) for (const n of numbersOf(s)) known.add(n);
  const flags: PolicyFlag[] = [];
  const seen = new Set<string>();
  const add = (flag: PolicyFlag): void => {
    if (seen.has(flag.evidence)) return;
    seen.add(flag.evidence);
    flags.push(flag);
  };
  for (const re of [MONEY, PERCENT]) {
    for (const m of reply.matchAll(re)) {
      const n = normaliseNumber(m[0]);
      if (n === '' || known.has(n)) continue;
      add({
        kind: 'unbacked_commitment',
        severity: 'critical',
        evidence: quote(m[0].trim()),
        where: 'reply',
      });
    }
  }
  for (const { pattern, key } of COMMITMENTS) {
    if (sources.some((s) => key.test(s))) continue;
    for (const m of reply.matchAll(pattern)) {
      const start = m.index;
      add({
        kind: 'unbacked_commitment',
        severity: 'warning',
        evidence: quote(sentenceAround(reply, start, start + m[0].length)),
        where: 'reply',
      });
    }
  }
  return flags;
}
