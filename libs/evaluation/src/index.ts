export * from './scoring/claims';
export * from './scoring/reply-scores';
export * from './evaluator.config';
export * from './evaluator-database';
export * from './evaluation.repository';
export * from './reply-evaluator.service';
export * from './reply-events.controller';
export * from './evaluation.module';
