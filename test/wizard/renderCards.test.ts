import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CARD_NAMES } from '../../cards/cards';
import { createCardValidator } from '../../cards/schemaValidator';
import { parseOutDir, renderAllCards } from '../../scripts/renderCards';

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
