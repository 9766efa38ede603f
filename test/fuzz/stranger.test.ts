/**
 * The stranger fuzz in `npm test`: 2,000 seeded random and hostile activities, invokes and raw requests from people
 * the bot does not know, against the real bot (a child process in local mode) after its legitimate users set up a
 * pending request and a finished run. No answer may be a 5xx, the process may never exit, hang or stop answering
 * /healthz, no turn may end in the last-resort error handler, and nothing only the requester, an approver or the run
 * may change is changed (see harness.ts).
 *
 * A failure lists each distinct cause with its payload and the command that replays it, e.g.
 * `npm run fuzz -- --seed 20261203 --only 42`. The larger run: `npm run fuzz -- --count 10000 --seed N`.
 */
import { describePayload, generatePayload, KNOWN_VERBS, type FuzzContext } from './generator';
import { DEFAULT_FUZZ_OPTIONS, formatReport, runStrangerFuzz, sentActivityProblems, stateViolations, type Snapshot } from './harness';

const SEED = 20261203;
const COUNT = 2_000;

const context: FuzzContext = {
  serviceUrl: 'http://127.0.0.1:1234/',
  deadServiceUrl: 'http://127.0.0.1:9/',
  targets: { requestIds: ['MR-AAAAAAAAAA', 'MR-BBBBBBBBBB'], runIds: ['MR-BBBBBBBBBB'], customerIds: ['c1'], customerNames: ['Contoso'], subscriptionIds: ['s1'] },
  bodyLimitBytes: DEFAULT_FUZZ_OPTIONS.bodyLimitBytes,
  lanes: DEFAULT_FUZZ_OPTIONS.lanes,
  cardDataIn: () => [],
};

describe('the stranger fuzz itself', () => {
  it('makes the same payload for the same seed and index, so a failure replays alone', () => {
    const withoutTime = (index: number) => {
      const payload = generatePayload(SEED, index, context);
      return JSON.stringify(payload, (key, value: unknown) => (key === 'timestamp' ? undefined : value));
    };
    for (const index of [0, 1, 42, 1999]) expect(withoutTime(index)).toBe(withoutTime(index));
    expect(withoutTime(1)).not.toBe(withoutTime(2));
  });

  it('sends every verb the bot knows, and every kind of activity and raw request, many times in one run', () => {
    const names = Array.from({ length: COUNT }, (_, index) => describePayload(generatePayload(SEED, index, context)));
    for (const verb of KNOWN_VERBS) expect(names.filter((name) => name.name === `adaptiveCard/action ${verb}`).length).toBeGreaterThan(20);
    for (const type of ['message', 'invoke', 'conversationUpdate', 'installationUpdate', 'messageReaction']) {
      expect(names.filter((name) => name.type === type).length).toBeGreaterThan(20);
    }
    expect(names.filter((name) => name.type.startsWith('raw ')).length).toBeGreaterThan(150);
  });

  it('flags hostile text left live in a reply and a card over Teams\' size, and nothing in a clean reply', () => {
    const card = (text: string) => ({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text }] });
    const attachment = (content: object) => ({ contentType: 'application/vnd.microsoft.card.adaptive', content });
    expect(sentActivityProblems({ text: 'Sorry, I did not understand "help me".', attachments: [attachment(card('Contoso $\u2060{x}'))] }, 'a reply')).toEqual([]);
    expect(sentActivityProblems({ text: 'Customer \u202Egnp.exe', attachments: [attachment(card('Budget ${x}\u2028'))] }, 'a reply').map((p) => p.detail)).toEqual([
      expect.stringContaining('a reply text contains a bidi control'),
      expect.stringContaining('a reply card contains a line/paragraph separator'),
      expect.stringContaining('a reply card contains "${"'),
    ]);
    expect(sentActivityProblems({ attachments: [attachment(card('x'.repeat(30_000)))] }, 'a reply')).toEqual([{ kind: 'oversize', detail: expect.stringContaining('over Teams') }]);
  });

  it('tells a stranger\'s own changes from changes to what was there before', () => {
    const table = (rows: Record<string, unknown>) => new Map(Object.entries(rows).map(([key, value]) => [key, JSON.stringify(value)]));
    const before: Snapshot = new Map([
      ['requests', table({ 'MR-A': { id: 'MR-A', status: 'pending' } })],
      ['runs', table({ 'MR-B': { status: 'completed' } })],
      ['audit', table({})],
    ]);
    const unchanged: Snapshot = new Map([
      ['requests', table({ 'MR-A': { id: 'MR-A', status: 'pending' }, 'MR-S': { id: 'MR-S', status: 'pending' } })],
      ['runs', table({ 'MR-B': { status: 'completed' } })],
      ['audit', table({ 'c1/t/1': { requestId: 'MR-S', action: 'requested' } })],
    ]);
    expect(stateViolations(before, unchanged, new Set(['MR-A', 'MR-B']))).toEqual([]);

    const tampered: Snapshot = new Map([
      ['requests', table({ 'MR-A': { id: 'MR-A', status: 'approved' } })],
      ['runs', table({ 'MR-B': { status: 'completed' }, 'MR-A': { status: 'running' } })],
      ['audit', table({ 'c1/t/2': { requestId: 'MR-A', action: 'approved' } })],
    ]);
    expect(stateViolations(before, tampered, new Set(['MR-A', 'MR-B']))).toEqual([
      expect.stringContaining('requests/MR-A changed'),
      expect.stringContaining('runs/MR-A appeared'),
      expect.stringContaining('audit/c1/t/2 was added to a request that existed before'),
    ]);
  });
});

describe('a stranger at the front door', () => {
  it('gets no 5xx, crashes nothing, hangs nothing and changes nothing that is not theirs, in 2,000 hostile payloads', async () => {
    const report = await runStrangerFuzz({ ...DEFAULT_FUZZ_OPTIONS, seed: SEED, count: COUNT, log: () => {} });

    expect(report.sent).toBe(COUNT);
    // The comparison covers something: Alex's two requests, Megan's decision, the finished run and its audit.
    expect(report.protectedRows).toMatchObject({ requests: 2, runs: 1 });
    expect(report.protectedRows.audit).toBeGreaterThan(3);
    expect(report.protectedRows.conversationRefs).toBeGreaterThanOrEqual(2);
    // The inertness check saw the hostile customers' names in what the bot sent.
    expect(report.replies.withHostileCustomer).toBeGreaterThan(5);
    // The whole report (counts, every distinct failure with its payload and replay command) is the message.
    expect(report.failures.length === 0 ? 'no failures' : formatReport(report)).toBe('no failures');
    expect({ crashes: report.crashes, hangs: report.hangs }).toEqual({ crashes: 0, hangs: 0 });
  }, 300_000);
});
