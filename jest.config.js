// Unit tests: beside the code, no external services.
module.exports = { ...require('./jest.preset'), testMatch: ['<rootDir>/{apps,libs,scripts}/**/*.spec.ts'] };
