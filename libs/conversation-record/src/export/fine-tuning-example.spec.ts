import { NameList } from '@lib/privacy';
import {
  buildFineTuningExample,
  feedbackVerdict,
  personName,
  type ExampleFilters,
  type ExampleOutcome,
  type ExportConversation,
  type ExportFeedback,
  type ExportTurn,
  type FineTuningExample,
} from './fine-tuning-example';

const SYSTEM = 'You are a sales assistant.';
const ANY: ExampleFilters = { feedback: 'any' };

const turnId = (sequence: number): string => `turn-${sequence}`;
const replyId = (sequence: number): string => `reply-${sequence}`;

const prospect = (sequence: number, text: string): ExportTurn => ({
  id: turnId(sequence),
  sequence,
  role: 'prospect',
  text,
});
const rep = (sequence: number, text: string): ExportTurn => ({
  id: turnId(sequence),
  sequence,
  role: 'rep',
  text,
});

function conversation(overrides: Partial<ExportConversation> = {}): ExportConversation {
  return {
    id: 'conv-1',
    tenantId: 'acme',
    mode: 'autonomous',
    prospectName: null,
    turns: [],
    replies: [],
    evaluations: [],
    feedback: [],
    personNames: [],
    ...overrides,
  };
}

/** Replies for the given prospect turns, each evaluated with the given groundedness (prompt v1). */
function replies(
  kind: 'reply' | 'suggestion',
  answers: Record<number, [text: string, groundedness?: number]>,
) {
  const entries = Object.entries(answers).map(([seq, [text, groundedness]]) => ({
    seq: Number(seq),
    text,
    groundedness,
  }));
  return {
    replies: entries.map((e) => ({
      id: replyId(e.seq),
      turnId: turnId(e.seq),
      kind,
      text: e.text,
      promptVersion: 'v1',
    })),
    evaluations: entries
      .filter((e) => e.groundedness !== undefined)
      .map((e) => ({ replyId: replyId(e.seq), groundedness: e.groundedness as number, promptVersion: 'v1' })),
  };
}

const build = (c: ExportConversation, filters: ExampleFilters = ANY, systemPrompt = SYSTEM): ExampleOutcome =>
  buildFineTuningExample(c, { filters, systemPrompt });

function exampleOf(outcome: ExampleOutcome): FineTuningExample {
  if (outcome.kind !== 'example') throw new Error(`skipped: ${outcome.reason}`);
  return outcome.example;
}

const pairs = (example: FineTuningExample): string[] =>
  example.messages.map((m) => `${m.role}: ${m.content}`);

const autonomous = conversation({
  turns: [
    prospect(1, 'Hi, we need SSO for 200 users. What does it cost?'),
    prospect(3, 'Do you offer a trial?'),
    prospect(5, 'Can we pay yearly?'),
  ],
  ...replies('reply', {
    1: ['SSO is included in the Enterprise plan.', 0.95],
    3: ['Yes, a 30-day trial.', 0.6],
    5: ['Yes, yearly billing is available.', 0.9],
  }),
});

describe('buildFineTuningExample: mapping', () => {
  it('maps prospect turns to user messages and replies to assistant messages, after the system prompt', () => {
    const example = exampleOf(build(autonomous));
    expect(pairs(example)).toEqual([
      `system: ${SYSTEM}`,
      'user: Hi, we need SSO for 200 users. What does it cost?',
      'assistant: SSO is included in the Enterprise plan.',
      'user: Do you offer a trial?',
      'assistant: Yes, a 30-day trial.',
      'user: Can we pay yearly?',
      'assistant: Yes, yearly billing is available.',
    ]);
    expect(example.metadata).toEqual({
      conversationId: 'conv-1',
      tenantId: 'acme',
      mode: 'autonomous',
      promptVersions: ['v1'],
      turns: 3,
    });
  });

  it('orders turns by sequence and writes no system message when the prompt is empty', () => {
    const shuffled = conversation({ ...autonomous, turns: [...autonomous.turns].reverse() });
    const example = exampleOf(build(shuffled, ANY, ''));
    expect(example.messages[0]).toEqual({ role: 'user', content: autonomous.turns[0]?.text });
    expect(example.messages).toHaveLength(6);
  });

  it('in assist mode prefers what the rep sent after the suggestion, and the suggestion when the rep sent nothing', () => {
    const assist = conversation({
      mode: 'assist',
      turns: [
        prospect(1, 'What integrations do you have?'),
        rep(2, 'We integrate with Salesforce and HubSpot.'),
        rep(3, 'And Slack, too.'),
        prospect(4, 'Great. Is there an API?'),
        prospect(6, 'Thanks!'),
        rep(7, 'You are welcome.'),
      ],
      ...replies('suggestion', {
        1: ['Suggest: mention the CRM integrations.'],
        4: ['Yes, a REST API with webhooks.'],
        6: ['Suggest: thank them.'],
      }),
    });
    expect(pairs(exampleOf(build(assist))).slice(1)).toEqual([
      'user: What integrations do you have?',
      'assistant: We integrate with Salesforce and HubSpot.\n\nAnd Slack, too.',
      'user: Great. Is there an API?',
      'assistant: Yes, a REST API with webhooks.',
      'user: Thanks!',
      'assistant: You are welcome.',
    ]);
  });

  it('in autonomous mode keeps the reply and appends what a rep added', () => {
    const c = conversation({
      turns: [prospect(1, 'Is there a discount for nonprofits?'), rep(2, 'I can add 10% on top.')],
      ...replies('reply', { 1: ['Yes, 20% for registered nonprofits.'] }),
    });
    expect(pairs(exampleOf(build(c)))[2]).toBe(
      'assistant: Yes, 20% for registered nonprofits.\n\nI can add 10% on top.',
    );
  });

  it('without a stored reply the mode decides; the rep opener is kept; unanswered turns join the next one', () => {
    const c = conversation({
      mode: 'assist',
      turns: [
        rep(1, 'Hi, thanks for your interest in our analytics suite.'),
        prospect(2, 'Hello.'),
        prospect(3, 'We are evaluating vendors.'),
        rep(4, 'Happy to help, what matters most to you?'),
      ],
    });
    const example = exampleOf(build(c));
    expect(pairs(example).slice(1)).toEqual([
      'assistant: Hi, thanks for your interest in our analytics suite.',
      'user: Hello.\n\nWe are evaluating vendors.',
      'assistant: Happy to help, what matters most to you?',
    ]);
    expect(example.metadata.turns).toBe(4);
    expect(example.metadata.promptVersions).toEqual([]);
  });

  it('skips conversations without any answer (an opener alone is not an answer)', () => {
    expect(build(conversation())).toEqual({ kind: 'skipped', reason: 'no_assistant_message' });
    expect(build(conversation({ turns: [prospect(1, 'Hello?')] }))).toEqual({
      kind: 'skipped',
      reason: 'no_assistant_message',
    });
    expect(build(conversation({ mode: 'assist', turns: [rep(1, 'Hi there'), prospect(2, 'Hi')] }))).toEqual({
      kind: 'skipped',
      reason: 'no_assistant_message',
    });
  });

  it('drops trailing user messages', () => {
    const c = conversation({ ...autonomous, turns: [...autonomous.turns, prospect(7, 'One more thing...')] });
    const example = exampleOf(build(c));
    expect(example.messages[example.messages.length - 1]?.role).toBe('assistant');
    expect(example.metadata.turns).toBe(3);
  });
});

describe('buildFineTuningExample: filters', () => {
  it('ends the example before the first answer below the groundedness threshold', () => {
    const outcome = build(autonomous, { feedback: 'any', minGroundedness: 0.8 });
    expect(outcome.kind === 'example' && outcome.truncatedBy).toBe('groundedness');
    const example = exampleOf(outcome);
    expect(pairs(example).slice(1)).toEqual([
      'user: Hi, we need SSO for 200 users. What does it cost?',
      'assistant: SSO is included in the Enterprise plan.',
    ]);
    expect(example.metadata.turns).toBe(1);
    expect(exampleOf(build(autonomous, { feedback: 'any', minGroundedness: 0.6 })).messages).toHaveLength(7);
  });

  it('skips the conversation when its first answer fails, and treats a missing evaluation as failing', () => {
    expect(build(autonomous, { feedback: 'any', minGroundedness: 0.99 })).toEqual({
      kind: 'skipped',
      reason: 'groundedness',
    });
    const unevaluated = conversation({ ...autonomous, evaluations: [] });
    expect(build(unevaluated, { feedback: 'any', minGroundedness: 0 })).toEqual({
      kind: 'skipped',
      reason: 'groundedness',
    });
  });

  it('judges the turn, also when the rep text replaced the suggestion', () => {
    const c = conversation({
      mode: 'assist',
      turns: [prospect(1, 'Price?'), rep(2, 'It is $49 per seat.')],
      ...replies('suggestion', { 1: ['It is $39 per seat.', 0.4] }),
    });
    expect(build(c, { feedback: 'any', minGroundedness: 0.5 })).toEqual({
      kind: 'skipped',
      reason: 'groundedness',
    });
  });

  const withFeedback = (feedback: Omit<ExportFeedback, 'turnId'>[], sequence = 3): ExportConversation =>
    conversation({ ...autonomous, feedback: feedback.map((f) => ({ turnId: turnId(sequence), ...f })) });

  it('not-negative: ends before an answer with negative feedback (thumbs down or rating 1-2)', () => {
    for (const negative of [
      { thumbs: 'down' as const, rating: null },
      { thumbs: null, rating: 2 },
    ]) {
      const outcome = build(withFeedback([negative]), { feedback: 'not-negative' });
      expect(outcome.kind === 'example' && outcome.truncatedBy).toBe('feedback');
      expect(exampleOf(outcome).messages).toHaveLength(3);
    }
    expect(
      exampleOf(build(withFeedback([{ thumbs: null, rating: 3 }]), { feedback: 'not-negative' })).messages,
    ).toHaveLength(7);
  });

  it('positive: every answer needs positive feedback', () => {
    const allPositive = conversation({
      ...autonomous,
      feedback: [
        { turnId: turnId(1), thumbs: 'up', rating: null },
        { turnId: turnId(3), thumbs: null, rating: 5 },
        { turnId: turnId(5), thumbs: 'up', rating: 4 },
      ],
    });
    expect(exampleOf(build(allPositive, { feedback: 'positive' })).messages).toHaveLength(7);
    expect(build(withFeedback([{ thumbs: 'up', rating: null }]), { feedback: 'positive' })).toEqual({
      kind: 'skipped',
      reason: 'feedback',
    });
    const mixed = conversation({
      ...allPositive,
      feedback: [...allPositive.feedback, { turnId: turnId(5), thumbs: 'down', rating: null }],
    });
    const outcome = build(mixed, { feedback: 'positive' });
    expect(outcome.kind === 'example' && outcome.truncatedBy).toBe('feedback');
    expect(exampleOf(outcome).messages).toHaveLength(5);
  });

  it('any: ignores feedback', () => {
    expect(exampleOf(build(withFeedback([{ thumbs: 'down', rating: 1 }], 1))).messages).toHaveLength(7);
  });

  it('keeps only answers of the given prompt version', () => {
    const c = conversation({
      ...autonomous,
      replies: autonomous.replies.map((r) => (r.turnId === turnId(5) ? { ...r, promptVersion: 'v2' } : r)),
    });
    const outcome = build(c, { feedback: 'any', promptVersion: 'v1' });
    expect(outcome.kind === 'example' && outcome.truncatedBy).toBe('prompt_version');
    expect(exampleOf(outcome).metadata.promptVersions).toEqual(['v1']);
    expect(exampleOf(build(c)).metadata.promptVersions).toEqual(['v1', 'v2']);
    expect(build(c, { feedback: 'any', promptVersion: 'v3' })).toEqual({
      kind: 'skipped',
      reason: 'prompt_version',
    });
  });

  it('classifies feedback', () => {
    expect(feedbackVerdict([])).toBe('none');
    expect(feedbackVerdict([{ turnId: 't', thumbs: null, rating: 3 }])).toBe('none');
    expect(feedbackVerdict([{ turnId: 't', thumbs: 'up', rating: 1 }])).toBe('negative');
    expect(feedbackVerdict([{ turnId: 't', thumbs: null, rating: 4 }])).toBe('positive');
  });
});

describe('buildFineTuningExample: redaction', () => {
  const c = conversation({
    prospectName: 'Crystal Minh',
    personNames: ['my manager Tom Baker'],
    turns: [
      prospect(1, "Hi, I'm Crystal Minh, cminh730@email.com, (977) 625-2661. My manager Tom Baker signs."),
      prospect(3, 'Ada from finance will pay with card 4111 1111 1111 1111.'),
    ],
    ...replies('reply', {
      1: ['Thanks Crystal! I will send the quote to cminh730@email.com and call +1 415 555 0100.'],
      3: ['Perfect, Ada can also wire to DE89 3704 0044 0532 0130 00. Budget noted: $50,000 for 2025.'],
    }),
  });

  it('redacts every message with the prospect, analysis and tenant names, and counts', () => {
    const outcome = buildFineTuningExample(c, {
      filters: ANY,
      systemPrompt: SYSTEM,
      tenantNames: NameList.of(['Ada Lovelace']),
    });
    if (outcome.kind !== 'example') throw new Error('skipped');
    expect(pairs(outcome.example).slice(1)).toEqual([
      "user: Hi, I'm [NAME], [EMAIL], [PHONE]. My manager [NAME] signs.",
      'assistant: Thanks [NAME]! I will send the quote to [EMAIL] and call [PHONE].',
      'user: [NAME] from finance will pay with card [CARD].',
      'assistant: Perfect, [NAME] can also wire to [IBAN]. Budget noted: $50,000 for 2025.',
    ]);
    expect(outcome.redactions).toEqual({ email: 2, iban: 1, card: 1, ssn: 0, phone: 2, name: 5 });
  });

  it('takes the capitalised words of a person entity as the name', () => {
    expect(personName('my manager Tom Baker')).toBe('Tom Baker');
    expect(personName('dana')).toBe('dana');
  });
});
