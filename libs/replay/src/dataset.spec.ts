import { DatasetError, parseDataset } from './dataset';

const line = (value: unknown): string => JSON.stringify(value);
const valid = {
  id: 'c-1',
  conversation: { mode: 'autonomous', prospect: { email: 'maya.chen@northwindpay.com' } },
  turns: [
    { role: 'rep', text: 'Hello Maya' },
    {
      role: 'prospect',
      text: 'How much is it?',
      expected: { intents: ['pricing_inquiry'], stage: 'discovery' },
    },
  ],
};

describe('replay dataset', () => {
  it('parses JSONL, skipping blank lines', () => {
    const parsed = parseDataset(`${line(valid)}\n\n${line({ ...valid, id: 'c-2' })}\n`);
    expect(parsed.map((c) => c.id)).toEqual(['c-1', 'c-2']);
    expect(parsed[0].turns[1].expected).toEqual({ intents: ['pricing_inquiry'], stage: 'discovery' });
  });

  it.each([
    ['not JSON', '{oops', /d\.jsonl:1: not JSON/],
    [
      'an unknown mode',
      line({ ...valid, conversation: { ...valid.conversation, mode: 'chat' } }),
      /conversation\.mode/,
    ],
    [
      'an empty prospect',
      line({ ...valid, conversation: { mode: 'assist', prospect: {} } }),
      /conversation\.prospect/,
    ],
    [
      'no prospect turn',
      line({ ...valid, turns: [{ role: 'rep', text: 'hi' }] }),
      /turns: needs at least one prospect turn/,
    ],
    ['an unknown role', line({ ...valid, turns: [{ role: 'bot', text: 'hi' }] }), /turns\.0\.role/],
    ['an empty text', line({ ...valid, turns: [{ role: 'prospect', text: '  ' }] }), /turns\.0\.text/],
    ['an unknown field', line({ ...valid, extra: 1 }), /extra/],
    ['a bad id', line({ ...valid, id: 'a b' }), /id: letters/],
  ])('refuses %s, naming the line and the field', (_name, text, message) => {
    expect(() => parseDataset(text, 'd.jsonl')).toThrow(DatasetError);
    expect(() => parseDataset(text, 'd.jsonl')).toThrow(message);
  });

  it('refuses duplicate ids and an empty dataset', () => {
    expect(() => parseDataset(`${line(valid)}\n${line(valid)}`, 'd.jsonl')).toThrow(
      /d\.jsonl:2: duplicate id "c-1"/,
    );
    expect(() => parseDataset('\n', 'd.jsonl')).toThrow(/no conversation/);
  });
});
