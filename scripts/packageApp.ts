import * as fs from 'node:fs';
import * as path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { environmentWithDotEnv } from '../bot/config';
import { isGuid } from '../services/domain/ids';

/** The files Teams expects at the root of an app package: the manifest, its two icons and its German strings. */
const PACKAGE_FILES = ['manifest.json', 'color.png', 'outline.png', 'de-de.json'] as const;

/**
 * Builds `appPackage/build/appPackage.zip` for upload to Teams: the manifest with the bot's app id filled in,
 * and the two icons. Refuses without an app id: a package for a local-mode bot could never be installed.
 */
export function buildAppPackage(appPackageDir: string, appId: string): Buffer {
  if (!isGuid(appId)) {
    throw new Error('MicrosoftAppId must be set to the bot\'s Entra app id to build a Teams app package');
  }
  const entries = PACKAGE_FILES.map((name) => {
    const raw = fs.readFileSync(path.join(appPackageDir, name));
    const data = name === 'manifest.json' ? Buffer.from(raw.toString('utf8').replaceAll('${{MicrosoftAppId}}', appId), 'utf8') : raw;
    if (name.endsWith('.json')) JSON.parse(data.toString('utf8'));
    return { name, data };
  });
  return zip(entries);
}

/** A minimal ZIP writer (deflate, no directories): enough for three files, no dependency needed. */
export function zip(entries: readonly { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const fileName = Buffer.from(name, 'utf8');
    const compressed = deflateRawSync(data);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(DOS_EPOCH, 10);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(DOS_EPOCH, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, compressed);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + compressed.length;
  }
  const centralSize = centrals.reduce((sum, b) => sum + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

/** 1980-01-01 00:00 as DOS time (low word) and date (high word), so builds are reproducible. */
const DOS_EPOCH = ((1 << 5) | 1) << 16;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * Writes `appPackage/build/appPackage.zip` under `root`. The package needs the bot's app id and nothing else:
 * whoever uploads it to Teams (often a Teams admin, not the operator who holds the bot's secret, allowed tenants
 * or approvers) must be able to build it — so no other setting is read or validated here.
 */
export function writeAppPackage(root: string, env: NodeJS.ProcessEnv): { file: string; bytes: number; appId: string } {
  const appId = (environmentWithDotEnv(root, env).MicrosoftAppId ?? '').trim();
  const archive = buildAppPackage(path.join(root, 'appPackage'), appId);
  const file = path.join(root, 'appPackage', 'build', 'appPackage.zip');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, archive);
  return { file, bytes: archive.length, appId };
}

function main(): number {
  const root = process.cwd();
  try {
    const written = writeAppPackage(root, process.env);
    process.stdout.write(`Wrote ${path.relative(root, written.file)} (${written.bytes} bytes) for app ${written.appId}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main();
