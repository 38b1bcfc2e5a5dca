import { PiiRedactor, type PiiKind } from '@lib/privacy';
import { quote, type PolicyFlag } from './flag';

/** Kinds that identify or can harm someone when they leak; names are left out (the reply greets by name). */
const LEAK_KINDS: readonly PiiKind[] = ['email', 'iban', 'card', 'ssn', 'phone'];
const CRITICAL: ReadonlySet<PiiKind> = new Set(['iban', 'card', 'ssn']);

const redactor = new PiiRedactor({ kinds: LEAK_KINDS });

/** One spelling per value: e-mail addresses lowercased, numbers as their digits. */
function canonical(kind: PiiKind, value: string): string {
  return kind === 'email' ? value.toLowerCase() : value.replace(/[^\dA-Za-z]/g, '').toUpperCase();
}

/**
 * Personal data in the reply that the prospect did not give: e-mail addresses, phone numbers, card numbers,
 * IBANs, SSNs found by `@lib/privacy`'s `PiiRedactor.find` that appear in none of the prospect's own messages
 * (repeating the prospect's own address back is fine). Cards, IBANs and SSNs are `critical`, the rest `warning`.
 */
export function findPiiLeaks(reply: string, prospectMessages: readonly string[]): PolicyFlag[] {
  const own = new Set<string>();
  for (const message of prospectMessages) {
    for (const span of redactor.find(message)) {
      own.add(`${span.kind}:${canonical(span.kind, message.slice(span.start, span.end))}`);
    }
  }
  const flags: PolicyFlag[] = [];
  for (const span of redactor.find(reply)) {
    const value = reply.slice(span.start, span.end);
    if (own.has(`${span.kind}:${canonical(span.kind, value)}`)) continue;
    flags.push({
      kind: 'pii_leak',
      severity: CRITICAL.has(span.kind) ? 'critical' : 'warning',
      evidence: quote(`${span.kind}: ${value}`),
      where: 'reply',
    });
  }
  return flags;
}
