import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CARD_NAMES } from '../../cards/cards';
import { createCardValidator } from '../../cards/schemaValidator';
import { outputFolderProblem, parseOutDir, renderAllCards } from '../../scripts/renderCards';

describe('npm run cards:render', () => {
  let outDir: string;
  beforeEach(() => {
    outDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kma-cards-')), 'nested', 'out');
  });
  afterEach(() => fs.rmSync(path.dirname(path.dirname(outDir)), { recursive: true, force: true }));

  it('writes every registered card in English and German as <card>.<locale>.json, each a valid card', () => {
    const written = renderAllCards(outDir);
    const expected = CARD_NAMES.flatMap((name) => [`${name}.en.json`, `${name}.de.json`]).sort();
    expect(fs.readdirSync(outDir).sort()).toEqual(expected);
    expect(written).toHaveLength(expected.length);
    const validate = createCardValidator();
    for (const file of written) {
      const card = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
      expect(validate(card).errors).toEqual([]);
    }
    expect(fs.readFileSync(path.join(outDir, 'approvalRequest.de.json'), 'utf8')).toContain('Genehmigen');
    expect(fs.readFileSync(path.join(outDir, 'approvalRequest.en.json'), 'utf8')).toContain('Approve');
  });

  it('refuses a file, a folder under a file and an unwritable folder with one sentence, writing nothing', () => {
    const root = path.dirname(path.dirname(outDir));
    const file = path.join(root, 'existing.json');
    fs.writeFileSync(file, '{}');
    expect(outputFolderProblem(file)).toBe(`${file} is a file, not a folder`);
    expect(outputFolderProblem(path.join(file, 'cards'))).toBe(`cannot create ${path.join(file, 'cards')}: ${file} is a file`);
    expect(() => renderAllCards(file)).toThrow('is a file, not a folder');
    expect(fs.readFileSync(file, 'utf8')).toBe('{}');
    const locked = path.join(root, 'locked');
    fs.mkdirSync(locked, { mode: 0o555 });
    // root ignores permissions; the check is only meaningful for an ordinary user.
    if (process.getuid?.() !== 0) expect(outputFolderProblem(path.join(locked, 'cards'))).toBe(`cannot write to ${locked} (permission denied)`);
    expect(outputFolderProblem(outDir)).toBeUndefined();
  });

  it.each([
    [['--out', 'cards'], 'cards'],
    [['--out=build/cards'], 'build/cards'],
    [['--out'], undefined],
    [['--out', '--json'], undefined],
    [[], undefined],
  ])('reads the output folder from %j', (argv, expected) => {
    expect(parseOutDir(argv)).toBe(expected);
  });
});
