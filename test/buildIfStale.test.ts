import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * `npm start` and the CLIs call scripts/buildIfStale.mjs: it must skip tsc when dist/ is current and compile when a
 * source is newer. Run on a copy of a tiny project shaped like ours, with the real TypeScript compiler.
 */
describe('scripts/buildIfStale.mjs', () => {
  const project = path.resolve(__dirname, '..');
  let root: string;

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kma-build-'));
    fs.mkdirSync(path.join(root, 'scripts'));
    fs.copyFileSync(path.join(project, 'scripts', 'buildIfStale.mjs'), path.join(root, 'scripts', 'buildIfStale.mjs'));
    fs.symlinkSync(path.join(project, 'node_modules'), path.join(root, 'node_modules'), 'dir');
    fs.mkdirSync(path.join(root, 'bot'));
    fs.writeFileSync(path.join(root, 'bot', 'index.ts'), 'export const answer: number = 42;\n');
    fs.writeFileSync(
      path.join(root, 'tsconfig.build.json'),
      JSON.stringify({ compilerOptions: { outDir: 'dist', rootDir: '.', module: 'commonjs', target: 'ES2022', strict: true, incremental: true, tsBuildInfoFile: 'dist/.tsbuildinfo' }, include: ['bot'] }),
    );
  });

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const build = () => {
    const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'buildIfStale.mjs')], { cwd: root, encoding: 'utf8' });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const output = () => path.join(root, 'dist', 'bot', 'index.js');

  it('compiles when dist/ is missing, then skips while nothing changed, then compiles again after an edit', () => {
    expect(build().status).toBe(0);
    expect(fs.readFileSync(output(), 'utf8')).toContain('42');

    const builtAt = fs.statSync(output()).mtimeMs;
    expect(build().status).toBe(0);
    expect(fs.statSync(output()).mtimeMs).toBe(builtAt);

    const later = new Date(Date.now() + 5_000);
    fs.writeFileSync(path.join(root, 'bot', 'index.ts'), 'export const answer: number = 43;\n');
    fs.utimesSync(path.join(root, 'bot', 'index.ts'), later, later);
    expect(build().status).toBe(0);
    expect(fs.readFileSync(output(), 'utf8')).toContain('43');
  });

  it('fails with the compiler errors on stderr and nothing on stdout, so `--json` output stays parseable', () => {
    const later = new Date(Date.now() + 10_000);
    fs.writeFileSync(path.join(root, 'bot', 'index.ts'), 'export const answer: number = "not a number";\n');
    fs.utimesSync(path.join(root, 'bot', 'index.ts'), later, later);
    const result = build();
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('TS2322');
  });
});
