import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import Ajv04 from 'ajv-draft-04';
import { buildAppPackage, writeAppPackage } from '../scripts/packageApp';

/** Reads the entries of a ZIP through its central directory, as Teams' uploader does. */
function unzip(archive: Buffer): Map<string, Buffer> {
  const end = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = archive.readUInt16LE(end + 10);
  let at = archive.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(archive.readUInt32LE(at)).toBe(0x02014b50);
    const size = archive.readUInt32LE(at + 20);
    const nameLength = archive.readUInt16LE(at + 28);
    const localOffset = archive.readUInt32LE(at + 42);
    const name = archive.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const dataStart = localOffset + 30 + archive.readUInt16LE(localOffset + 26) + archive.readUInt16LE(localOffset + 28);
    files.set(name, inflateRawSync(archive.subarray(dataStart, dataStart + size)));
    at += 46 + nameLength;
  }
  return files;
}

interface Manifest {
  id: string;
  manifestVersion: string;
  $schema: string;
  bots: { botId: string; scopes: string[]; commandLists: { scopes: string[]; commands: { title: string }[] }[] }[];
  localizationInfo: { additionalLanguages: { languageTag: string; file: string }[] };
}

/** Teams' official schemas as @microsoft/app-manifest (the Agents Toolkit's manifest library) ships them. */
const SCHEMA_ROOT = path.join(path.dirname(require.resolve('@microsoft/app-manifest/package.json')), 'build', 'json-schemas', 'teams');

function newestShippedVersion(): string {
  const versions = fs
    .readdirSync(SCHEMA_ROOT)
    .map((name) => /^v(\d+)\.(\d+)$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => [Number(match[1]), Number(match[2])] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const [major, minor] = versions[versions.length - 1];
  return `${major}.${minor}`;
}

function validatorFor(version: string, file: string): (data: unknown) => string[] {
  const schema = JSON.parse(fs.readFileSync(path.join(SCHEMA_ROOT, `v${version}`, file), 'utf8')) as object;
  // unicodeRegExp off: Microsoft's localization schema has a pattern (`\b]`) that only non-unicode RegExps accept.
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
  const validate = ajv.compile(schema);
  return (data) => (validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));
}

describe('the Teams app package', () => {
  const appPackageDir = path.join(__dirname, '..', 'appPackage');
  const appId = '11111111-2222-3333-4444-555555555555';
  const files = unzip(buildAppPackage(appPackageDir, appId));
  const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8')) as Manifest;

  it('holds the manifest with the bot id filled in, both icons and the German strings', () => {
    expect([...files.keys()]).toEqual(['manifest.json', 'color.png', 'outline.png', 'de-de.json']);
    expect(manifest.id).toBe(appId);
    expect(manifest.bots[0].botId).toBe(appId);
    expect(JSON.stringify(manifest)).not.toContain('${{');
    expect(files.get('color.png')!.subarray(1, 4).toString()).toBe('PNG');
  });

  it('is on the newest manifest schema that @microsoft/app-manifest ships, and valid against it offline', () => {
    const version = newestShippedVersion();
    expect(manifest.manifestVersion).toBe(version);
    expect(manifest.$schema).toContain(`/v${version}/MicrosoftTeams.schema.json`);
    expect(validatorFor(version, 'MicrosoftTeams.schema.json')(manifest)).toEqual([]);
  });

  it('offers the bot in personal and team scope, with a command list for each', () => {
    const bot = manifest.bots[0];
    expect(bot.scopes).toEqual(['personal', 'team']);
    expect(bot.commandLists.map((list) => list.scopes)).toEqual([['personal'], ['team']]);
  });

  it('has a German localization file that validates and translates every command description it names', () => {
    expect(manifest.localizationInfo.additionalLanguages).toEqual([{ languageTag: 'de-de', file: 'de-de.json' }]);
    const german = JSON.parse(files.get('de-de.json')!.toString('utf8')) as Record<string, string>;
    expect(validatorFor(manifest.manifestVersion, 'MicrosoftTeams.Localization.schema.json')(german)).toEqual([]);
    const described = manifest.bots[0].commandLists.flatMap((list, l) =>
      list.commands.map((_, c) => `bots[0].commandLists[${l}].commands[${c}].description`),
    );
    // Every command is described in German, and no key points at a command that does not exist.
    expect(Object.keys(german).filter((key) => key.startsWith('bots[')).sort()).toEqual(described.sort());
  });

  it('a manifest that breaks the schema is caught by the same validator', () => {
    const broken = { ...manifest, bots: [{ ...manifest.bots[0], scopes: ['everyone'] }] };
    expect(validatorFor(manifest.manifestVersion, 'MicrosoftTeams.schema.json')(broken).length).toBeGreaterThan(0);
  });

  it('refuses to build without a real app id', () => {
    expect(() => buildAppPackage(appPackageDir, '')).toThrow('MicrosoftAppId must be set');
  });

  it('builds with the app id as the only setting, even where the bot itself would need a secret, tenants and approvers', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'package-'));
    try {
      fs.cpSync(appPackageDir, path.join(root, 'appPackage'), { recursive: true, filter: (src) => !src.includes(`${path.sep}build`) });
      const written = writeAppPackage(root, { NODE_ENV: 'production', MicrosoftAppId: appId });
      expect(written.appId).toBe(appId);
      expect(unzip(fs.readFileSync(written.file)).size).toBe(4);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
