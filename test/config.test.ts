import { ConfigError, loadConfig } from '../bot/config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('runs with embedded defaults in local mode on loopback', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3978);
    expect(config.bot.localMode).toBe(true);
    expect(config.host).toBe('127.0.0.1');
    expect(config.store).toEqual({ kind: 'sqlite', dataDir: expect.stringMatching(/data$/) });
    expect(config.logLevel).toBe('info');
  });

  it('is frozen, so nothing can change it after startup', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.bot)).toBe(true);
  });

  it('listens on all interfaces once the bot authenticates', () => {
    const config = loadConfig({
      MicrosoftAppId: '11111111-2222-3333-4444-555555555555',
      MicrosoftAppPassword: 'not-a-real-secret',
      ALLOWED_TENANT_IDS: '00000000-0000-0000-0000-0000000000A1',
    });
    expect(config.bot.localMode).toBe(false);
    expect(config.host).toBe('0.0.0.0');
    expect(config.allowedTenantIds).toEqual(['00000000-0000-0000-0000-0000000000a1']);
  });

  it('refuses to start in production without an app id', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([expect.stringContaining('MicrosoftAppId is empty but NODE_ENV=production')]);
  });

  it('names the variable and what is expected for a bad port', () => {
    expect(problemsOf({ PORT: 'eighty' })).toEqual(['PORT="eighty" must be a whole number from 0 to 65535']);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ MicrosoftAppId: 'my-bot', STORE: 'azure', LOG_LEVEL: 'loud' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('MicrosoftAppId="my-bot" must be'),
        expect.stringContaining('MicrosoftAppPassword is required'),
        expect.stringContaining('AZURE_STORAGE_CONNECTION_STRING is required when STORE=azure'),
        expect.stringContaining('LOG_LEVEL="loud" must be one of: debug, info, warn, error'),
        expect.stringContaining('ALLOWED_TENANT_IDS is required'),
      ]),
    );
  });

  it('requires a tenant id for a single-tenant bot', () => {
    const problems = problemsOf({
      MicrosoftAppId: '11111111-2222-3333-4444-555555555555',
      MicrosoftAppPassword: 'x',
      MicrosoftAppType: 'SingleTenant',
      ALLOWED_TENANT_IDS: '00000000-0000-0000-0000-0000000000a1',
    });
    expect(problems).toEqual(['MicrosoftAppTenantId must be a tenant GUID when MicrosoftAppType=SingleTenant']);
  });

  it('rejects malformed tenant ids', () => {
    expect(problemsOf({ ALLOWED_TENANT_IDS: 'contoso.com' })).toEqual([
      'ALLOWED_TENANT_IDS must be a comma-separated list of tenant GUIDs; not valid: contoso.com',
    ]);
  });
});
