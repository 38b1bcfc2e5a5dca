import { detectCards, detectEmails, detectIbans, detectPhones, detectSsns, type Range } from './detectors';
import { NameList } from './name-list';
import {
  emptyRedactionCounts,
  PII_KINDS,
  PII_PLACEHOLDERS,
  totalRedactions,
  type PiiKind,
  type PiiSpan,
  type RedactionCounts,
} from './pii-kinds';

/**
 * The known names of one call: compiled lists (reuse them: a tenant's CRM contacts) and/or plain names (the
 * prospect's name), mixed freely.
 */
export type KnownNames = NameList | readonly (NameList | string | null | undefined)[];

export interface RedactionResult {
  readonly text: string;
  readonly counts: RedactionCounts;
  /** Sum of `counts`. */
  readonly total: number;
}

export interface PiiRedactorOptions {
  /** Which kinds to look for (default: all of `PII_KINDS`). */
  readonly kinds?: readonly PiiKind[];
  /** Replacement text per kind (default `PII_PLACEHOLDERS`: `[EMAIL]`, `[PHONE]`, ...). */
  readonly placeholders?: Partial<Record<PiiKind, string>>;
}

const PATTERN_DETECTORS: Readonly<Record<Exclude<PiiKind, 'name'>, (text: string) => Range[]>> = {
  email: detectEmails,
  iban: detectIbans,
  card: detectCards,
  ssn: detectSsns,
  phone: detectPhones,
};

/** Stands in for found data while the next detectors run: neither a letter, a digit nor a separator. */
const MASK = '\u0000';

function mask(text: string, ranges: readonly Range[]): string {
  let out = '';
  let at = 0;
  for (const r of ranges) {
    out += text.slice(at, r.start) + MASK.repeat(r.end - r.start);
    at = r.end;
  }
  return out + text.slice(at);
}

function nameLists(names: KnownNames | undefined): NameList[] {
  if (names === undefined) return [];
  if (names instanceof NameList) return [names];
  const lists: NameList[] = [];
  const plain: string[] = [];
  for (const entry of names) {
    if (entry instanceof NameList) lists.push(entry);
    else if (entry) plain.push(entry);
  }
  if (plain.length > 0) lists.push(NameList.of(plain));
  return lists;
}

/**
 * Replaces personal data in free text with placeholders: e-mail addresses, IBANs, payment card numbers (Luhn),
 * US social security numbers, phone numbers, and the known names given per call. Pure and synchronous; the
 * kinds are looked for in the order of `PII_KINDS`, each on the text left by the previous ones, so a piece of
 * text is counted once (the digits of an e-mail address are not a phone number).
 */
export class PiiRedactor {
  private readonly kinds: readonly PiiKind[];
  private readonly placeholders: Readonly<Record<PiiKind, string>>;

  constructor(options: PiiRedactorOptions = {}) {
    const wanted = new Set(options.kinds ?? PII_KINDS);
    this.kinds = PII_KINDS.filter((k) => wanted.has(k));
    this.placeholders = { ...PII_PLACEHOLDERS, ...options.placeholders };
  }

  /** Where the personal data is, by position. */
  find(text: string, names?: KnownNames): PiiSpan[] {
    const spans: PiiSpan[] = [];
    let working = text;
    for (const kind of this.kinds) {
      const ranges =
        kind === 'name' ? NameList.find(working, nameLists(names)) : PATTERN_DETECTORS[kind](working);
      if (ranges.length === 0) continue;
      for (const r of ranges) spans.push({ kind, start: r.start, end: r.end });
      working = mask(working, ranges);
    }
    return spans.sort((a, b) => a.start - b.start);
  }

  redact(text: string, names?: KnownNames): RedactionResult {
    const counts = emptyRedactionCounts();
    if (text.length === 0) return { text, counts, total: 0 };
    const spans = this.find(text, names);
    if (spans.length === 0) return { text, counts, total: 0 };
    let out = '';
    let at = 0;
    for (const span of spans) {
      out += text.slice(at, span.start) + this.placeholders[span.kind];
      at = span.end;
      counts[span.kind] += 1;
    }
    out += text.slice(at);
    return { text: out, counts, total: totalRedactions(counts) };
  }
}

const defaultRedactor = new PiiRedactor();

/** `new PiiRedactor().redact(text, names)`. */
export const redactPii = (text: string, names?: KnownNames): RedactionResult =>
  defaultRedactor.redact(text, names);
