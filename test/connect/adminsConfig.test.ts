import { CONFIG_VARIABLE_NAMES, ConfigError, loadConfig } from '../../bot/config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** Live Partner Center run by an authenticating bot, with explicit approvers. */
const LIVE = {
  MicrosoftAppId: '11111111-2222-3333-4444-555555555555',
  MicrosoftAppPassword: 'not-a-real-secret',
  ALLOWED_TENANT_IDS: '00000000-0000-0000-0000-0000000000a1',
  APPROVERS: 'approver@contoso.com',
  PARTNER_CENTER_MODE: 'live',
  PARTNER_TENANT_ID: '11111111-0000-0000-0000-000000000001',
  PARTNER_CENTER_CLIENT_ID: '11111111-0000-0000-0000-000000000002',
  PARTNER_CENTER_CLIENT_SECRET: 'not-a-real-secret',
};

describe('ADMINS', () => {
  it('is a variable the bot reads', () => {
    expect(CONFIG_VARIABLE_NAMES).toContain('ADMINS');
  });

  it('takes Entra object ids and UPNs like APPROVERS, lower-cased and without duplicates', () => {
    const config = loadConfig({ ...LIVE, ADMINS: 'PC.Admin@Partner.example; 9c1f0e2a-3b4d-4e5f-8a6b-7c8d9e0f1a2b, pc.admin@partner.example' });
    expect(config.admins).toEqual(['pc.admin@partner.example', '9c1f0e2a-3b4d-4e5f-8a6b-7c8d9e0f1a2b']);
  });

  it('may be empty in live mode (nobody connects from Teams; the operator uses npm run connect)', () => {
    expect(loadConfig(LIVE).admins).toEqual([]);
  });

  it('names what is not an object id or UPN', () => {
    expect(problemsOf({ ADMINS: 'bob, admin@partner.example' })).toEqual(['ADMINS must list Entra object ids or UPNs; not valid: bob']);
  });

  it('refuses the Playground’s mock users once the bot authenticates or runs live', () => {
    expect(problemsOf({ ...LIVE, ADMINS: '00000000-0000-0000-0000-0000000000020' })).toEqual([
      'ADMINS must name real Entra users when MicrosoftAppId is set; not Entra object ids (Agents Playground mock users?): 00000000-0000-0000-0000-0000000000020',
    ]);
  });

  it('defaults to the Playground’s Alex Wilber in local mode, so the connect command can be tried', () => {
    expect(loadConfig({}).admins).toEqual(['00000000-0000-0000-0000-0000000000020']);
  });
});
