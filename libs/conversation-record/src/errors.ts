/**
 * An event names a conversation that belongs to another tenant. Never merged: the handler throws, so the
 * transport retries and then dead-letters the event with this reason for a human to look at.
 */
export class ConversationTenantMismatchError extends Error {
  constructor(conversationId: string, eventTenantId: string) {
    super(`conversation ${conversationId} does not belong to tenant ${eventTenantId}`);
    this.name = 'ConversationTenantMismatchError';
  }
}

/** The list cursor does not name a conversation of the tenant. */
export class InvalidCursorError extends Error {
  constructor() {
    super('cursor: unknown cursor');
    this.name = 'InvalidCursorError';
  }
}
