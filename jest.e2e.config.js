// End-to-end tests: the services run as separate processes from the built `dist/`.
module.exports = {
  ...require('./jest.preset'),
  testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
  testTimeout: 180_000,
  maxWorkers: 1,
};
