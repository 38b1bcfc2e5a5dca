import { Analysis, DealStage, ProspectRef } from '@lib/contracts';
import { FUNNEL_STAGES } from '../analytics.schema';
import { ExpectedAnalytics } from './expected';
import {
  checkSeedOptions,
  DAY_MS,
  funnelRank,
  generateConversation,
  generateConversations,
  isStageAdvance,
  seedConversationId,
  type SeedConversation,
  type SeedOptions,
} from './generator';
import { Prng } from './prng';

const OPTIONS: SeedOptions = {
  tenantId: 'tenant-unit',
  conversations: 400,
  seed: 42,
  reps: 5,
  days: 14,
  until: new Date('2025-03-03T00:00:00Z'),
};

describe('Prng', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const draw = (seed: string) => {
      const rng = new Prng(seed);
      return Array.from({ length: 5 }, () => rng.nextUint32());
    };
    expect(draw('a|1')).toEqual(draw('a|1'));
    expect(draw('a|1')).not.toEqual(draw('a|2'));
  });

  it('draws in range, picks by weight and makes version-4 layout uuids', () => {
    const rng = new Prng('range');
    const ints = Array.from({ length: 2000 }, () => rng.int(3, 7));
    expect(Math.min(...ints)).toBe(3);
    expect(Math.max(...ints)).toBe(7);
    const picks = Array.from({ length: 4000 }, () => rng.weighted({ a: 3, b: 1, c: 0 }));
    expect(picks).not.toContain('c');
    const share = picks.filter((p) => p === 'a').length / picks.length;
    expect(share).toBeGreaterThan(0.7);
    expect(share).toBeLessThan(0.8);
    expect(rng.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('generateConversation', () => {
  const all: SeedConversation[] = [...generateConversations(OPTIONS)];

  it('is deterministic: same options, same conversation; conversation i does not depend on the total', () => {
    expect(generateConversation(OPTIONS, 17)).toEqual(all[17]);
    expect(generateConversation({ ...OPTIONS, conversations: 5 }, 3)).toEqual(all[3]);
    expect(generateConversation({ ...OPTIONS, seed: 43 }, 17)).not.toEqual(all[17]);
    expect(all[0].id).toBe(seedConversationId(OPTIONS.tenantId, OPTIONS.seed, 0));
    expect(generateConversation({ ...OPTIONS, tenantId: 'other' }, 0).id).not.toBe(all[0].id);
  });

  it('keeps every fact of a conversation on the UTC day it started, inside the period', () => {
    const first = OPTIONS.until.getTime() - OPTIONS.days * DAY_MS;
    for (const c of all) {
      const day = Math.floor(c.startedAt.getTime() / DAY_MS);
      expect(c.startedAt.getTime()).toBeGreaterThanOrEqual(first);
      expect(c.startedAt.getTime()).toBeLessThan(OPTIONS.until.getTime());
      const times = [
        c.updatedAt,
        ...c.turns.map((t) => t.receivedAt),
        ...c.analyses.map((a) => a.completedAt),
        ...c.replies.map((r) => r.generatedAt),
        ...c.evaluations.map((e) => e.evaluatedAt),
        ...c.feedback.map((f) => f.submittedAt),
      ];
      for (const time of times) {
        expect(Math.floor(time.getTime() / DAY_MS)).toBe(day);
        expect(time.getTime()).toBeGreaterThanOrEqual(c.startedAt.getTime());
        expect(time.getTime()).toBeLessThanOrEqual(c.updatedAt.getTime());
      }
    }
  });

  it('makes records the contracts accept, with one analysis per turn and a reply per prospect turn', () => {
    for (const c of all) {
      expect(ProspectRef.safeParse(c.prospect).success).toBe(true);
      expect(c.turns.map((t) => t.sequence)).toEqual(c.turns.map((_, i) => i + 1));
      expect(c.analyses.map((a) => a.turnId)).toEqual(c.turns.map((t) => t.id));
      const prospectTurns = c.turns.filter((t) => t.role === 'prospect').map((t) => t.id);
      expect(c.replies.map((r) => r.turnId)).toEqual(prospectTurns);
      expect(c.replies.every((r) => r.kind === (c.mode === 'assist' ? 'suggestion' : 'reply'))).toBe(true);
      expect(c.evaluations.map((e) => e.replyId)).toEqual(c.replies.map((r) => r.id));
      if (c.mode === 'autonomous') expect(c.turns.every((t) => t.role === 'prospect')).toBe(true);
      for (const a of c.analyses) {
        const analysis = {
          intents: a.intents,
          sentiment: { label: a.sentimentLabel, score: a.sentimentHundredths / 100 },
          entities: a.entities.map((e) => (e.value === null ? { type: e.type, text: e.text } : e)),
          objections: a.objections.map(({ type, evidence }) => ({ type, evidence })),
          buyingSignals: a.buyingSignals,
          stage: a.stage,
        };
        expect(Analysis.safeParse(analysis).error).toBeUndefined();
        expect(new Set(a.intents.map((i) => i.name)).size).toBe(a.intents.length);
      }
    }
  });

  it('redacts personal data in the redacted text and counts words and tokens', () => {
    const withPii = all.flatMap((c) => c.turns).filter((t) => t.text !== t.redactedText);
    expect(withPii.length).toBeGreaterThan(10);
    for (const turn of withPii) {
      expect(turn.redactedText).toMatch(/\[(EMAIL|PHONE|NAME)\]/);
      expect(turn.redactedText).not.toMatch(/@|\+1 415/);
    }
    const turn = all[0].turns[0];
    expect(turn.tokenCount).toBe(Math.ceil(turn.text.length / 4));
    expect(turn.wordCount).toBe(turn.text.match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu)?.length ?? 0);
  });

  it('records a stage transition wherever the stage changes, and the last one is the current stage', () => {
    for (const c of all) {
      const stages: (DealStage | null)[] = [null, ...c.analyses.map((a) => a.stage)];
      const changes = c.analyses.filter((a, i) => a.stage !== stages[i]).map((a) => a.turnId);
      expect(c.transitions.map((t) => t.turnId)).toEqual(changes);
      expect(c.transitions[0].fromStage).toBeNull();
      expect(c.transitions.at(-1)?.toStage).toBe(c.stage);
      c.transitions.slice(1).forEach((t, i) => expect(t.fromStage).toBe(c.transitions[i].toStage));
    }
    // Every stage is reached by some conversation, some skip stages, some slip back, some are lost.
    const reached = new Set(all.flatMap((c) => c.transitions.map((t) => t.toStage)));
    expect([...reached].sort()).toEqual([...DealStage.options].sort());
    const skips = all.some((c) =>
      c.transitions.some((t) => (funnelRank(t.toStage) ?? 0) - (funnelRank(t.fromStage) ?? -1) > 1),
    );
    expect(skips).toBe(true);
    expect(
      all.some((c) =>
        c.transitions.some(
          (t) => t.fromStage && !isStageAdvance(t.fromStage, t.toStage) && t.toStage !== 'closed_lost',
        ),
      ),
    ).toBe(true);
  });

  it('marks objections handled by the record’s rule', () => {
    let handled = 0;
    let open = 0;
    for (const c of all) {
      c.analyses.forEach((raised, n) => {
        for (const objection of raised.objections) {
          const later = c.analyses.filter((_, m) => m > n && c.turns[m].role === 'prospect');
          const expected = later.some(
            (m) =>
              (m.sentimentLabel !== 'negative' && !m.objections.some((o) => o.type === objection.type)) ||
              (funnelRank(m.stage) ?? -1) > (funnelRank(raised.stage) ?? -1),
          );
          expect(objection.handled).toBe(expected);
          if (objection.handled) handled++;
          else open++;
        }
      });
    }
    expect(handled).toBeGreaterThan(0);
    expect(open).toBeGreaterThan(0);
  });

  it('uses suggestions in assist mode: accepted as is, edited, or not at all', () => {
    const repTurns = all
      .filter((c) => c.mode === 'assist')
      .flatMap((c) => c.turns.filter((t) => t.role === 'rep'));
    const suggestions = new Map(all.flatMap((c) => c.replies).map((r) => [r.id, r]));
    const accepted = repTurns.filter((t) => t.suggestionDisposition === 'accepted');
    const edited = repTurns.filter((t) => t.suggestionDisposition === 'edited');
    expect(accepted.length).toBeGreaterThan(0);
    expect(edited.length).toBeGreaterThan(0);
    expect(repTurns.some((t) => t.suggestionDisposition === null && t.suggestionReplyId === null)).toBe(true);
    for (const t of accepted) expect(t.text).toBe(suggestions.get(t.suggestionReplyId ?? '')?.text);
    for (const t of edited) expect(t.text).not.toBe(suggestions.get(t.suggestionReplyId ?? '')?.text);
  });
});

describe('ExpectedAnalytics', () => {
  const expected = new ExpectedAnalytics();
  const all = [...generateConversations(OPTIONS)];
  all.forEach((c) => expected.add(c));
  const whole = { from: new Date(OPTIONS.until.getTime() - OPTIONS.days * DAY_MS), to: OPTIONS.until };

  /** The analyses of the prospect's turns: the rep's own turns are analysed too, but not counted. */
  const prospectAnalyses = (c: (typeof all)[number]) =>
    c.analyses.filter((a) => c.turns.find((t) => t.id === a.turnId)?.role === 'prospect');

  it('counts intents, objections and the funnel as the conversations say', () => {
    const intents = expected.intents(OPTIONS.tenantId, whole);
    const mentions = all.flatMap((c) => prospectAnalyses(c).flatMap((a) => a.intents));
    expect(intents.totalMentions).toBe(mentions.length);
    const pricing = intents.items.find((i) => i.intent === 'pricing_inquiry');
    expect(pricing?.count).toBe(mentions.filter((m) => m.name === 'pricing_inquiry').length);
    expect(pricing?.conversations).toBe(
      all.filter((c) => prospectAnalyses(c).some((a) => a.intents.some((i) => i.name === 'pricing_inquiry')))
        .length,
    );
    expect(intents.items.map((i) => i.count)).toEqual(
      [...intents.items.map((i) => i.count)].sort((a, b) => b - a),
    );

    const funnel = expected.funnel(OPTIONS.tenantId, whole);
    expect(funnel.conversations).toBe(OPTIONS.conversations);
    expect(funnel.stages.map((s) => s.stage)).toEqual([...FUNNEL_STAGES]);
    const reached = funnel.stages.map((s) => s.reached);
    expect(reached).toEqual([...reached].sort((a, b) => b - a));
    expect(funnel.closedLost.reached).toBe(all.filter((c) => c.stage === 'closed_lost').length);
  });

  it('leaves the analyses of rep turns out of intents and sentiment (assist mode)', () => {
    const repAnalyses = all.flatMap((c) => c.analyses.filter((a) => !prospectAnalyses(c).includes(a)));
    // The generator analyses the rep's turns too, with intents and a sentiment: they exist, and are left out.
    expect(repAnalyses.length).toBeGreaterThan(0);
    expect(repAnalyses.every((a) => a.intents.length > 0)).toBe(true);
    const trend = expected.sentiment(OPTIONS.tenantId, whole, 'week');
    const counted = trend.points.reduce((n, p) => n + p.analyses, 0);
    expect(counted).toBe(all.reduce((n, c) => n + prospectAnalyses(c).length, 0));
  });

  it('restricts to the range and the rep, and needs whole days', () => {
    const lastWeek = { from: new Date(OPTIONS.until.getTime() - 7 * DAY_MS), to: OPTIONS.until };
    const inRange = all.filter((c) => c.startedAt >= lastWeek.from);
    expect(expected.funnel(OPTIONS.tenantId, lastWeek).conversations).toBe(inRange.length);
    const rep = expected.funnel(OPTIONS.tenantId, { ...lastWeek, repId: 'rep-02' });
    expect(rep.conversations).toBe(inRange.filter((c) => c.repId === 'rep-02').length);
    expect(expected.funnel('another-tenant', whole).conversations).toBe(0);
    expect(() =>
      expected.intents(OPTIONS.tenantId, { from: new Date('2025-03-01T12:00:00Z'), to: OPTIONS.until }),
    ).toThrow(/whole UTC days/);
  });
});

describe('checkSeedOptions', () => {
  it('names every bad option', () => {
    expect(() =>
      checkSeedOptions({ ...OPTIONS, conversations: 0, reps: 100, until: new Date('2025-03-03T01:00:00Z') }),
    ).toThrow(/--conversations.*--reps.*--until/);
    expect(() => checkSeedOptions(OPTIONS)).not.toThrow();
  });
});
