// Starts the Microsoft 365 Agents Playground (the local Teams client) against the running bot.
// A Node launcher rather than an inline `VAR=value` so the script works in every shell, Windows included.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const cli = require.resolve('@microsoft/m365agentsplayground/cli.js');
const port = process.env.PORT || '3978';
const endpoint = process.env.BOT_ENDPOINT || `http://127.0.0.1:${port}/api/messages`;

const child = spawn(
  process.execPath,
  [cli, '--app-endpoint', endpoint, '--channel-id', 'msteams', '--disable-telemetry', ...process.argv.slice(2)],
  { stdio: 'inherit', env: { TEAMSAPPTESTER_BROWSER: 'none', ...process.env } },
);
child.on('exit', (code) => process.exit(code ?? 0));
