import {
  applyConversationFact,
  sameConversationState,
  stubConversation,
  type ConversationFact,
  type ConversationState,
} from './conversation-state';

const t = (minute: number): Date => new Date(Date.UTC(2025, 0, 15, 10, minute));

const started: ConversationFact = {
  kind: 'started',
  mode: 'autonomous',
  prospect: { email: 'dana@acme.test' },
  repId: 'rep-1',
  title: 'Renewal',
  startedAt: t(0),
};
const turn = (minute: number): ConversationFact => ({
  kind: 'turn',
  mode: 'assist',
  prospect: { name: 'from the turn snapshot' },
  receivedAt: t(minute),
});
const activity = (minute: number): ConversationFact => ({ kind: 'activity', at: t(minute) });

const applyAll = (state: ConversationState, facts: ConversationFact[]): ConversationState =>
  facts.reduce(applyConversationFact, state);

describe('applyConversationFact', () => {
  it('fills a stub with the started settings and makes it active', () => {
    const state = applyConversationFact(stubConversation(t(5)), started);
    expect(state).toMatchObject({
      status: 'active',
      mode: 'autonomous',
      prospect: { email: 'dana@acme.test' },
      repId: 'rep-1',
      title: 'Renewal',
      startedAt: t(0),
      updatedAt: t(5),
    });
  });

  it('lets the started settings win over a turn snapshot that arrived first', () => {
    const state = applyAll(stubConversation(t(1)), [turn(1), started]);
    expect(state.mode).toBe('autonomous');
    expect(state.prospect).toEqual({ email: 'dana@acme.test' });
    expect(state.turnCount).toBe(1);
  });

  it('never lets a turn snapshot overwrite the settings of an active conversation', () => {
    const state = applyAll(stubConversation(t(0)), [started, turn(1)]);
    expect(state.mode).toBe('autonomous');
    expect(state.prospect).toEqual({ email: 'dana@acme.test' });
  });

  it('fills unknown settings of a stub from a turn snapshot', () => {
    const state = applyConversationFact(stubConversation(t(2)), turn(2));
    expect(state).toMatchObject({
      status: 'pending',
      mode: 'assist',
      prospect: { name: 'from the turn snapshot' },
    });
  });

  it('ignores a second started event: the first one stored wins', () => {
    const once = applyAll(stubConversation(t(0)), [started]);
    const twice = applyConversationFact(once, {
      ...started,
      mode: 'assist',
      title: 'other',
      startedAt: t(3),
    });
    expect(twice.mode).toBe('autonomous');
    expect(twice.title).toBe('Renewal');
    expect(twice.startedAt).toEqual(t(0));
  });

  it('never moves updatedAt backwards', () => {
    const state = applyAll(stubConversation(t(0)), [started, activity(9), activity(4), turn(2)]);
    expect(state.updatedAt).toEqual(t(9));
  });

  it('takes the earliest event time as the start of a stub, until conversation.started says otherwise', () => {
    const stub = applyAll(stubConversation(t(8)), [activity(6), turn(3), activity(7)]);
    expect(stub.startedAt).toEqual(t(3));
    expect(applyConversationFact(stub, { ...started, startedAt: t(2) }).startedAt).toEqual(t(2));
  });

  it('reaches the same state whatever the order of the facts', () => {
    const facts = [started, turn(1), activity(2), turn(3), activity(4)];
    const inOrder = applyAll(stubConversation(t(0)), facts);
    const reversed = applyAll(stubConversation(t(4)), [...facts].reverse());
    expect(sameConversationState(inOrder, reversed)).toBe(true);
    expect(inOrder.turnCount).toBe(2);
  });
});

describe('sameConversationState', () => {
  it('sees a change of any column', () => {
    const base = applyConversationFact(stubConversation(t(0)), started);
    expect(sameConversationState(base, { ...base })).toBe(true);
    expect(sameConversationState(base, { ...base, updatedAt: t(1) })).toBe(false);
    expect(sameConversationState(base, { ...base, prospect: { email: 'x@y.test' } })).toBe(false);
    expect(sameConversationState(base, { ...base, turnCount: 1 })).toBe(false);
  });
});
