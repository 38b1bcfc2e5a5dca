import { main, progressLine, summaryLines } from './export';

describe('export CLI', () => {
  let stderr: jest.SpyInstance;
  beforeEach(() => {
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it.each([
    [[]],
    [['--out', '/tmp/x.jsonl', '--min-groundedness', '1.5']],
    [['--out', '/tmp/x.jsonl', '--feedback', 'maybe']],
    [['--out', '/tmp/x.jsonl', '--since', 'yesterday']],
    [['--out', '/tmp/x.jsonl', '--since', '2025-02-01', '--until', '2025-01-01']],
    [['--out', '/does/not/exist/x.jsonl']],
    [['--out', '/tmp/x.jsonl', '--system-prompt', '/does/not/exist.txt']],
    [['--out', '/tmp/x.jsonl', '--tenant', 'bad/tenant']],
    [['--out', '/tmp/x.jsonl', '--batch-size', '0']],
  ])('rejects invalid options %j with exit code 2 and a message', async (argv) => {
    await expect(main(argv)).resolves.toBe(2);
    const printed = [...stderr.mock.calls, ...(console.error as jest.Mock).mock.calls].flat().join('');
    expect(printed).toMatch(/error/);
  });

  it('shows progress with rate and ETA', () => {
    expect(progressLine({ done: 2500, total: 10_000, exported: 2000, elapsedMs: 5000 })).toBe(
      '[2500/10000 conversations, 25%] 2000 exported, 500 conv/s, ETA 15s',
    );
    expect(progressLine({ done: 0, total: 0, exported: 0, elapsedMs: 0 })).toContain('ETA 0s');
  });

  it('summarises', () => {
    const lines = summaryLines({
      out: '/tmp/x.jsonl',
      total: 10,
      scanned: 10,
      exported: 7,
      skipped: { no_assistant_message: 1, groundedness: 1, feedback: 1, prompt_version: 0 },
      truncated: { groundedness: 2, feedback: 0, prompt_version: 0 },
      messages: { system: 7, user: 20, assistant: 20 },
      redactions: { email: 3, iban: 0, card: 1, ssn: 0, phone: 2, name: 9 },
      crmContactNames: true,
      seconds: 1.25,
    });
    expect(lines).toEqual([
      'exported 7 of 10 conversations scanned to /tmp/x.jsonl in 1.3s',
      'skipped 3: no_assistant_message 1, groundedness 1, feedback 1, prompt_version 0',
      'cut short 2: groundedness 2, feedback 0, prompt_version 0',
      'messages 47: system 7, user 20, assistant 20',
      'redactions: email 3, iban 0, card 1, ssn 0, phone 2, name 9 (CRM contact names included)',
    ]);
  });
});
