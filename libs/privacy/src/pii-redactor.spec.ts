import { isPhoneNumber, isValidIban, luhnValid } from './detectors';
import { NameList } from './name-list';
import { PiiRedactor, redactPii } from './pii-redactor';

const redact = (text: string, names?: readonly string[]): string => redactPii(text, names).text;

describe('PiiRedactor: e-mail addresses', () => {
  it.each([
    ['Reach me at cminh730@email.com.', 'Reach me at [EMAIL].'],
    ['sarah.lee+crm@acme-corp.co.uk is my work address', '[EMAIL] is my work address'],
    ['(j_o%doe@sub.example.io)', '([EMAIL])'],
    ["patrick.o'neil@firm.ie", '[EMAIL]'],
    ['José: josé.núñez@empresa.es', 'José: [EMAIL]'],
    ['two: a@b.io, c.d@e.org', 'two: [EMAIL], [EMAIL]'],
    ['mailto:ops@x-y.com?subject=hi', 'mailto:[EMAIL]?subject=hi'],
  ])('%s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it.each([
    'we met @ the conference',
    'ping @sarah on Slack',
    'a@b is not an address',
    'the price is 5@10 units',
  ])('leaves %s alone', (input) => {
    expect(redact(input)).toBe(input);
  });
});

describe('PiiRedactor: phone numbers', () => {
  it.each([
    ['Call me on +1 415 555 0100 tomorrow', 'Call me on [PHONE] tomorrow'],
    ['+44 20 7946 0958', '[PHONE]'],
    ['+33 1 23 45 67 89', '[PHONE]'],
    ['+49 (0)30 1234567', '[PHONE]'],
    ['+1-415-555-0100', '[PHONE]'],
    ['+14155550100', '[PHONE]'],
    ['+1.415.555.0100', '[PHONE]'],
    ['phone: (977) 625-2661', 'phone: [PHONE]'],
    ['(977) 625-2661', '[PHONE]'],
    ['my cell is 415-555-0100, thanks', 'my cell is [PHONE], thanks'],
    ['415.555.0100', '[PHONE]'],
    ['415 555 0100', '[PHONE]'],
    ['020 7946 0958', '[PHONE]'],
    ['01 23 45 67 89', '[PHONE]'],
    ['01.23.45.67.89', '[PHONE]'],
    ['0171 1234567', '[PHONE]'],
    ['030/1234567', '[PHONE]'],
    ['1-800-555-0199', '[PHONE]'],
    ['0049 30 1234567', '[PHONE]'],
    ['555-0100', '[PHONE]'],
    ['4155550100', '[PHONE]'],
    ['call 5550100', 'call [PHONE]'],
    ['my number is 612 345 678', 'my number is [PHONE]'],
    ['office 415-555-0100 ext. 234 or', 'office [PHONE] or'],
    ['+1 415 555 0100 x12', '[PHONE]'],
    ['415-555-0100 extension 7', '[PHONE]'],
    ['415-555-0100#22', '[PHONE]'],
    ['desk: 415\u00A0555\u00A00100', 'desk: [PHONE]'],
    ['(415)555-0100', '[PHONE]'],
    ['numbers: +1 415 555 0100 and +44 20 7946 0958.', 'numbers: [PHONE] and [PHONE].'],
    ['Reach me on 07700 900123 or +447700900123', 'Reach me on [PHONE] or [PHONE]'],
    ['tel:+15551234567', 'tel:[PHONE]'],
    ['+1 (555) 123-4567', '[PHONE]'],
    ['call 5551-2345', 'call [PHONE]'],
  ])('%s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it.each([
    // dates and times
    'the call is on 2024-01-15 at 10:30',
    'signed 15.01.2024, renewed 01/15/2025',
    'on 15-01-2024 and 1/2/24',
    'deadline 2024-03-31 14:30 UTC',
    'meet 10.30-11.45 or 9:00-17:00',
    // money, percentages, counts
    'a budget of $50,000 for 2025',
    'we pay €1.200.000 a year',
    'about 1.200.000 € in total',
    '$1 250 000 over three years',
    '2 500 000 dollars',
    'USD 12 500 000 is the cap',
    'a 12.5% discount, 15 % off, 3.75%',
    '1,234,567 users',
    'we grew 1234567%',
    'revenue 12500000 USD',
    '50 000 000 rows a day',
    '12 000 000 seats',
    // years and ranges
    'between 2019 and 2024',
    'in 2019-2024 we tripled',
    'fiscal 2023/2024',
    // versions, ips, decimals
    'running v10.0.19045.2965 on the server',
    'version 4.12.1 and 2.3.4-beta',
    'release 2024.1.15',
    'host 192.168.100.200 is down',
    'pi is 3.14159265358',
    // ids shorter than 7 digits, bare short runs
    'order #123456 shipped',
    'order 123456',
    'ticket 98765 and case 4567',
    'Order ID: 3348917502',
    'invoice no. 2024-00017',
    'zip 75227, 6821 1st ave',
    'we have 120 seats and 45 users',
    'ranges 1000000-2000000',
    'steps 1-2-3-4-5-6-7',
    '1234567',
    'the code is 12345678',
    'score 3-1, 2-0',
    'room 1204-1206',
    '10 000 - 20 000 users',
    // other numbers of sales conversations
    '24/7 support, 50k seats, Q3 2025, 1-2 weeks, 3pm-5pm',
    'at 2024-01-15T10:30:00.000Z the id 550e8400-e29b-41d4-a716-446655440000 failed',
    'SLA 99.95% uptime and 99.999',
    'I can do 1,200 licenses at $45.00 per seat, 12 months, starting 01.02.2025',
    'between 10.000 and 20.000 EUR',
    'ISO 27001 and SOC 2 Type II, GDPR art. 28',
    '2025 2026 2027',
  ])('leaves %s alone', (input) => {
    expect(redact(input)).toBe(input);
  });

  it('decides from the shape and the context', () => {
    expect(isPhoneNumber('612 345 678', 'phone: ', '')).toBe(true);
    expect(isPhoneNumber('612 345 678', 'we sold ', ' units')).toBe(false);
    expect(isPhoneNumber('+1 415 555 0100', '', '')).toBe(true);
    expect(isPhoneNumber('+1234567', '', '')).toBe(false);
  });
});

describe('PiiRedactor: payment cards', () => {
  it.each([
    ['card 4111 1111 1111 1111 exp 12/27', 'card [CARD] exp 12/27'],
    ['4111-1111-1111-1111', '[CARD]'],
    ['4111111111111111', '[CARD]'],
    ['Amex 3782 822463 10005', 'Amex [CARD]'],
    ['378282246310005', '[CARD]'],
    ['Diners 3056 930902 5904', 'Diners [CARD]'],
    ['5555555555554444.', '[CARD].'],
    ['4222222222222 (13 digits)', '[CARD] (13 digits)'],
    ['6011 0009 9013 9424 expires 2027', '[CARD] expires 2027'],
    ['4111 1111 1111 1111 2024', '[CARD] 2024'],
  ])('%s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it.each(['4111 1111 1111 1112', '1234567812345678', '4111-1111 1111-1111', '41111111111111111111111'])(
    'leaves the invalid or malformed %s as a card',
    (input) => {
      expect(redact(input)).not.toContain('[CARD]');
    },
  );

  it('checks Luhn', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('411111111111')).toBe(false); // 12 digits
  });
});

describe('PiiRedactor: IBAN and SSN', () => {
  it('redacts valid IBANs only', () => {
    expect(redact('wire to DE89 3704 0044 0532 0130 00 today')).toBe('wire to [IBAN] today');
    expect(redact('GB82WEST12345698765432')).toBe('[IBAN]');
    expect(redact('FR14 2004 1010 0505 0001 3M02 606.')).toBe('[IBAN].');
    expect(redact('DE00 3704 0044 0532 0130 00')).not.toContain('[IBAN]');
    expect(isValidIban('NL91ABNA0417164300')).toBe(true);
    expect(isValidIban('NL91ABNA0417164301')).toBe(false);
  });

  it('redacts dashed SSNs, not impossible ones', () => {
    expect(redact('SSN 123-45-6789.')).toBe('SSN [SSN].');
    expect(redact('000-12-3456 666-12-3456 123-00-4567')).not.toContain('[SSN]');
  });
});

describe('PiiRedactor: known names', () => {
  const names = [
    'Crystal Minh',
    'Sarah Lee',
    'José María Núñez-García',
    "Patrick O'Neil",
    'Li Na',
    'Will Price',
  ];

  it.each([
    ['Hi, this is Crystal Minh from Acme.', 'Hi, this is [NAME] from Acme.'],
    ['crystal minh', '[NAME]'],
    ['CRYSTAL', '[NAME]'],
    ['Thanks Crystal!', 'Thanks [NAME]!'],
    ["Minh's team", "[NAME]'s team"],
    ['Sarah  Lee and sarah', '[NAME] and [NAME]'],
    ['Lee-Sarah', '[NAME]-[NAME]'],
    ['Jose Maria Nunez-Garcia signed', '[NAME] signed'],
    ['JOSÉ MARÍA NÚÑEZ GARCÍA', '[NAME]'],
    ['ask Núñez', 'ask [NAME]'],
    ['García said', '[NAME] said'],
    ["Patrick O'Neil and O’Neil", '[NAME] and O’[NAME]'],
    ['li na', '[NAME]'],
    ['Li Na called', '[NAME] called'],
    ['Will Price joined', '[NAME] joined'],
    ['Will said the price is fine; we will see', '[NAME] said the price is fine; we will see'],
    ['Price matters', '[NAME] matters'],
  ])('%s', (input, expected) => {
    expect(redact(input, names)).toBe(expected);
  });

  it.each([
    'Annual plan for Leeds and Crystalline',
    'Sarahs',
    'Lina and Nali',
    'minhx crystal3',
    'JoséMaría',
  ])('never matches part of a word: %s', (input) => {
    expect(redact(input, names)).toBe(input);
  });

  it('does not match short tokens on their own', () => {
    expect(redact('Li said na', names)).toBe('Li said na');
    expect(redact('Al and Bo', ['Al', 'Bo Li'])).toBe('Al and Bo');
  });

  it('prefers the longest name and counts each match once', () => {
    const result = redactPii('Sarah Lee Johnson met Sarah Lee', ['Sarah Lee', 'Sarah Lee Johnson']);
    expect(result.text).toBe('[NAME] met [NAME]');
    expect(result.counts.name).toBe(2);
  });

  it('matches Unicode names and scripts', () => {
    expect(redact('Встреча с Анна Иванова завтра', ['Анна Иванова'])).toBe('Встреча с [NAME] завтра');
    expect(redact('Привет, АННА', ['Анна Иванова'])).toBe('Привет, [NAME]');
    expect(redact('Gespräch mit Jürgen Müller', ['Jurgen Muller'])).toBe('Gespräch mit [NAME]');
    expect(redact('İsmail Yıldız geldi', ['ismail yıldız'])).toBe('[NAME] geldi');
    expect(redact('田中太郎さん', ['田中太郎'])).toBe('田中太郎さん'); // no word boundary in Japanese: whole words only
    expect(redact('田中太郎 さん', ['田中太郎'])).toBe('[NAME] さん');
  });

  it('combines compiled lists with plain names', () => {
    const contacts = NameList.of(['Tom Baker', 'Ada Lovelace']);
    const result = new PiiRedactor().redact('Ada, Tom and Crystal', [contacts, 'Crystal Minh', undefined]);
    expect(result.text).toBe('[NAME], [NAME] and [NAME]');
  });

  it('scales to a large compiled list', () => {
    const many = NameList.of(Array.from({ length: 20_000 }, (_, i) => `First${i} Last${i}`));
    expect(redact('hello First19999 Last19999 and Last5', [])).toBe('hello First19999 Last19999 and Last5');
    expect(new PiiRedactor().redact('hello First19999 Last19999 and Last5', many).text).toBe(
      'hello [NAME] and [NAME]',
    );
  });
});

describe('PiiRedactor: mixed text', () => {
  const text =
    "Hi, I'm Crystal Minh (cminh730@email.com, (977) 625-2661). Our budget is $50,000 for 2025, up 12%. " +
    'Order ID: 334891 was placed on 2019-11-06. Card 4111 1111 1111 1111. Call Sarah on +44 20 7946 0958 ext 12.';

  it('redacts every kind and counts them', () => {
    const result = redactPii(text, ['Crystal Minh', 'Sarah Lee']);
    expect(result.text).toBe(
      "Hi, I'm [NAME] ([EMAIL], [PHONE]). Our budget is $50,000 for 2025, up 12%. " +
        'Order ID: 334891 was placed on 2019-11-06. Card [CARD]. Call [NAME] on [PHONE].',
    );
    expect(result.counts).toEqual({ email: 1, iban: 0, card: 1, ssn: 0, phone: 2, name: 2 });
    expect(result.total).toBe(6);
  });

  it('counts a piece of text once: the digits of an e-mail are not a phone number', () => {
    const result = redactPii('write to 4155550100@sms.example.com');
    expect(result.text).toBe('write to [EMAIL]');
    expect(result.counts.phone).toBe(0);
  });

  it('can be limited to some kinds and use other placeholders', () => {
    const redactor = new PiiRedactor({ kinds: ['email'], placeholders: { email: '<email>' } });
    expect(redactor.redact('a@b.io 415-555-0100', ['Sarah']).text).toBe('<email> 415-555-0100');
  });

  it('returns the text unchanged when there is nothing to redact', () => {
    const plain = 'We need SSO and a 30-day trial before Q3.';
    expect(redactPii(plain, ['Crystal Minh'])).toEqual({
      text: plain,
      counts: { email: 0, iban: 0, card: 0, ssn: 0, phone: 0, name: 0 },
      total: 0,
    });
    expect(redactPii('').text).toBe('');
  });

  it('finds spans by position', () => {
    const spans = new PiiRedactor().find('Sarah: s@x.io', ['Sarah']);
    expect(spans).toEqual([
      { kind: 'name', start: 0, end: 5 },
      { kind: 'email', start: 7, end: 13 },
    ]);
  });
});
