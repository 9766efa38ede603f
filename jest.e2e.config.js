/** Browser journeys through the Agents Playground (Debian chromium at /usr/bin/chromium); not part of npm test. */
const base = require('./jest.config');
module.exports = { ...base, testPathIgnorePatterns: ['/node_modules/'], testMatch: ['**/e2e/**/*.e2e.test.ts'], testTimeout: 120000 };
