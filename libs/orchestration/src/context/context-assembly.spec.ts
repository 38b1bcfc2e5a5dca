import type { HistoryTurn } from '../model/language-model';
import type { CrmProfile, KnowledgePassage } from '../model/tool-outcomes';
import {
  assembleContext,
  estimateTokens,
  fitSummary,
  historyTurnTokens,
  summaryLine,
} from './context-assembly';

const turn = (sequence: number, chars = 200, reply?: string): HistoryTurn => ({
  sequence,
  role: sequence % 2 === 1 ? 'prospect' : 'rep',
  text: `Turn ${sequence} says something. ${'x'.repeat(chars)}`,
  ...(reply ? { reply } : {}),
});

const passage = (n: number, chars: number): KnowledgePassage => ({
  sourceId: `kb:doc.md#${n}`,
  toolCallId: '00000000-0000-4000-8000-000000000001',
  title: `Doc ${n}`,
  source: 'doc.md',
  text: 'p'.repeat(chars),
  score: 10 - n,
});

const crm: CrmProfile = {
  sourceId: 'crm:contact:1',
  toolCallId: '00000000-0000-4000-8000-000000000002',
  contactName: 'Jane Doe',
  firstName: 'Jane',
  companyName: 'Acme',
  deals: [],
  activities: [],
};

describe('assembleContext', () => {
  it('keeps everything when it fits, and reports the tokens used', () => {
    const history = [turn(1, 40, 'We offer annual plans.'), turn(2, 40)];
    const out = assembleContext({
      budgetTokens: 2000,
      maxHistoryTurns: 10,
      message: 'What about SOC 2?',
      history,
      crm,
      knowledge: [passage(1, 400)],
    });
    expect(out.history).toEqual(history);
    expect(out.summary).toBeUndefined();
    expect(out.summaryChanged).toBe(false);
    expect(out.crm).toBe(crm);
    expect(out.knowledge).toHaveLength(1);
    expect(out.estimatedTokens).toBeGreaterThan(estimateTokens('What about SOC 2?') + 100);
    expect(out.estimatedTokens).toBeLessThanOrEqual(2000);
  });

  it('keeps the most recent turns and folds the older ones into a new summary, within the budget', () => {
    const history = Array.from({ length: 12 }, (_v, i) =>
      turn(i + 1, 300, i % 2 === 0 ? 'Sure, here it is.' : undefined),
    );
    const budgetTokens = 1200;
    const out = assembleContext({
      budgetTokens,
      maxHistoryTurns: 10,
      message: 'And the price?',
      history,
      crm,
      knowledge: [passage(1, 3000), passage(2, 200)],
    });
    const kept = out.history.map((h) => h.sequence);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(12);
    // Recent, contiguous, ending with the latest turn.
    expect(kept).toEqual(Array.from({ length: kept.length }, (_v, i) => 12 - kept.length + 1 + i));
    const historyTokens = out.history.reduce((s, h) => s + historyTurnTokens(h), 0);
    expect(historyTokens).toBeLessThanOrEqual(
      Math.floor((budgetTokens - estimateTokens('And the price?')) / 2),
    );
    expect(out.summaryChanged).toBe(true);
    expect(out.summary?.coversUpToSequence).toBe(kept[0] - 1);
    expect(out.summary?.text).toContain(`#${kept[0] - 1} `);
    expect(out.estimatedTokens).toBeLessThanOrEqual(budgetTokens);
    // What is left goes to the CRM, then to passages that fit (the big one does not, the small one does).
    expect(out.crm).toBe(crm);
    expect(out.knowledge.map((p) => p.sourceId)).toEqual(['kb:doc.md#2']);
  });

  it('caps the verbatim history at maxHistoryTurns even when the budget would allow more', () => {
    const history = Array.from({ length: 6 }, (_v, i) => turn(i + 1, 10));
    const out = assembleContext({
      budgetTokens: 100_000,
      maxHistoryTurns: 3,
      message: 'hi',
      history,
      knowledge: [],
    });
    expect(out.history.map((h) => h.sequence)).toEqual([4, 5, 6]);
    expect(out.summary?.coversUpToSequence).toBe(3);
    expect(out.summary?.text.split('\n')).toEqual([
      summaryLine(history[0]),
      summaryLine(history[1]),
      summaryLine(history[2]),
    ]);
  });

  it('reuses a stored summary unchanged when the new turns fit, and extends it when they do not', () => {
    const stored = { coversUpToSequence: 3, text: '#1 Prospect: Hi.\n#2 Rep: Hello.\n#3 Prospect: Price?' };
    const reused = assembleContext({
      budgetTokens: 100_000,
      maxHistoryTurns: 3,
      message: 'ok',
      history: [turn(4, 10), turn(5, 10)],
      summary: stored,
      knowledge: [],
    });
    expect(reused.summary).toEqual(stored);
    expect(reused.summaryChanged).toBe(false);
    expect(reused.history.map((h) => h.sequence)).toEqual([4, 5]);

    const extended = assembleContext({
      budgetTokens: 100_000,
      maxHistoryTurns: 3,
      message: 'ok',
      history: [turn(4, 10), turn(5, 10), turn(6, 10), turn(7, 10)],
      summary: stored,
      knowledge: [],
    });
    expect(extended.summaryChanged).toBe(true);
    expect(extended.summary).toEqual({
      coversUpToSequence: 4,
      text: `${stored.text}\n${summaryLine(turn(4, 10))}`,
    });
    expect(extended.history.map((h) => h.sequence)).toEqual([5, 6, 7]);
  });

  it('always keeps the message, even when it alone is over the budget', () => {
    const message = 'm'.repeat(4000);
    const out = assembleContext({
      budgetTokens: 500,
      maxHistoryTurns: 5,
      message,
      history: [turn(1)],
      crm,
      knowledge: [passage(1, 10)],
    });
    expect(out.history).toEqual([]);
    expect(out.crm).toBeUndefined();
    expect(out.knowledge).toEqual([]);
    expect(out.estimatedTokens).toBe(estimateTokens(message));
  });
});

describe('the extractive summary', () => {
  it('is one line per turn with the first sentence of the turn and of the reply', () => {
    expect(
      summaryLine({
        sequence: 4,
        role: 'prospect',
        text: 'Is SSO included? We need Okta.',
        reply: 'Yes. SSO is in Enterprise.',
      }),
    ).toBe('#4 Prospect: Is SSO included? / Assistant: Yes.');
  });

  it('drops its oldest lines to fit, marking that it did', () => {
    const lines = Array.from(
      { length: 20 },
      (_v, i) => `#${i + 1} Rep: line number ${i + 1} of the summary.`,
    );
    const text = fitSummary(lines, 40);
    expect(estimateTokens(text)).toBeLessThanOrEqual(40);
    expect(text.startsWith('(earlier turns omitted)\n')).toBe(true);
    expect(text.endsWith(lines[19])).toBe(true);
    expect(fitSummary(lines.slice(0, 2), 1000)).toBe(lines.slice(0, 2).join('\n'));
  });
});
