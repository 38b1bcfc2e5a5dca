export * from './flag';
export * from './commitments';
export * from './competitors';
export * from './pii-leak';
export * from './injection';
export * from './relevance';
export * from './off-topic';
export * from './policy-checks';
