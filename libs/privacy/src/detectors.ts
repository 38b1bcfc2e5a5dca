/**
 * Pattern detectors: e-mail addresses, IBANs, payment cards, US social security numbers, phone numbers. Each
 * returns the ranges it finds; a regular expression proposes candidates and a validator decides (Luhn, mod 97,
 * the shape and the context of a phone number). Every pattern is linear: no nested unbounded repetition.
 */

export interface Range {
  readonly start: number;
  readonly end: number;
}

type Detector = (text: string) => Range[];

function collect(
  text: string,
  pattern: RegExp,
  accept: (match: RegExpExecArray) => Range | undefined,
): Range[] {
  const found: Range[] = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    const range = accept(m);
    if (range) found.push(range);
  }
  return found;
}

const whole = (m: RegExpExecArray): Range => ({ start: m.index, end: m.index + m[0].length });

// ---------------------------------------------------------------------------------------------------------------
// E-mail: Unicode local part and domain labels, a letters-only top-level domain.

const EMAIL =
  /(?<![\p{L}\p{N}._%+'-])[\p{L}\p{N}_%+-][\p{L}\p{N}._%+'-]{0,63}@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,63}(?![\p{L}\p{N}-])/gu;

export const detectEmails: Detector = (text) => (text.includes('@') ? collect(text, EMAIL, whole) : []);

// ---------------------------------------------------------------------------------------------------------------
// IBAN: country code, check digits, 11-30 more characters in groups of four; valid only if mod 97 gives 1.

const IBAN = /(?<![\p{L}\p{N}])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![\p{L}\p{N}])/gu;

export function isValidIban(candidate: string): boolean {
  const iban = candidate.replace(/ /g, '');
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : char; // A=10 ... Z=35
    for (const digit of value) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

export const detectIbans: Detector = (text) =>
  collect(text, IBAN, (m) => (isValidIban(m[0]) ? whole(m) : undefined));

// ---------------------------------------------------------------------------------------------------------------
// Payment cards: 13-19 digits, bare or in groups (4-4-4-4[-3], 4-6-5, 4-6-4) with one kind of separator.

const CARD =
  /(?<![\p{N}+])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?|\d{4}([ -])\d{6}\2\d{4,5})(?![\p{N}])/gu;

export function luhnValid(digits: string): boolean {
  if (!/^\d{13,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export const detectCards: Detector = (text) =>
  collect(text, CARD, (m) => {
    if (luhnValid(m[0].replace(/\D/g, ''))) return whole(m);
    // A trailing group may belong to the next number ("4111 1111 1111 1111 2024"): try without it.
    const cut = m[0].search(/[ -]\d{1,3}$/);
    if (cut > 0 && luhnValid(m[0].slice(0, cut).replace(/\D/g, ''))) {
      return { start: m.index, end: m.index + cut };
    }
    return undefined;
  });

// ---------------------------------------------------------------------------------------------------------------
// US social security numbers, dashed form only (AAA-GG-SSSS, without the never-issued areas and zero parts).

const SSN = /(?<![\p{N}-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\p{N}]|-\d)/gu;

export const detectSsns: Detector = (text) => collect(text, SSN, whole);

// ---------------------------------------------------------------------------------------------------------------
// Phone numbers. Candidates: an optional "+", digit groups (one may be in parentheses) joined by at most one
// separator (space, dot, dash, slash), an optional extension. The validator then rules out what only looks
// like a phone number: dates, times, years, amounts, percentages, versions, IP addresses, short ids.

const GROUP = String.raw`(?:\(\d{1,5}\)|\d{1,5})`;
const SEP = String.raw`(?:[ \u00A0]?[./\u2010-\u2013-][ \u00A0]?|[ \u00A0])?`;
const EXTENSION = String.raw`[ \u00A0]*[,;]?[ \u00A0]*(?:ext\.?|extension|x|#)[ \u00A0]*\d{1,6}`;
const PHONE = new RegExp(
  String.raw`(?<![\p{L}\p{N}_+@#$€£¥₹.,/-])(?:\+[ \u00A0]?)?${GROUP}(?:${SEP}${GROUP}){0,7}(?:${EXTENSION})?(?![\p{N}]|[.,/-]\d)`,
  'giu',
);
const EXTENSION_AT_END = new RegExp(`(?:${EXTENSION})$`, 'i');

const CURRENCY_BEFORE = /(?:[$€£¥₹₩₽¢]|\b(?:USD|EUR|GBP|CHF|JPY|CAD|AUD|INR|SEK|NOK|DKK)|\bUS\$)\s?$/i;
const AMOUNT_AFTER =
  /^\s?(?:[$€£¥₹%‰]|(?:USD|EUR|GBP|CHF|JPY|CAD|AUD|INR|SEK|NOK|DKK|dollars?|euros?|pounds?|bucks|percent|million|billion|thousand|mn|bn|[kmb])\b)/i;
const VERSION_BEFORE = /\b(?:v|version|ver\.?|build|release|rev\.?|firmware|sdk|api)\s*$/i;
const ID_BEFORE =
  /\b(?:order|invoice|ticket|ref|reference|id|sku|po|case|account|acct|contract|tracking|serial|transaction|confirmation|booking|quote|receipt)(?:\s*(?:id|no\.?|nr\.?|number|#))?\s*[:#.]?\s*$/i;
const PHONE_KEYWORD_BEFORE =
  /\b(?:phone|tel|telephone|mobile|cell|cellphone|call|text|sms|whatsapp|fax|dial|ring|number|reach\s+me)\b[^\d\n]{0,20}$/i;
const DATE_START =
  /^(?:(\d{4})[-./](\d{1,2})[-./](\d{1,2})|(\d{1,2})[-./](\d{1,2})[-./](\d{4}|\d{2}))(?![./-]?\d)/;
const TIME_RANGE = /^\d{1,2}[.:]\d{2}\s?[-–/]\s?\d{1,2}[.:]\d{2}$/;
const YEARS = /^(?:19|20)\d\d(?:\s?[-–/ ]\s?(?:(?:19|20)\d\d|\d\d))+$/;
const IP_ADDRESS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const THOUSANDS = /^\d{1,3}(?:([ \u00A0.])\d{3})(?:\1\d{3})*$/;

const isYear = (y: number): boolean => y >= 1900 && y <= 2099;

function looksLikeDate(number: string): boolean {
  const m = DATE_START.exec(number);
  if (!m) return false;
  if (m[1] !== undefined) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return isYear(y) && mo >= 1 && mo <= 12 && d >= 1 && d <= 31;
  }
  const [a, b, y] = [Number(m[4]), Number(m[5]), m[6] ?? ''];
  const dayMonth = a >= 1 && b >= 1 && a <= 31 && b <= 31 && (a <= 12 || b <= 12);
  return dayMonth && (y.length === 2 || isYear(Number(y)));
}

/** Two numbers of the same length, the second larger, same first digit: "1204-1206", "40000-45000". */
function looksLikeRange(groups: readonly string[]): boolean {
  if (groups.length !== 2) return false;
  const [from, to] = groups as [string, string];
  return from.length === to.length && from[0] === to[0] && Number(to) > Number(from);
}

/**
 * Whether a phone-shaped candidate is a phone number, from its shape and the text around it.
 * `before` and `after` are the characters just before and after the candidate.
 */
export function isPhoneNumber(candidate: string, before: string, after: string): boolean {
  const number = candidate.replace(EXTENSION_AT_END, '');
  const international = number.startsWith('+');
  const body = international ? number.slice(1).trimStart() : number;
  const groups = body.split(/[^\d]+/).filter((g) => g.length > 0);
  const digits = groups.join('').length;
  const separated = /\D/.test(body);

  if (digits > 15) return false;
  if (AMOUNT_AFTER.test(after) || CURRENCY_BEFORE.test(before)) return false;
  if (international) return digits >= 8;

  if (digits < 7) return false;
  const keyword = PHONE_KEYWORD_BEFORE.test(before);
  if (!separated && digits < 10 && !keyword) return false; // a bare run of 7-9 digits: an id or an amount
  if (ID_BEFORE.test(before) || VERSION_BEFORE.test(before)) return false;
  if (looksLikeDate(body) || TIME_RANGE.test(body) || YEARS.test(body)) return false;
  const ip = IP_ADDRESS.exec(body);
  if (ip && ip.slice(1).every((part) => Number(part) <= 255)) return false;
  if (separated && (groups[0]?.length ?? 0) > 5 && !body.startsWith('(')) return false; // "1000000-2000000"
  if (groups.filter((g) => g.length === 1).length > 1) return false; // "1-2-3-4-5-6-7", "3 2 1 0 5 6 7"
  if (/^\d+(?:\.\d+)+$/.test(body) && groups.some((g) => g.length < 2 || g.length > 4)) return false; // 10.0.19045
  if (THOUSANDS.test(body) && !body.startsWith('0') && !keyword) return false; // 12 500 000, 1.200.000
  if (!keyword && (/\s[-–]\s/.test(body) || looksLikeRange(groups))) return false; // 10 000 - 20 000, 1204-1206
  return true;
}

export const detectPhones: Detector = (text) => {
  if (!/\d/.test(text)) return [];
  return collect(text, PHONE, (m) => {
    const before = text.slice(Math.max(0, m.index - 40), m.index);
    const end = m.index + m[0].length;
    const after = text.slice(end, end + 16);
    return isPhoneNumber(m[0], before, after) ? whole(m) : undefined;
  });
};
