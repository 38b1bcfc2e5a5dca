import type { PromptTemplate } from '@lib/orchestration';
import { PROMPTS, currentPrompt } from '@lib/orchestration';
import { compareQuery, describePrompt, main, promptListLines } from './prompts';

const prompt = (version: string, system: string, description?: string): PromptTemplate => ({
  ...currentPrompt,
  version,
  system: () => system,
  ...(description && { description }),
});

describe('prompts CLI', () => {
  let errors: jest.SpyInstance;
  beforeEach(() => {
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it.each([
    [[]],
    [['nonsense']],
    [['compare', '--from', 'yesterday']],
    [['compare', '--from', '2025-02-01', '--to', '2025-01-01']],
    [['compare', '--from', '2024-01-01', '--to', '2025-06-01']],
    [['compare', '--tenant', 'bad/tenant']],
    [['compare', '--model', ' ']],
    [['compare', '--colour']],
    [['compare', '--tenant', 't-1', '--by-tenant']],
  ])('rejects %j with exit code 2 before touching the database', async (argv) => {
    await expect(main(argv)).resolves.toBe(2);
  });

  it('names the offending option', async () => {
    await main(['compare', '--from', '2025-02-01', '--to', '2025-01-01']);
    expect(errors.mock.calls.flat().join('')).toMatch(/--from: must be before `to`/);
  });

  it('reads the options as the API query, with its defaults', () => {
    const { tenantId, query } = compareQuery({ tenant: 't-1', to: '2025-03-31', model: 'rules' });
    expect(tenantId).toBe('t-1');
    expect(query).toEqual({
      from: new Date('2025-03-01T00:00:00Z'),
      to: new Date('2025-03-31T00:00:00Z'),
      model: 'rules',
    });
    expect(compareQuery({}).tenantId).toBeUndefined();
  });

  it('lists every known prompt version, the current one marked', () => {
    const lines = promptListLines();
    expect(lines).toHaveLength(Object.keys(PROMPTS).length);
    expect(lines.filter((l) => l.startsWith('*'))).toEqual([expect.stringContaining(currentPrompt.version)]);
    const mine = promptListLines(
      { b: prompt('b', 'You are B. More.'), 'a-long-name': prompt('a-long-name', 'x', 'Described') },
      prompt('b', ''),
    );
    expect(mine).toEqual(['  a-long-name  Described', '* b            You are B.']);
  });

  it('describes a prompt by its description, else its first sentence, cut at 100 characters', () => {
    expect(describePrompt(prompt('v', 'ignored', 'What it is'))).toBe('What it is');
    expect(describePrompt(prompt('v', '  You are a sales assistant.\nRules follow.'))).toBe(
      'You are a sales assistant.',
    );
    expect(describePrompt(prompt('v', 'x'.repeat(150)))).toHaveLength(100);
  });
});
