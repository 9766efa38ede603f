// Starts the Microsoft 365 Agents Playground (the local Teams client) against the running bot.
// A Node launcher rather than an inline `VAR=value` so the script works in every shell, Windows included.
//   npm run playground                 -> signed in as Alex Wilber (the Playground's default user; the requester)
//   npm run playground -- --as megan   -> signed in as Megan Bowen (a default approver), through the Playground's
//                                         documented configuration file, written to a temporary working folder
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const cli = require.resolve('@microsoft/m365agentsplayground/cli.js');
const port = process.env.PORT || '3978';
const endpoint = process.env.BOT_ENDPOINT || `http://127.0.0.1:${port}/api/messages`;

/** The Playground's mock users (ids as the Playground writes them). */
const USERS = {
  alex: { id: 'user-id-0', given: 'Alex', surname: 'Wilber', upn: 'alexw@example.com', aad: '00000000-0000-0000-0000-0000000000020' },
  megan: { id: 'user-id-1', given: 'Megan', surname: 'Bowen', upn: 'meganb@example.com', aad: '00000000-0000-0000-0000-0000000000021' },
  adele: { id: 'user-id-2', given: 'Adele', surname: 'Vance', upn: 'adelev@example.com', aad: '00000000-0000-0000-0000-0000000000022' },
  isaiah: { id: 'user-id-3', given: 'Isaiah', surname: 'Langer', upn: 'isaiah@example.com', aad: '00000000-0000-0000-0000-0000000000023' },
  patti: { id: 'user-id-4', given: 'Patti', surname: 'Fernandez', upn: 'pattif@example.com', aad: '00000000-0000-0000-0000-0000000000024' },
  lynne: { id: 'user-id-5', given: 'Lynne', surname: 'Robbins', upn: 'lynner@example.com', aad: '00000000-0000-0000-0000-0000000000025' },
};

const args = process.argv.slice(2);
const asIndex = args.indexOf('--as');
const as = asIndex >= 0 ? args.splice(asIndex, 2)[1] : undefined;
let cwd = process.cwd();
if (as !== undefined) {
  const current = USERS[as?.toLowerCase()];
  if (!current) {
    console.error(`--as takes one of: ${Object.keys(USERS).join(', ')}`);
    process.exit(2);
  }
  cwd = mkdtempSync(join(tmpdir(), 'kma-playground-'));
  writeFileSync(join(cwd, '.m365agentsplayground.yml'), playgroundConfig(current));
  console.log(`Playground user: ${current.given} ${current.surname} (configuration in ${cwd})`);
}

const child = spawn(
  process.execPath,
  [cli, '--app-endpoint', endpoint, '--channel-id', 'msteams', '--disable-telemetry', ...args],
  { stdio: 'inherit', cwd, env: { TEAMSAPPTESTER_BROWSER: 'none', ...process.env } },
);
child.on('exit', (code) => process.exit(code ?? 0));

function playgroundConfig(current) {
  const person = (u, indent) =>
    [`id: ${u.id}`, `name: ${u.given} ${u.surname}`, `userPrincipleName: ${u.upn}`, `aadObjectId: ${u.aad}`, `givenName: ${u.given}`, `surname: ${u.surname}`, `email: ${u.upn}`]
      .map((line, i) => (i === 0 && indent.startsWith('  -') ? indent : indent.replace('-', ' ')) + line)
      .join('\n');
  const others = Object.values(USERS).filter((u) => u !== current);
  return [
    'version: "0.1.1"',
    'tenantId: 00000000-0000-0000-0000-0000000000001',
    'bot:',
    '  id: 00000000-0000-0000-0000-00000000000011',
    '  name: Test Bot',
    'currentUser:',
    person(current, '  '),
    'users:',
    ...others.map((u) => person(u, '  - ')),
    'personalChat:',
    `  id: personal-chat-${current.id}`,
    'groupChat:',
    '  id: group-chat-id',
    '  name: Group Chat',
    'team:',
    '  id: team-id',
    '  name: My Team',
    '  aadGroupId: 00000000-0000-0000-0000-000000000031',
    '  channels:',
    '    - id: channel-general-id',
    '      name: General',
    '',
  ].join('\n');
}
