import { replyLatencyMs } from './reply-latency';

const reply = (turnReceivedAt: string, generatedAt: string) => ({
  generatedAt,
  timing: { turnReceivedAt, orchestrationStartedAt: turnReceivedAt, toolsMs: 0, generationMs: 0 },
});

describe('replyLatencyMs', () => {
  it('is the time from the turn to the reply, in whole milliseconds', () => {
    expect(replyLatencyMs(reply('2025-01-15T10:00:00.000Z', '2025-01-15T10:00:01.250Z'))).toBe(1250);
  });

  it('compares instants, whatever the offsets the times are written with', () => {
    expect(replyLatencyMs(reply('2025-01-15T11:00:00+01:00', '2025-01-15T10:00:02Z'))).toBe(2000);
  });

  it('reads clock skew (a reply before its turn) as 0', () => {
    expect(replyLatencyMs(reply('2025-01-15T10:00:01Z', '2025-01-15T10:00:00.500Z'))).toBe(0);
  });

  it('stays within the range of a PostgreSQL integer', () => {
    expect(replyLatencyMs(reply('2000-01-01T00:00:00Z', '2025-01-15T10:00:00Z'))).toBe(2_147_483_647);
  });
});
