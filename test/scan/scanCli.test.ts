import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../bot/config';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import { silentLogger } from '../../services/logging';
import { ScanAlreadyRunningError, URGENCY_ORDER, type ReportRow } from '../../services/scan';
import { openScanCli, parseScanArgs, runScanCli, SCAN_EXIT, SCAN_USAGE, type OpenScanCli, type ScanCliDeps } from '../../scripts/scan';
import { parseCsv } from './reportHelpers';
import { kaizalaInSandbox } from './support';

/** Captures what the CLI writes. */
function output() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (text: string) => void out.push(text), stderr: (text: string) => void err.push(text) };
}

describe('npm run scan, wired to a running sandbox the way the entry wires it', () => {
  let sandbox: RunningSandbox;
  let dataDir: string;
  let cli: OpenScanCli;
  const io = output();

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, seed: 'demo' });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kma-scan-cli-'));
    const config = loadConfig({ DATA_DIR: dataDir, PARTNER_CENTER_BASE_URL: sandbox.partnerCenterBaseUrl, GRAPH_BASE_URL: sandbox.graphBaseUrl });
    cli = await openScanCli({ partnerCenter: config.partnerCenter, store: config.store, dataDir, timeZone: 'Europe/Berlin', logger: silentLogger, stdout: io.stdout, stderr: io.stderr });
  });
  afterAll(async () => {
    await cli.close();
    await sandbox.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    io.out.length = 0;
    io.err.length = 0;
  });

  it('--json scans, then prints every Kaizala subscription as a JSON array, most urgent first (exit 3: one customer unreadable)', async () => {
    expect(await runScanCli(['--json'], cli.deps)).toBe(SCAN_EXIT.partial);
    const rows = JSON.parse(io.out.join('')) as ReportRow[];
    // Every Kaizala subscription, also the one of the customer whose licences cannot be read (SKU unknown, and why).
    const inSandbox = await kaizalaInSandbox(sandbox);
    expect(rows.map((row) => row.subscriptionId).sort()).toEqual(inSandbox.map((sub) => sub.subscriptionId).sort());
    expect(Object.keys(rows[0])).toEqual([
      'customerId', 'customerName', 'subscriptionId', 'offerName', 'quantity', 'usersOnKaizala', 'consumedUnits',
      'commitmentEndDate', 'daysLeft', 'urgency', 'autoRenewEnabled', 'status', 'migrating', 'review', 'unknown',
    ]);
    expect(rows.find((row) => row.customerName === 'Humongous Insurance')?.unknown).toMatch(/^sku: subscribed SKUs unknown: .*900308/);
    const ranks = rows.map((row) => URGENCY_ORDER.indexOf(row.urgency));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(rows[0].urgency).toBe('expired');
    // The summary goes to stderr, so stdout stays machine-readable.
    expect(io.err.join('')).toMatch(/Scanned 43 of 44 customers .*Humongous Insurance/s);
  });

  it('--csv --within 30 --no-refresh prints the stored report as RFC 4180 CSV without scanning', async () => {
    expect(await runScanCli(['--csv', '--within', '30', '--no-refresh'], cli.deps)).toBe(0);
    const [header, ...records] = parseCsv(io.out.join(''));
    expect(header.slice(0, 3)).toEqual(['customerId', 'customerName', 'subscriptionId']);
    const days = records.map((record) => Number(record[header.indexOf('daysLeft')]));
    expect(records.length).toBeGreaterThan(5);
    expect(days.every((d) => d <= 30)).toBe(true);
    expect(records.map((record) => record[header.indexOf('customerName')])).toContain('Contoso [Beta] *Ltd* <script>');
    expect(io.err.join('')).toBe('');
  });

  it('prints a table for people by default', async () => {
    expect(await runScanCli(['--no-refresh', '--within=7'], cli.deps)).toBe(0);
    const table = io.out.join('');
    expect(table.split('\n')[0]).toMatch(/^Customer\s+Customer id\s+Subscription id/);
    expect(table).toContain('Alpine Ski House');
    expect(table).not.toContain('Proseware Inc');
  });
});

describe('npm run scan arguments', () => {
  const neverCalled: ScanCliDeps = {
    runner: { run: () => Promise.reject(new Error('must not scan')) },
    report: { read: () => Promise.reject(new Error('must not read')) },
    stdout: () => undefined,
    stderr: () => undefined,
  };

  it.each([
    [['--within'], /--within needs a number/],
    [['--within', 'soon'], /whole number of days/],
    [['--within', '-3'], /whole number of days/],
    [['--json', '--csv'], /cannot be combined/],
    [['--xml'], /unknown argument "--xml"/],
    [['--out'], /--out needs a file name/],
  ])('%j is refused with a clear message, the usage and exit code 2', async (argv, message) => {
    const io = output();
    expect(await runScanCli(argv, { ...neverCalled, stdout: io.stdout, stderr: io.stderr })).toBe(2);
    expect(io.err.join('')).toMatch(message);
    expect(io.err.join('')).toContain(SCAN_USAGE);
    expect(io.out).toEqual([]);
  });

  it('--help prints the usage and exits 0', async () => {
    const io = output();
    expect(await runScanCli(['--help'], { ...neverCalled, stdout: io.stdout, stderr: io.stderr })).toBe(0);
    expect(io.out.join('')).toBe(SCAN_USAGE);
  });

  it('reads the flags', () => {
    expect(parseScanArgs([])).toEqual({ format: 'table', refresh: true, help: false });
    expect(parseScanArgs(['--csv', '--within=90', '--no-refresh'])).toEqual({ format: 'csv', withinDays: 90, refresh: false, help: false });
  });

  it('prints the stored report with a note when another scan is running', async () => {
    const io = output();
    const code = await runScanCli(['--json'], {
      runner: { run: () => Promise.reject(new ScanAlreadyRunningError(undefined)) },
      report: { read: async () => [] },
      stdout: io.stdout,
      stderr: io.stderr,
    });
    expect(code).toBe(0);
    expect(io.err.join('')).toMatch(/another scan is running/);
    expect(io.out.join('')).toBe('[]\n');
  });

  it('--out FILE writes the report there, stdout stays empty, and a clean scan exits 0', async () => {
    const io = output();
    const written = new Map<string, string>();
    const summary = { customersFailed: 0, customersScanned: 2, customersTotal: 2, durationMs: 10, subscriptionsFound: 0, urgent: 0, needsReview: 0, partial: 0, timeZone: 'UTC', failures: [], warnings: [] };
    const code = await runScanCli(['--json', '--out', 'report.json'], {
      runner: { run: async () => summary as unknown as Awaited<ReturnType<ScanCliDeps['runner']['run']>> },
      report: { read: async () => [] },
      stdout: io.stdout,
      stderr: io.stderr,
      writeFile: (file, text) => void written.set(file, text),
    });
    expect(code).toBe(SCAN_EXIT.done);
    expect(written.get('report.json')).toBe('[]\n');
    expect(io.out).toEqual([]);
    expect(io.err.join('')).toContain('wrote 0 rows to report.json');
  });

  it('exits 1 when the scan fails', async () => {
    const io = output();
    const code = await runScanCli([], {
      runner: { run: () => Promise.reject(new Error('store is read-only')) },
      report: { read: async () => [] },
      stdout: io.stdout,
      stderr: io.stderr,
    });
    expect(code).toBe(1);
    expect(io.err.join('')).toMatch(/the scan failed: store is read-only/);
  });
});

describe('npm run scan with no sandbox running', () => {
  it('starts an embedded sandbox on a free port, scans it and closes it', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kma-scan-embedded-'));
    const io = output();
    const config = loadConfig({ DATA_DIR: dataDir });
    const cli = await openScanCli({ partnerCenter: config.partnerCenter, store: config.store, dataDir, timeZone: 'UTC', logger: silentLogger, stdout: io.stdout, stderr: io.stderr });
    try {
      // The demo data holds a customer the partner cannot read: the report is printed, the exit code says partial.
      expect(await runScanCli(['--json', '--within', '7'], cli.deps)).toBe(SCAN_EXIT.partial);
      const rows = JSON.parse(io.out.join('')) as ReportRow[];
      expect(rows.length).toBeGreaterThan(5);
      expect(rows.every((row) => row.daysLeft <= 7)).toBe(true);
    } finally {
      await cli.close();
    }
    expect(fs.existsSync(path.join(dataDir, 'sandbox.sqlite'))).toBe(true);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
