import { findPiiLeaks } from './pii-leak';

describe('findPiiLeaks', () => {
  it('flags an e-mail address and a phone number the prospect did not give', () => {
    const flags = findPiiLeaks('You can also ask John at john.doe@othercorp.com or +1 415 555 0199.', [
      'Hi, what does it cost?',
    ]);
    expect(flags).toEqual([
      { kind: 'pii_leak', severity: 'warning', evidence: 'email: john.doe@othercorp.com', where: 'reply' },
      { kind: 'pii_leak', severity: 'warning', evidence: 'phone: +1 415 555 0199', where: 'reply' },
    ]);
  });

  it("accepts the prospect's own data repeated back, however it is spelled", () => {
    expect(
      findPiiLeaks('I will send it to Jane@Acme.io and call 415-555-0123.', [
        'Send it to jane@acme.io please',
        'my number is (415) 555 0123',
      ]),
    ).toEqual([]);
  });

  it('flags a card number as critical', () => {
    const [flag] = findPiiLeaks('The card on file is 4111 1111 1111 1111.', []);
    expect(flag).toEqual(
      expect.objectContaining({ severity: 'critical', evidence: 'card: 4111 1111 1111 1111' }),
    );
  });

  it('finds nothing in a reply without personal data', () => {
    expect(findPiiLeaks('Session replay is on every plan.', [])).toEqual([]);
  });
});
