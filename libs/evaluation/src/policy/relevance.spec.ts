import { findOffTopic } from './off-topic';
import { relevance } from './relevance';

describe('relevance', () => {
  it('scores an on-topic answer high, listing matched words and covered intents', () => {
    const r = relevance(
      'How much does the Teams plan cost for 20 seats?',
      'The Teams plan costs $450 per month and includes 20 seats.',
    );
    expect(r.intents).toEqual({ asked: ['pricing'], covered: ['pricing'] });
    expect(r.matched).toEqual(expect.arrayContaining(['team', 'plan', 'cost', '20', 'seat']));
    expect(r.score).toBeGreaterThan(0.8);
  });

  it('scores an answer to another question low', () => {
    const r = relevance('Do you integrate with Salesforce?', 'Our pricing starts at $450 per month.');
    expect(r.intents).toEqual({ asked: ['integration'], covered: [] });
    expect(r.score).toBe(0);
    expect(r.missing).toEqual(expect.arrayContaining(['integrate', 'salesforce']));
  });

  it('gives partial credit for half the intents', () => {
    const r = relevance('What is the price and is it GDPR compliant?', 'The price is $450 a month.');
    expect(r.intents).toEqual({ asked: ['pricing', 'security'], covered: ['pricing'] });
    expect(r.score).toBeGreaterThan(0.3);
    expect(r.score).toBeLessThan(0.8);
  });

  it('scores 1 when the message has nothing to answer', () => {
    expect(relevance('ok', 'Great.').score).toBe(1);
  });
});

describe('findOffTopic', () => {
  it('flags an irrelevant reply without sales-domain words', () => {
    expect(findOffTopic('The weather in Paris is lovely this time of year.', 0.05, 0.2)).toEqual([
      expect.objectContaining({ kind: 'off_topic', severity: 'warning' }),
    ]);
  });

  it('does not flag a relevant reply, a sales reply, or a reply of unknown relevance', () => {
    expect(findOffTopic('The weather is lovely.', 0.5, 0.2)).toEqual([]);
    expect(findOffTopic('Our dashboards show retention by cohort.', 0.05, 0.2)).toEqual([]);
    expect(findOffTopic('The weather is lovely.', undefined, 0.2)).toEqual([]);
  });
});
