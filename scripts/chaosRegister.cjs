'use strict';
/* global require, process */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS require hook: it runs before any TypeScript can */
/**
 * Lets the crash harness start its child processes (sandbox, worker) straight from the TypeScript sources, with no
 * build step and no extra package: every required .ts file is transpiled with the installed TypeScript
 * (transpileModule: syntax only, no type check; `npx tsc --noEmit` does that) and cached on disk by content hash,
 * so a restarted worker pays only for the files that changed. Usage: node -r ./scripts/chaosRegister.cjs file.ts
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  resolveJsonModule: true,
  inlineSourceMap: true,
};
const cacheDir = path.join(os.tmpdir(), `kma-ts-cache-${ts.version}`);
fs.mkdirSync(cacheDir, { recursive: true });

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const key = crypto.createHash('sha256').update(filename).update('\0').update(source).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  let output;
  try {
    output = fs.readFileSync(cached, 'utf8');
  } catch {
    output = ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText;
    // Write then rename: concurrent processes never read a half-written file.
    const temporary = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, output);
    fs.renameSync(temporary, cached);
  }
  module._compile(output, filename);
};
