export * from './postgres';
export * from './otlp-receiver';
export * from './processes';
export * from './anthropic';
export * from './qdrant';
