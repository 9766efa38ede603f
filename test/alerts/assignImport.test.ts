import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConversationReferences } from '../../bot/proactive/conversationReferences';
import { Assignments } from '../../services/alerts/assignments';
import { openSqliteStore } from '../../services/store/sqliteStore';
import { runAssignCommand } from '../../scripts/assign';
import { ADELE, MEGAN, row, saveRows, tempDir } from './support';

const CONTOSO = row({ customerName: 'Contoso Ltd' });
const CONTOSO_BETA = row({ customerName: 'Contoso Beta GmbH' });
const FABRIKAM = row({ customerName: 'Fabrikam, Inc.' });
const MEGAN_UPN = 'megan.bowen@partner.example';

describe('npm run assign -- --csv FILE', () => {
  const temp = tempDir('kma-assign-');
  const env = { DATA_DIR: temp.dir };
  afterAll(() => temp.remove());

  beforeAll(async () => {
    const store = openSqliteStore(temp.dir);
    await saveRows(store, CONTOSO, CONTOSO_BETA, FABRIKAM);
    await new ConversationReferences(store).save(MEGAN.aadObjectId, () => ({
      aadObjectId: MEGAN.aadObjectId,
      name: MEGAN.name,
      userPrincipalName: MEGAN_UPN,
      locale: 'en-US',
      tenantId: 'tenant',
      reference: {},
    }));
    await store.close();
  });

  async function run(csv: string, ...extra: string[]): Promise<{ code: number; output: string[] }> {
    const file = path.join(temp.dir, `import-${Math.random().toString(36).slice(2)}.csv`);
    fs.writeFileSync(file, csv);
    const output: string[] = [];
    const code = await runAssignCommand(['--csv', file, ...extra], env, (line) => output.push(line));
    return { code, output };
  }

  async function assignments() {
    const store = openSqliteStore(temp.dir);
    try {
      return (await new Assignments(store).all()).map((a) => `${a.customerName}→${a.accountManager.name}`).sort();
    } finally {
      await store.close();
    }
  }

  it('a malformed file imports nothing, not even its good rows', async () => {
    const result = await run(`customerId,accountManager\n${CONTOSO.customerId},${MEGAN_UPN}\n${FABRIKAM.customerId}\n`);
    expect(result.code).toBe(1);
    expect(result.output.join('\n')).toContain('is malformed, nothing was imported: line 3: expected 2 fields like the header, found 1');
    expect(await assignments()).toEqual([]);
  });

  it.each([
    ['an account manager that is neither an object id nor a UPN', `customerName,accountManager\nContoso Ltd,Megan\n`, 'line 2: accountManager "Megan" is neither'],
    ['the same customer twice', `customerName,accountManager\nContoso Ltd,${MEGAN_UPN}\ncontoso ltd,${ADELE.aadObjectId}\n`, 'line 3: customer Contoso Ltd is already on line 2'],
    ['no customer column', `name,accountManager\nContoso Ltd,${MEGAN_UPN}\n`, 'must have an accountManager column and a customerId or customerName column'],
  ])('refuses %s, importing nothing', async (_what, csv, problem) => {
    const result = await run(csv);
    expect(result.code).toBe(1);
    expect(result.output.join('\n')).toContain(problem);
    expect(await assignments()).toEqual([]);
  });

  it('imports the rows that resolve (ids, names, UPNs, object ids) and reports the others by line', async () => {
    const csv = [
      'customerId,customerName,accountManager',
      `${CONTOSO.customerId},,${MEGAN_UPN}`,
      `,"Fabrikam, Inc.",${ADELE.aadObjectId}`,
      ',Contoso,someone@partner.example',
      ',Northwind,someone@partner.example',
      `,Contoso Beta GmbH,unknown.person@partner.example`,
    ].join('\n');

    const dryRun = await run(csv, '--dry-run');
    expect(dryRun.code).toBe(2);
    expect(await assignments()).toEqual([]);
    // A dry run lists what the import would change, line by line, before the rows it would skip.
    expect(dryRun.output.slice(0, 2)).toEqual([
      `Line 2: Contoso Ltd → Megan Bowen <${MEGAN_UPN}> (new)`,
      `Line 3: Fabrikam, Inc. → ${ADELE.aadObjectId} (new)`,
    ]);
    expect(dryRun.output.at(-1)).toBe('Dry run: nothing written; 2 customer(s) would change, 0 already so, 3 row(s) would be skipped.');

    const result = await run(csv);
    expect(result.code).toBe(2);
    expect(result.output).toEqual([
      'Line 4: customer "Contoso" matches 2 customers: Contoso Beta GmbH, Contoso Ltd',
      'Line 5: no customer with Kaizala Pro has name "Northwind"',
      'Line 6: nobody with UPN "unknown.person@partner.example" has used the bot yet; give their Entra object id instead',
      'Assigned 2 customer(s); 0 already so; 3 row(s) skipped.',
    ]);
    expect(await assignments()).toEqual(['Contoso Ltd→Megan Bowen', `Fabrikam, Inc.→${ADELE.aadObjectId}`]);

    const again = await run(`customerId,accountManager\n${CONTOSO.customerId},${MEGAN.aadObjectId}\n`);
    expect(again).toEqual({ code: 0, output: ['Assigned 0 customer(s); 1 already so; 0 row(s) skipped.'] });
  });

  it('explains its usage', async () => {
    const output: string[] = [];
    expect(await runAssignCommand(['--file', 'x.csv'], env, (line) => output.push(line))).toBe(1);
    expect(output.join('\n')).toContain('Usage: npm run assign -- --csv FILE [--dry-run]');
  });
});
