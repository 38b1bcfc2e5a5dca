import { ConversationLock } from './conversation-lock';

describe('ConversationLock', () => {
  it('names the schema’s tombstone table', () => {
    expect(new ConversationLock('evaluator', 0x5e7d3).tombstoneTable).toBe(
      '"evaluator"."deleted_conversations"',
    );
  });

  it('refuses a schema name that is not a plain identifier (it is put into SQL)', () => {
    expect(() => new ConversationLock('x"; DROP TABLE y; --', 1)).toThrow(/invalid schema name/);
    expect(() => new ConversationLock('', 1)).toThrow(/invalid schema name/);
  });

  it('refuses a lock class outside PostgreSQL’s int4', () => {
    expect(() => new ConversationLock('s', 2 ** 31)).toThrow(/32-bit integer/);
    expect(() => new ConversationLock('s', 1.5)).toThrow(/32-bit integer/);
  });
});
