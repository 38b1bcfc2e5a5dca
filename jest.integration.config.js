// Integration tests: real Kafka broker and real PostgreSQL (started by scripts/test.mjs).
module.exports = {
  ...require('./jest.preset'),
  testMatch: ['<rootDir>/{apps,libs}/**/*.integration-spec.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
};
