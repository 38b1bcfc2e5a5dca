/** The kinds of personal data the redactor finds, in the order they are looked for (first wins on overlap). */
export const PII_KINDS = ['email', 'iban', 'card', 'ssn', 'phone', 'name'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

/** What each kind is replaced with. */
export const PII_PLACEHOLDERS: Readonly<Record<PiiKind, string>> = Object.freeze({
  email: '[EMAIL]',
  iban: '[IBAN]',
  card: '[CARD]',
  ssn: '[SSN]',
  phone: '[PHONE]',
  name: '[NAME]',
});

/** How many of each kind were replaced. */
export type RedactionCounts = Record<PiiKind, number>;

export const emptyRedactionCounts = (): RedactionCounts => ({
  email: 0,
  iban: 0,
  card: 0,
  ssn: 0,
  phone: 0,
  name: 0,
});

/** Adds `more` into `into` (mutates and returns `into`). */
export function addRedactionCounts(into: RedactionCounts, more: Readonly<RedactionCounts>): RedactionCounts {
  for (const kind of PII_KINDS) into[kind] += more[kind];
  return into;
}

export const totalRedactions = (counts: Readonly<RedactionCounts>): number =>
  PII_KINDS.reduce((sum, kind) => sum + counts[kind], 0);

/** One piece of personal data in a text: `text.slice(start, end)`. */
export interface PiiSpan {
  readonly kind: PiiKind;
  readonly start: number;
  readonly end: number;
}
