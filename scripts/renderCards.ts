/**
 * `npm run cards:render -- --out DIR`: writes every registered card, expanded with its sample data, in English and
 * German as `DIR/<card>.<locale>.json` — to paste into the Adaptive Cards designer or review a change by eye.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CARD_NAMES, renderCard } from '../cards/cards';
import type { Locale } from '../cards/i18n';
import { CARD_SAMPLES } from '../cards/samples';

export const RENDER_CARDS_USAGE = 'Usage: npm run cards:render -- --out DIR';
export const CARD_LOCALES: readonly Locale[] = ['en', 'de'];

/**
 * Why `outDir` cannot take the cards, or undefined when it can (created if missing). Checked by hand rather than by
 * letting `mkdirSync({ recursive: true })` fail: under a file or an unwritable folder its errors are a stack trace
 * (and some Node versions loop on them), where a person needs one sentence.
 */
export function outputFolderProblem(outDir: string): string | undefined {
  let existing = path.resolve(outDir);
  while (!fs.existsSync(existing)) {
    const parent = path.dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  if (!fs.statSync(existing).isDirectory()) {
    return existing === path.resolve(outDir) ? `${existing} is a file, not a folder` : `cannot create ${path.resolve(outDir)}: ${existing} is a file`;
  }
  try {
    fs.accessSync(existing, fs.constants.W_OK);
  } catch {
    return `cannot write to ${existing} (permission denied)`;
  }
  return undefined;
}

/** Renders every card in every locale into `outDir` (created if missing); returns the files written. */
export function renderAllCards(outDir: string): string[] {
  const problem = outputFolderProblem(outDir);
  if (problem) throw new Error(problem);
  fs.mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const name of CARD_NAMES) {
    for (const locale of CARD_LOCALES) {
      const card = renderCard(name, CARD_SAMPLES[name] as never, locale);
      const file = path.join(outDir, `${name}.${locale}.json`);
      fs.writeFileSync(file, `${JSON.stringify(card, null, 2)}\n`);
      written.push(file);
    }
  }
  return written;
}

/** The output folder from `--out DIR` or `--out=DIR`; undefined when it is missing. */
export function parseOutDir(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') return argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[i + 1] : undefined;
    if (argv[i].startsWith('--out=')) return argv[i].slice('--out='.length) || undefined;
  }
  return undefined;
}

function main(argv: readonly string[]): number {
  const outDir = parseOutDir(argv);
  if (!outDir) {
    process.stderr.write(`${RENDER_CARDS_USAGE}\n`);
    return 2;
  }
  const problem = outputFolderProblem(outDir);
  if (problem) {
    process.stderr.write(`cards:render: ${problem}\n${RENDER_CARDS_USAGE}\n`);
    return 2;
  }
  const written = renderAllCards(path.resolve(outDir));
  process.stdout.write(`Wrote ${written.length} cards (${CARD_NAMES.length} × ${CARD_LOCALES.join(', ')}) to ${path.resolve(outDir)}\n`);
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
