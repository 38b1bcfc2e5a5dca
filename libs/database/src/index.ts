export * from './data-source';
export * from './unit-of-work';
export * from './inbox';
export * from './outbox';
export * from './messaging-tables.migration';
export * from './database.module';
export * from './conversation-lock';
export * from './conversation-erasure';
