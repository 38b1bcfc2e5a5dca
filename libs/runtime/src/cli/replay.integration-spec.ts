import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@lib/testing';
import type { ReplayReport } from '@lib/replay';
import { repoRoot } from '../paths';
import { main, type ReplayIo } from './replay';

const DATASET = join(repoRoot(), 'data/replay/sales-conversations.jsonl');

describe('replay command (real PostgreSQL, the shipped dataset, offline model)', () => {
  let database: TestDatabase;
  let dir: string;
  let io: ReplayIo & { stdout: string[]; stderr: string[] };

  beforeAll(async () => {
    database = await createTestDatabase('replay');
    dir = await mkdtemp(join(tmpdir(), 'replay-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await database.drop();
  });

  beforeEach(() => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    io = {
      env: { ...process.env, REPLAY_DATABASE_URL: database.url, ANTHROPIC_API_KEY: '' },
      out: (text) => stdout.push(text),
      err: (text) => stderr.push(text),
      stdout,
      stderr,
    };
  });

  it('runs the baseline, writes the report and the Markdown summary', async () => {
    const out = join(dir, 'baseline.json');
    const markdown = join(dir, 'baseline.md');
    const code = await main(
      [
        'run',
        '--dataset',
        DATASET,
        '--prompt-version',
        'sales-assistant-v1',
        '--out',
        out,
        '--markdown',
        markdown,
      ],
      io,
    );
    expect(io.stderr.join('')).toContain('12/12 conversations');
    expect(code).toBe(0);
    const report = JSON.parse(await readFile(out, 'utf8')) as ReplayReport;
    expect(report.conversations).toHaveLength(12);
    expect(report.model).toMatchObject({ provider: 'offline', promptVersion: 'sales-assistant-v1' });
    expect(report.overall.turns).toBe(29);
    expect(report.overall.failures).toBe(0);
    // The offline writer quotes and cites retrieved passages: grounded, valid citations, valid schema.
    expect(report.overall.groundednessMean).toBeGreaterThan(0.9);
    expect(report.overall.citationValidityMean).toBe(1);
    expect(report.overall.schemaValidityRate).toBe(1);
    const cited = report.conversations
      .flatMap((c) => c.turns)
      .filter((t) => t.citations.some((s) => s.startsWith('kb:')));
    expect(cited.length).toBeGreaterThan(10);
    expect(await readFile(markdown, 'utf8')).toContain('# Replay report: sales-assistant-v1');
    expect(io.stdout.join('')).toMatch(
      /sales-assistant-v1 \(offline offline-rules-v1\): 12 conversations, 29 turns/,
    );
  });

  it('gate: the baseline passes against itself (as a report file), the no-citation prompt fails', async () => {
    const baseline = join(dir, 'baseline.json'); // written by the first test
    expect(
      await main(
        ['gate', '--dataset', DATASET, '--baseline', baseline, '--candidate', 'sales-assistant-v1'],
        io,
      ),
    ).toBe(0);
    expect(io.stdout.join('')).toContain('gate passed');

    const worse = { ...io, stdout: [] as string[] };
    worse.out = (text) => worse.stdout.push(text);
    const code = await main(
      [
        'gate',
        '--dataset',
        DATASET,
        '--baseline',
        'sales-assistant-v1',
        '--candidate',
        'sales-assistant-v1-nocite',
      ],
      worse,
    );
    expect(code).toBe(1);
    const printed = worse.stdout.join('');
    expect(printed).toMatch(
      /FAIL schemaValidityRate: baseline 1, candidate 0\.\d+, worse by 0\.\d+, allowed 0\.05/,
    );
    expect(printed).toContain('gate FAILED');
  });

  it('bad input exits 2 with a message naming it', async () => {
    const broken = join(dir, 'broken.jsonl');
    await writeFile(broken, '{"id":"x","conversation":{"mode":"autonomous","prospect":{}},"turns":[]}\n');
    expect(await main(['run', '--dataset', broken, '--prompt-version', 'sales-assistant-v1'], io)).toBe(2);
    expect(io.stderr.join('')).toMatch(
      /broken\.jsonl:1: conversation\.prospect: .*turns: needs at least one prospect turn/,
    );
    expect(await main(['run', '--dataset', DATASET, '--prompt-version', 'nope'], io)).toBe(2);
    expect(io.stderr.join('')).toContain('unknown prompt version "nope"');
    expect(await main(['gate', '--dataset', DATASET, '--candidate', 'sales-assistant-v1'], io)).toBe(2);
    expect(
      await main(
        ['run', '--dataset', DATASET, '--prompt-version', 'sales-assistant-v1', '--model', 'claude'],
        io,
      ),
    ).toBe(2);
    expect(io.stderr.join('')).toContain('--model claude needs ANTHROPIC_API_KEY');
  });
});
