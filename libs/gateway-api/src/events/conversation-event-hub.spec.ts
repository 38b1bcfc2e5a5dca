import { randomUUID } from 'node:crypto';
import { firstValueFrom, take, toArray } from 'rxjs';
import {
  AnalysisCompleted,
  ReplyDelta,
  ReplyGenerated,
  TurnFailed,
  TurnReceived,
  type EventEnvelope,
} from '@lib/contracts';
import { ConversationEventHub, DEFAULT_DEDUPE_WINDOW, shortEventType } from './conversation-event-hub';

function envelope(
  type: string,
  conversationId: string,
  data: Record<string, unknown>,
  id: string = randomUUID(),
): EventEnvelope<unknown> {
  return {
    specversion: '1.0',
    id,
    type,
    source: 'test',
    subject: conversationId,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    tenantid: 'tenant-1',
    data: { conversationId, ...data },
  };
}

describe('ConversationEventHub', () => {
  it("delivers a conversation's events to its subscribers only, in order", async () => {
    const hub = new ConversationEventHub();
    const received = firstValueFrom(hub.events('c1').pipe(take(2), toArray()));
    const other: string[] = [];
    const otherSubscription = hub.events('c2').subscribe((e) => other.push(e.id));
    hub.publish(envelope(TurnReceived.type, 'c1', {}, 'e1'));
    hub.publish(envelope(TurnReceived.type, 'c3', {}, 'e-unwatched'));
    hub.publish(envelope(AnalysisCompleted.type, 'c1', {}, 'e2'));
    expect((await received).map((e) => e.id)).toEqual(['e1', 'e2']);
    expect(other).toEqual([]);
    otherSubscription.unsubscribe();
  });

  it('drops an event id it has seen within its window', () => {
    const hub = new ConversationEventHub(2);
    const seen: string[] = [];
    const subscription = hub.events('c1').subscribe((e) => seen.push(e.id));
    expect(hub.publish(envelope(TurnReceived.type, 'c1', {}, 'a'))).toBe(true);
    expect(hub.publish(envelope(TurnReceived.type, 'c1', {}, 'a'))).toBe(false);
    hub.publish(envelope(TurnReceived.type, 'c1', {}, 'b'));
    hub.publish(envelope(TurnReceived.type, 'c1', {}, 'c'));
    // The window holds 2 ids: "a" was evicted, so a much later redelivery passes again (bounded memory).
    expect(hub.publish(envelope(TurnReceived.type, 'c1', {}, 'a'))).toBe(true);
    expect(seen).toEqual(['a', 'b', 'c', 'a']);
    subscription.unsubscribe();
  });

  it('forgets a conversation when its last subscriber leaves', () => {
    const hub = new ConversationEventHub();
    const first = hub.events('c1').subscribe();
    const second = hub.events('c1').subscribe();
    expect(hub.activeConversations).toBe(1);
    first.unsubscribe();
    expect(hub.activeConversations).toBe(1);
    second.unsubscribe();
    expect(hub.activeConversations).toBe(0);
    expect(hub.publish(envelope(TurnReceived.type, 'c1', {}))).toBe(true);
  });

  it('resolves a waiter with the analysis and reply of its turn', async () => {
    const hub = new ConversationEventHub();
    const waiter = hub.waitForOutcome('c1', 't1', 5000);
    hub.publish(envelope(AnalysisCompleted.type, 'c1', { turnId: 't0', analysis: { stage: 'proposal' } }));
    hub.publish(envelope(AnalysisCompleted.type, 'c1', { turnId: 't1', analysis: { stage: 'discovery' } }));
    hub.publish(envelope(ReplyGenerated.type, 'c1', { turnId: 't1', text: 'Hi' }));
    const outcome = await waiter.result;
    expect(outcome?.status).toBe('completed');
    expect(outcome?.analysis?.analysis).toEqual({ stage: 'discovery' });
    expect(outcome?.reply?.text).toBe('Hi');
    expect(hub.activeConversations).toBe(0);
  });

  it('resolves a waiter with the failure of its turn', async () => {
    const hub = new ConversationEventHub();
    const waiter = hub.waitForOutcome('c1', 't1', 5000);
    hub.publish(envelope(TurnFailed.type, 'c1', { turnId: 't1', reason: { code: 'x', message: 'y' } }));
    expect(await waiter.result).toEqual({
      status: 'failed',
      analysis: undefined,
      failure: { code: 'x', message: 'y' },
    });
  });

  it('resolves a waiter empty-handed on timeout or cancel, and cleans up', async () => {
    const hub = new ConversationEventHub();
    const timedOut = hub.waitForOutcome('c1', 't1', 20);
    expect(await timedOut.result).toBeUndefined();
    const cancelled = hub.waitForOutcome('c2', 't2', 60_000);
    cancelled.cancel();
    expect(await cancelled.result).toBeUndefined();
    expect(hub.activeConversations).toBe(0);
  });

  it('ends open streams on shutdown', async () => {
    const hub = new ConversationEventHub();
    const all = firstValueFrom(hub.events('c1').pipe(toArray()));
    hub.publish(envelope(TurnReceived.type, 'c1', {}, 'x'));
    hub.onModuleDestroy();
    expect((await all).map((e) => e.id)).toEqual(['x']);
  });

  it("ends a deleted conversation's streams and waiters only", async () => {
    const hub = new ConversationEventHub();
    const deleted = firstValueFrom(hub.events('c1').pipe(toArray()));
    const waiter = hub.waitForOutcome('c1', 't1', 60_000);
    const kept: string[] = [];
    const other = hub.events('c2').subscribe((e) => kept.push(e.id));
    hub.publish(envelope(TurnReceived.type, 'c1', {}, 'before'));
    expect(hub.close('c1')).toBe(true);
    expect(hub.close('c1')).toBe(false);
    expect((await deleted).map((e) => e.id)).toEqual(['before']);
    expect(await waiter.result).toBeUndefined();
    hub.publish(envelope(TurnReceived.type, 'c2', {}, 'still-open'));
    expect(kept).toEqual(['still-open']);
    expect(hub.activeConversations).toBe(1);
    other.unsubscribe();
  });
});

describe('ConversationEventHub replay (Last-Event-ID)', () => {
  const ids = (events: readonly (EventEnvelope<unknown> | undefined)[]) =>
    events.map((e) => e?.id ?? 'reset');

  it('replays what was relayed after the last event id, then goes on live, with nobody watching meanwhile', async () => {
    const hub = new ConversationEventHub();
    hub.publish(envelope(TurnReceived.type, 'c1', {}, 'e1'));
    hub.publish(envelope(ReplyDelta.type, 'c1', {}, 'delta'));
    hub.publish(envelope(AnalysisCompleted.type, 'c1', {}, 'e2'));
    hub.publish(envelope(TurnReceived.type, 'c2', {}, 'other'));
    hub.publish(envelope(ReplyGenerated.type, 'c1', {}, 'e3'));
    const received = firstValueFrom(hub.eventsSince('c1', 'e1').pipe(take(3), toArray()));
    hub.publish(envelope(TurnReceived.type, 'c1', {}, 'e4'));
    // reply.delta is not kept: reply.generated carries the whole text.
    expect(ids(await received)).toEqual(['e2', 'e3', 'e4']);
    expect(hub.eventsAfter('c1', 'e3')?.map((e) => e.id)).toEqual(['e4']);
    expect(hub.eventsAfter('c1', 'e4')).toEqual([]);
  });

  it('says so (undefined first) when the last event id is not kept, then goes on live', async () => {
    const hub = new ConversationEventHub();
    hub.publish(envelope(TurnReceived.type, 'c1', {}, 'e1'));
    const received = firstValueFrom(hub.eventsSince('c1', 'unknown').pipe(take(2), toArray()));
    hub.publish(envelope(TurnReceived.type, 'c1', {}, 'e2'));
    expect(ids(await received)).toEqual(['reset', 'e2']);
  });

  it('keeps a bounded number of events per conversation and of conversations, least recently active out first', () => {
    const hub = new ConversationEventHub(DEFAULT_DEDUPE_WINDOW, {
      eventsPerConversation: 2,
      conversations: 2,
    });
    for (const id of ['a1', 'a2', 'a3']) hub.publish(envelope(TurnReceived.type, 'a', {}, id));
    expect(hub.eventsAfter('a', 'a1')).toBeUndefined();
    expect(hub.eventsAfter('a', 'a2')?.map((e) => e.id)).toEqual(['a3']);
    hub.publish(envelope(TurnReceived.type, 'b', {}, 'b1'));
    hub.publish(envelope(TurnReceived.type, 'a', {}, 'a4'));
    hub.publish(envelope(TurnReceived.type, 'c', {}, 'c1'));
    // b was the least recently active: gone; a and c are kept.
    expect(hub.eventsAfter('b', 'b1')).toBeUndefined();
    expect(hub.eventsAfter('a', 'a3')?.map((e) => e.id)).toEqual(['a4']);
    expect(hub.eventsAfter('c', 'c1')).toEqual([]);
  });

  it("forgets a deleted conversation's events", () => {
    const hub = new ConversationEventHub();
    hub.publish(envelope(TurnReceived.type, 'c1', {}, 'e1'));
    hub.close('c1');
    expect(hub.eventsAfter('c1', 'e1')).toBeUndefined();
  });
});

describe('shortEventType', () => {
  it('strips the namespace and the version', () => {
    expect(shortEventType(AnalysisCompleted.type)).toBe('analysis.completed');
    expect(shortEventType('io.salesagent.reply.generated.v12')).toBe('reply.generated');
  });
});
