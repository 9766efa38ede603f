/**
 * `npm run connect [-- --status]`: connects Partner Center as a partner admin (secure application model) with
 * msal-node's device code flow: prints the code and the page to enter it on, waits for the sign-in (with MFA) and
 * stores the refresh token encrypted in the bot's store, where every instance uses and rotates it. Against the
 * sandbox the same flow runs; the code is approved through the sandbox's admin API (the command is printed).
 * `--status` only prints who is connected. Exit code 0: connected; 1: not (bad configuration, sign-in failed or
 * expired, sandbox not running).
 */
import { ConfigError, environmentWithDotEnv, loadConfig, type Env } from '../bot/config';
import { createPartnerAuth, localEncryptionKey, parseEncryptionKey, type PartnerConnectionStatus } from '../services/auth';
import { openStore } from '../services/store';

const USAGE = 'Usage: npm run connect [-- --status]';

export async function runConnectCommand(argv: readonly string[], env: Env, print: (line: string) => void): Promise<number> {
  const statusOnly = argv.includes('--status');
  const unknown = argv.filter((arg) => arg !== '--status');
  if (unknown.length > 0) {
    print(`Unknown argument: ${unknown[0]}\n${USAGE}`);
    return 1;
  }
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      print(error.message);
      return 1;
    }
    throw error;
  }
  const partner = config.partnerCenter;
  // Sandbox mode: the sandbox named by the base URLs, else the one a running bot embeds (npm start) or npm run sandbox.
  const sandboxUrl = partner.mode === 'sandbox' ? (partner.partnerCenterBaseUrl ? new URL(partner.partnerCenterBaseUrl).origin : `http://127.0.0.1:${partner.sandboxPort}`) : undefined;
  if (sandboxUrl && !(await answers(sandboxUrl))) {
    print(`No sandbox answers at ${sandboxUrl}: start the bot (npm start) or the sandbox (npm run sandbox) first.`);
    return 1;
  }
  const store = await openStore(config.store);
  try {
    const encryptionKey = partner.tokenEncryptionKey ? parseEncryptionKey(partner.tokenEncryptionKey) : localEncryptionKey(config.dataDir);
    const { partnerConnection } = createPartnerAuth(
      {
        mode: partner.mode,
        tenantId: partner.partnerTenantId,
        clientId: partner.clientId,
        clientSecret: partner.clientSecret,
        certificate: partner.certificate,
        authorityHost: partner.authorityHost,
        sandboxUrl,
      },
      { store, encryptionKey },
    );
    if (statusOnly) {
      const status = await partnerConnection.status();
      print(describe(status));
      return status.state === 'connected' ? 0 : 1;
    }
    const { challenge, done } = await partnerConnection.connect();
    print(challenge.message);
    if (sandboxUrl) {
      print('Sandbox: approve the code as a partner admin (with MFA) through its admin API:');
      print(
        `  curl -X POST ${sandboxUrl}/_sandbox/identity/devicecodes/${challenge.userCode}/approve -H 'Content-Type: application/json' -d '{"userPrincipalName":"admin@sandboxpartner.onmicrosoft.com","mfa":true}'`,
      );
    }
    print(`Waiting for the sign-in (the code expires at ${new Date(challenge.expiresAt).toISOString()})…`);
    const status = await done;
    print(describe(status));
    if (status.state === 'connected' && !status.mfa) print('Warning: the sign-in carried no MFA; Partner Center refuses App+User calls without MFA.');
    return status.state === 'connected' && status.lastFailure === undefined ? 0 : 1;
  } finally {
    await store.close();
  }
}

function describe(status: PartnerConnectionStatus): string {
  if (status.state === 'notConnected') return `Not connected${status.lastFailure ? `: ${status.lastFailure.reason}` : ''}.`;
  const issued = status.tokenIssuedAt === undefined ? '' : `, refresh token from ${new Date(status.tokenIssuedAt).toISOString()}`;
  const failure = status.lastFailure ? ` Last failure: ${status.lastFailure.reason}.` : '';
  return `Partner Center connection: ${status.state} as ${status.userPrincipalName ?? 'unknown'} (${status.mfa ? 'MFA' : 'no MFA'}${issued}).${failure}`;
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/_sandbox/clock`, { signal: AbortSignal.timeout(3_000) });
    return true;
  } catch {
    return false;
  }
}

if (require.main === module) {
  runConnectCommand(process.argv.slice(2), environmentWithDotEnv(process.cwd(), process.env), (line) => process.stdout.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`Connect failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
