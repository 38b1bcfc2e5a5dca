// Browser tests: Debian's Chromium (scripts/browser.mjs ensure) driven by playwright-core against the console
// served by the real embedded mode from the built `dist/` (npm run build first).
module.exports = {
  ...require('./jest.preset'),
  testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
  testTimeout: 120_000,
  maxWorkers: 1,
};
