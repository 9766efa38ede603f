/**
 * The stranger fuzz in `npm test`: 2,000 seeded random and hostile activities, invokes and raw requests from people
 * the bot does not know, against the real bot (a child process in local mode) after its legitimate users set up a
 * pending request and a finished run. No answer may be a 5xx, the process may never exit or stop answering
 * /healthz, and nothing only the requester, an approver or the run may change is changed (see harness.ts).
 *
 * A failure lists each distinct cause with its payload and the command that replays it, e.g.
 * `npm run fuzz -- --seed 20261203 --only 42`. The larger run: `npm run fuzz -- --count 10000 --seed N`.
 */
import { DEFAULT_FUZZ_OPTIONS, formatReport, runStrangerFuzz } from './harness';

const SEED = 20261203;
const COUNT = 2_000;

describe('a stranger at the front door', () => {
  it('gets no 5xx, crashes nothing, hangs nothing and changes nothing that is not theirs, in 2,000 hostile payloads', async () => {
    const report = await runStrangerFuzz({ ...DEFAULT_FUZZ_OPTIONS, seed: SEED, count: COUNT, log: () => {} });

    expect(report.sent).toBe(COUNT);
    // The whole report (counts, every distinct failure with its payload and replay command) is the message.
    expect(report.failures.length === 0 ? 'no failures' : formatReport(report)).toBe('no failures');
    expect({ crashes: report.crashes, hangs: report.hangs }).toEqual({ crashes: 0, hangs: 0 });
  }, 240_000);
});
