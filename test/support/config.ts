import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Config, loadConfig } from '../../bot/config';

/** A bot configuration for tests: free ports for the bot and its embedded sandbox, a fresh data folder. */
export function testConfig(overrides: Record<string, string> = {}): { config: Config; dataDir: string; cleanup(): void } {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kma-test-'));
  // The embedded sandbox's bucket takes a test's burst at once; pacing has its own tests (test/http, test/multiInstance).
  const config = loadConfig({ PORT: '0', SANDBOX_PORT: '0', DATA_DIR: dataDir, PARTNER_CENTER_REQUESTS_PER_MINUTE: '100000', ...overrides });
  return { config, dataDir, cleanup: () => fs.rmSync(dataDir, { recursive: true, force: true }) };
}
