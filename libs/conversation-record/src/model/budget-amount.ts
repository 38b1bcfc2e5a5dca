/** A budget entity's normalised value as numbers: what analytics sum and compare. */
export interface BudgetAmount {
  /** Rounded to cents; null when the value holds no single amount. */
  readonly amount: number | null;
  /** ISO 4217 code; null when the value names no currency (or one this parser does not know). */
  readonly currency: string | null;
}

const UNKNOWN: BudgetAmount = { amount: null, currency: null };

/** `analysis_entities.amount` is numeric(18,2): anything this large is not a budget, and would not fit. */
const MAX_AMOUNT = 1e16;

const ISO_CODES = new Set([
  'USD', 'EUR', 'GBP', 'JPY', 'CHF', 'CAD', 'AUD', 'NZD', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'HUF', 'INR',
  'CNY', 'SGD', 'HKD', 'BRL', 'MXN', 'ZAR', 'AED', 'ILS', 'KRW',
]); // prettier-ignore

/** Symbols and words, longest first so `US$` wins over `$`. */
const CURRENCY_WORDS: readonly (readonly [string, string])[] = [
  ['us$', 'USD'],
  ['a$', 'AUD'],
  ['c$', 'CAD'],
  ['$', 'USD'],
  ['€', 'EUR'],
  ['£', 'GBP'],
  ['¥', 'JPY'],
  ['₹', 'INR'],
  ['dollars', 'USD'],
  ['dollar', 'USD'],
  ['euros', 'EUR'],
  ['euro', 'EUR'],
  ['pounds', 'GBP'],
  ['pound', 'GBP'],
];

const MULTIPLIERS: Readonly<Record<string, number>> = {
  k: 1e3,
  thousand: 1e3,
  m: 1e6,
  mm: 1e6,
  mn: 1e6,
  mio: 1e6,
  million: 1e6,
  millions: 1e6,
  b: 1e9,
  bn: 1e9,
  billion: 1e9,
};

/** Digits with optional separators: "50000", "20,000", "1.5", "20 000", "20.000,50". */
const NUMBER = /\d(?:[\d,.]|\s(?=\d{3}(?!\d)))*/g;

/**
 * The digits of one number as a value. Separators: with both `,` and `.`, the last one is the decimal
 * separator ("20.000,50", "20,000.50"); `,` alone groups thousands when every group has three digits
 * ("20,000"), else it is a decimal comma ("1,5"); `.` alone is a decimal point unless it separates several
 * groups of three ("1.000.000").
 */
function parseNumber(raw: string): number | null {
  const digits = raw.replace(/\s/g, '');
  const lastComma = digits.lastIndexOf(',');
  const lastDot = digits.lastIndexOf('.');
  let normalised: string;
  if (lastComma >= 0 && lastDot >= 0) {
    const decimal = lastComma > lastDot ? ',' : '.';
    const thousands = decimal === ',' ? '.' : ',';
    const [whole, fraction, ...rest] = digits.split(decimal);
    if (rest.length > 0 || !/^\d{1,3}(?:[.,]\d{3})*$/.test(whole) || whole.includes(decimal)) return null;
    normalised = `${whole.split(thousands).join('')}.${fraction}`;
  } else if (lastComma >= 0) {
    if (/^\d{1,3}(?:,\d{3})+$/.test(digits)) normalised = digits.replace(/,/g, '');
    else if (/^\d+,\d{1,2}$/.test(digits)) normalised = digits.replace(',', '.');
    else return null;
  } else if (lastDot >= 0) {
    if (/^\d{1,3}(?:\.\d{3}){2,}$/.test(digits)) normalised = digits.replace(/\./g, '');
    else if (/^\d+\.\d+$/.test(digits)) normalised = digits;
    else return null;
  } else {
    normalised = digits;
  }
  if (!/^\d+(?:\.\d+)?$/.test(normalised)) return null;
  return Number(normalised);
}

/** The one currency a value names (ISO code, symbol or word); null for none or several. */
function currencyOf(words: string): string | null {
  const lower = words.toLowerCase();
  let found: string | undefined;
  for (const token of lower.match(/[a-z]{3,}/g) ?? []) {
    const code = token.toUpperCase();
    const named = CURRENCY_WORDS.find(([word]) => word === token)?.[1];
    const next = ISO_CODES.has(code) ? code : named;
    if (next === undefined) continue;
    if (found !== undefined && found !== next) return null; // two currencies: ambiguous
    found = next;
  }
  let rest = lower;
  for (const [symbol, code] of CURRENCY_WORDS) {
    if (/^[a-z]+$/.test(symbol) || !rest.includes(symbol)) continue;
    if (found !== undefined && found !== code) return null;
    found = code;
    rest = rest.split(symbol).join(' '); // longest first: the "$" of "us$" is accounted for
  }
  return found ?? null;
}

/**
 * Parses a budget entity's normalised value ("50000 USD", "$50k", "€20,000", "20k EUR", "1.5M GBP") into an
 * amount and an ISO currency. Pure. Anything it cannot read unambiguously is null: no number, several
 * numbers (a range), two currencies, a negative or absurdly large amount. The amount and the currency are
 * independent: "50000" has an amount and no currency.
 */
export function parseBudget(value: string | null | undefined): BudgetAmount {
  if (!value) return UNKNOWN;
  const text = value.trim();
  if (text.length === 0 || text.length > 200) return UNKNOWN;

  const currency = currencyOf(text);
  const numbers = [...text.matchAll(NUMBER)];
  if (numbers.length !== 1 || /-\s*\d|\d\s*-/.test(text)) return { amount: null, currency };
  const match = numbers[0];
  const raw = match[0].replace(/[,.\s]+$/, ''); // a trailing full stop or comma is punctuation
  const base = parseNumber(raw);

  // The word right after the number may scale it ("50k", "1.5 million"); any other word is left alone.
  const after = text.slice((match.index ?? 0) + match[0].length).trimStart();
  const unit = /^([a-z]+)\b/i.exec(after)?.[1]?.toLowerCase();
  const multiplier = unit !== undefined && unit in MULTIPLIERS ? MULTIPLIERS[unit] : 1;
  if (base === null) return { amount: null, currency };

  const amount = Math.round(base * multiplier * 100) / 100;
  const valid = Number.isFinite(amount) && amount >= 0 && amount < MAX_AMOUNT;
  return { amount: valid ? amount : null, currency };
}
