export * from './generator';
export * from './expected';
export * from './seed-writer';
export { Prng } from './prng';
export { SALES_INTENTS, type SalesIntent } from './corpus';
