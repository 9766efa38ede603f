import * as path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { buildAppPackage } from '../scripts/packageApp';

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

describe('the Teams app package', () => {
  const appPackageDir = path.join(__dirname, '..', 'appPackage');
  const appId = '11111111-2222-3333-4444-555555555555';

  it('holds the manifest with the bot id filled in and both icons', () => {
    const files = unzip(buildAppPackage(appPackageDir, appId));
    expect([...files.keys()]).toEqual(['manifest.json', 'color.png', 'outline.png']);
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8')) as { id: string; bots: { botId: string }[] };
    expect(manifest.id).toBe(appId);
    expect(manifest.bots[0].botId).toBe(appId);
    expect(JSON.stringify(manifest)).not.toContain('${{');
    expect(files.get('color.png')!.subarray(1, 4).toString()).toBe('PNG');
  });

  it('refuses to build without a real app id', () => {
    expect(() => buildAppPackage(appPackageDir, '')).toThrow('MicrosoftAppId must be set');
  });
});
