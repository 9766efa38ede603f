// Compiles TypeScript to dist/ only when a source is newer than the last build, so `npm start` and the CLIs start
// in about the time of a bare `node dist/…` when nothing changed. A stale build runs tsc incrementally
// (tsconfig.build.json keeps dist/.tsbuildinfo). `npm run build` always runs tsc.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.build-stamp');
// What tsconfig.build.json compiles (TypeScript and the JSON it imports), and the files that change how it compiles.
const SOURCE_FOLDERS = ['bot', 'cards', 'dialogs', 'services', 'sandbox', 'bench', 'scripts'];
const BUILD_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

function newestSourceMtime() {
  let newest = 0;
  const visit = (file) => {
    let stat;
    try {
      stat = fs.statSync(file);
    } catch {
      return; // removed while we looked
    }
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(file)) if (entry !== 'node_modules' && entry !== 'build') visit(path.join(file, entry));
    } else if (/\.(ts|json)$/.test(file)) {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  for (const folder of SOURCE_FOLDERS) visit(path.join(root, folder));
  for (const file of BUILD_FILES) visit(path.join(root, file));
  return newest;
}

function stampMtime() {
  try {
    return fs.statSync(stamp).mtimeMs;
  } catch {
    return -1;
  }
}

const startedAt = Date.now();
if (stampMtime() >= newestSourceMtime()) process.exit(0);

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: ['ignore', 2, 2] });
if (result.status !== 0) process.exit(result.status ?? 1);
fs.mkdirSync(path.dirname(stamp), { recursive: true });
// The stamp gets the time the build started: a source saved during the build is newer, so the next start rebuilds.
fs.writeFileSync(stamp, '');
fs.utimesSync(stamp, startedAt / 1000, startedAt / 1000);
