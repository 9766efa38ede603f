/**
 * What this machine can check of the deployment without Azure, Docker or the Bicep CLI: that the Bicep template,
 * its parameters, the Agents Toolkit lifecycle and the Dockerfile agree with each other and with the code — the
 * drift that otherwise only shows up as a failed deployment. docs/deploy.md says what was not validated here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CONFIG_VARIABLE_NAMES, ConfigError, loadConfig } from '../../bot/config';

const ROOT = path.join(__dirname, '..', '..');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');

const bicep = read('infra/main.bicep');

/** `{ name: 'X', value: ... }` lines of the site's appSettings. */
function appSettings(): Map<string, string> {
  const settings = new Map<string, string>();
  for (const match of bicep.matchAll(/\{ name: '([A-Za-z_][A-Za-z0-9_]*)', value: (.+) \}/g)) settings.set(match[1], match[2]);
  return settings;
}

/** `param name type [= default]` declarations. */
function bicepParams(): Map<string, { hasDefault: boolean }> {
  const params = new Map<string, { hasDefault: boolean }>();
  for (const match of bicep.matchAll(/^param (\w+) \w+( =)?/gm)) params.set(match[1], { hasDefault: match[2] !== undefined });
  return params;
}

/** Settings App Service or its build (Oryx) reads, not the bot. */
const PLATFORM_SETTINGS = new Set(['SCM_DO_BUILD_DURING_DEPLOYMENT', 'CUSTOM_BUILD_COMMAND', 'WEBSITE_HEALTHCHECK_MAXPINGFAILURES']);

describe('infra/main.bicep', () => {
  const settings = appSettings();

  it('sets only variables the bot reads (or App Service reads)', () => {
    expect(settings.size).toBeGreaterThan(10);
    const unknown = [...settings.keys()].filter((name) => !PLATFORM_SETTINGS.has(name) && !CONFIG_VARIABLE_NAMES.includes(name));
    expect(unknown).toEqual([]);
  });

  it('keeps every secret in Key Vault: secret settings are Key Vault references, never values', () => {
    const secretLike = [...settings.keys()].filter((name) => /SECRET|PASSWORD|KEY$|STORAGE_CONNECTION_STRING/.test(name));
    expect(secretLike.length).toBeGreaterThanOrEqual(3);
    for (const name of secretLike) expect([name, settings.get(name)]).toEqual([name, expect.stringMatching(/^'@Microsoft\.KeyVault\(VaultName=/)]);
  });

  it('gives a configuration the bot accepts in production (Key Vault references resolved to sample values)', () => {
    const sample: Record<string, string> = {
      'identity.properties.clientId': '11111111-2222-3333-4444-555555555555',
      partnerTenantId: '99999999-8888-7777-6666-555555555555',
      partnerCenterClientId: '22222222-3333-4444-5555-666666666666',
      approvers: 'approver.one@partner.example,approver.two@partner.example',
      admins: 'admin@partner.example',
      partnerCountry: 'DE',
      'insights.properties.ConnectionString': 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/',
    };
    const env: Record<string, string> = {};
    for (const [name, expression] of settings) {
      if (expression.startsWith("'@Microsoft.KeyVault(")) {
        // What docs/deploy.md tells the operator to put into Key Vault for each secret.
        env[name] = /CONNECTION_STRING/.test(name)
          ? 'DefaultEndpointsProtocol=https;AccountName=kmastore;AccountKey=a2V5;EndpointSuffix=core.windows.net'
          : name === 'TOKEN_ENCRYPTION_KEY'
            ? Buffer.alloc(32, 7).toString('base64')
            : 'client-secret-value~0123456789abcdef';
      } else if (expression.startsWith("'")) {
        env[name] = expression.slice(1, -1);
      } else {
        expect(Object.keys(sample)).toContain(expression);
        env[name] = sample[expression];
      }
    }
    let problem = '';
    try {
      loadConfig(env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problem = error.message;
    }
    expect(problem).toBe('');
  });

  it('points App Service\'s health check at the route the bot serves, and the bot at /api/messages', () => {
    expect(bicep).toContain("healthCheckPath: '/healthz'");
    expect(read('bot/httpServer.ts')).toContain("'/healthz'");
    expect(bicep).toMatch(/endpoint: 'https:\/\/\$\{site\.properties\.defaultHostName\}\/api\/messages'/);
  });

  it('is fed every parameter without a default by infra/main.parameters.json, and nothing else', () => {
    const parameters = JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, unknown> };
    const declared = bicepParams();
    const required = [...declared].filter(([, p]) => !p.hasDefault).map(([name]) => name);
    for (const name of required) expect(Object.keys(parameters.parameters)).toContain(name);
    for (const name of Object.keys(parameters.parameters)) expect([...declared.keys()]).toContain(name);
  });
});

describe('m365agents.yml (Microsoft 365 Agents Toolkit lifecycle)', () => {
  const lifecycle = parseYaml(read('m365agents.yml')) as Record<string, { uses: string; with?: Record<string, unknown> }[]> & { version: string };
  const environment = read('env/.env.dev');
  const defined = new Set([...environment.matchAll(/^([A-Z_a-z][A-Za-z0-9_]*)=/gm)].map((m) => m[1]));

  it('parses and has the provision, deploy and publish stages', () => {
    expect(lifecycle.version).toMatch(/^v1\.\d+$/);
    for (const stage of ['provision', 'deploy', 'publish']) expect(Array.isArray(lifecycle[stage])).toBe(true);
  });

  it('refers only to files that exist', () => {
    const text = read('m365agents.yml') + read('infra/main.parameters.json');
    const files = [...text.matchAll(/(?:path|parameters|ignoreFile): (\.\/[^\s]+)/g)].map((m) => m[1]);
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) expect([file, fs.existsSync(path.join(ROOT, file))]).toEqual([file, true]);
  });

  it('uses only placeholders that env/.env.dev defines or the Bicep outputs write', () => {
    const outputs = [...bicep.matchAll(/^output (\w+) /gm)].map((m) => m[1]);
    const used = new Set([...(read('m365agents.yml') + read('infra/main.parameters.json')).matchAll(/\$\{\{(\w+)\}\}/g)].map((m) => m[1]));
    for (const name of used) expect([name, defined.has(name) || outputs.includes(name)]).toEqual([name, true]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('copies every source folder the production build compiles, and builds with the same script', () => {
    const include = (JSON.parse(read('tsconfig.build.json')) as { include: string[] }).include;
    const copied = [...dockerfile.matchAll(/^COPY (\w+) \.\/\1$/gm)].map((m) => m[1]);
    expect(copied.sort()).toEqual([...include].sort());
    expect(dockerfile).toContain('RUN npm run build');
  });

  it('runs as the unprivileged node user with production dependencies only, and checks /healthz', () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('npm prune --omit=dev');
    expect(runtime).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
    expect(runtime).toMatch(/^CMD \["node", "dist\/bot\/index\.js"\]$/m);
    expect(fs.existsSync(path.join(ROOT, 'bot', 'index.ts'))).toBe(true);
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['.env', 'data', 'node_modules', '.git']) expect(ignored).toContain(entry);
  });
});

describe('.env.example', () => {
  it('documents every variable the bot reads, and nothing it does not', () => {
    const listed = [...read('.env.example').matchAll(/^([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]);
    expect([...CONFIG_VARIABLE_NAMES].filter((name) => !listed.includes(name))).toEqual([]);
    expect(listed.filter((name) => !CONFIG_VARIABLE_NAMES.includes(name))).toEqual([]);
  });
});
