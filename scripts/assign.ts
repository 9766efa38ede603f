/**
 * `npm run assign -- --csv FILE [--dry-run]`: imports customer → account manager assignments from a CSV file with
 * a header row: `customerId` or `customerName`, and `accountManager` (Entra object id or UPN). A malformed file
 * imports nothing; rows that do not resolve are listed and skipped. Exit code 0: all imported; 2: some rows did
 * not resolve; 1: nothing imported (bad arguments, configuration or file).
 */
import * as fs from 'node:fs';
import { ConfigError, environmentWithDotEnv, loadConfig, type Env } from '../bot/config';
import { ConversationReferences } from '../bot/proactive/conversationReferences';
import { importAssignments, type PersonDirectory, type PlannedAssignment } from '../services/alerts/assignmentImport';
import type { Person } from '../services/domain/people';
import { Assignments } from '../services/alerts/assignments';
import { CsvFormatError } from '../services/csv';
import { CustomerDirectory } from '../services/alerts/customerDirectory';
import { openStore } from '../services/store';

const USAGE = 'Usage: npm run assign -- --csv FILE [--dry-run]';

export async function runAssignCommand(argv: readonly string[], env: Env, print: (line: string) => void): Promise<number> {
  const args = parseArgs(argv);
  if ('problem' in args) {
    print(`${args.problem}\n${USAGE}`);
    return 1;
  }
  let csvText: string;
  try {
    csvText = fs.readFileSync(args.csv, 'utf8');
  } catch (error) {
    print(`Cannot read ${args.csv}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      print(error.message);
      return 1;
    }
    throw error;
  }

  const store = await openStore(config.store);
  try {
    const conversations = new ConversationReferences(store);
    const people: PersonDirectory = {
      byObjectId: async (id) => {
        const found = await conversations.get(id);
        return found && ConversationReferences.personOf(found.value);
      },
      byUserPrincipalName: async (upn) => {
        const found = await conversations.findByUserPrincipalName(upn);
        return found && ConversationReferences.personOf(found);
      },
    };
    const result = await importAssignments(csvText, {
      customers: await new CustomerDirectory(store).all(),
      people,
      assignments: new Assignments(store),
      dryRun: args.dryRun,
    });
    if (result.dryRun) {
      for (const row of result.planned) print(`Line ${row.line}: ${describePlanned(row)}`);
    }
    for (const row of result.unresolved) print(`Line ${row.line}: ${row.reason}`);
    const changes = result.planned.filter((row) => !isSamePerson(row.current, row.accountManager)).length;
    print(
      result.dryRun
        ? `Dry run: nothing written; ${changes} customer(s) would change, ${result.planned.length - changes} already so, ${result.unresolved.length} row(s) would be skipped.`
        : `Assigned ${result.assigned} customer(s); ${result.unchanged} already so; ${result.unresolved.length} row(s) skipped.`,
    );
    return result.unresolved.length > 0 ? 2 : 0;
  } catch (error) {
    if (error instanceof CsvFormatError) {
      print(`${args.csv} is malformed, nothing was imported: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await store.close();
  }
}

/** `Contoso Ltd → Megan Bowen (from Alex Wilber)`: one resolved row as the person running the import reads it. */
function describePlanned(row: PlannedAssignment): string {
  const target = `${row.customerName} → ${personLabel(row.accountManager)}`;
  if (!row.current) return `${target} (new)`;
  if (isSamePerson(row.current, row.accountManager)) return `${target} (already so)`;
  return `${target} (from ${personLabel(row.current)})`;
}

function personLabel(person: Person): string {
  return person.userPrincipalName && person.userPrincipalName !== person.name ? `${person.name} <${person.userPrincipalName}>` : person.name || person.aadObjectId;
}

function isSamePerson(a: Person | undefined, b: Person): boolean {
  return a !== undefined && a.aadObjectId.toLowerCase() === b.aadObjectId.toLowerCase();
}

function parseArgs(argv: readonly string[]): { csv: string; dryRun: boolean } | { problem: string } {
  let csv: string | undefined;
  let dryRun = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--csv' && argv[i + 1] !== undefined) csv = argv[++i];
    else if (argv[i] === '--dry-run') dryRun = true;
    else return { problem: `Unknown argument: ${argv[i]}` };
  }
  return csv === undefined ? { problem: 'Missing --csv FILE' } : { csv, dryRun };
}

if (require.main === module) {
  runAssignCommand(process.argv.slice(2), environmentWithDotEnv(process.cwd(), process.env), (line) => process.stdout.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`Import failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
