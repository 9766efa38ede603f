import { createLogger, serializeError } from '../services/logging';
import { newCorrelationId, withCorrelation } from '../services/observability/correlation';

/** A logger whose stdout is not a terminal, as in production: JSON lines captured from process.stdout. */
function jsonLines(work: (log: ReturnType<typeof createLogger>) => void): Record<string, unknown>[] {
  const lines: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  const wasTty = process.stdout.isTTY;
  process.stdout.isTTY = false;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    work(createLogger('info'));
  } finally {
    process.stdout.write = original;
    process.stdout.isTTY = wasTty;
  }
  return lines.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the logger', () => {
  it('writes one JSON object per event with ISO time, level name, message and fields', () => {
    const [line] = jsonLines((log) => log.info('scan finished', { customers: 3 }));
    expect(line).toEqual({ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: 'info', msg: 'scan finished', customers: 3 });
  });

  it('drops events below its level', () => {
    expect(jsonLines((log) => { log.debug('noise'); log.warn('kept'); }).map((l) => l.msg)).toEqual(['kept']);
  });

  it('redacts credentials by path, at the top level and one level down', () => {
    const [line] = jsonLines((log) =>
      log.warn('token refresh failed', { refreshToken: 'rt-secret', request: { authorization: 'Bearer abc' }, tenant: 't1' }),
    );
    expect(line).toMatchObject({ refreshToken: '[redacted]', request: { authorization: '[redacted]' }, tenant: 't1' });
    expect(JSON.stringify(line)).not.toMatch(/rt-secret|Bearer abc/);
  });

  it('serializes errors once: type, message, code and stack — never what a library attached, never a bearer token', () => {
    const error = Object.assign(new Error('request failed: Bearer eyJhbGciOi.eyJzdWIi.c2ln'), {
      code: 'ECONNRESET',
      config: { headers: { Authorization: 'Bearer leaked-token' } },
    });
    const [line] = jsonLines((log) => log.error('Partner Center call failed', { err: error }));
    const err = line.err as Record<string, unknown>;
    expect(err).toMatchObject({ type: 'Error', code: 'ECONNRESET', message: 'request failed: Bearer [redacted]' });
    expect(err.stack).toEqual(expect.stringContaining('logging.test.ts'));
    expect(JSON.stringify(line)).not.toMatch(/leaked-token|eyJhbGciOi/);
    expect(serializeError('plain text')).toEqual({ message: 'plain text' });
  });

  it('stamps every line with the correlation id of the unit of work it runs in', async () => {
    const id = newCorrelationId();
    const lines = jsonLines((log) => {
      log.info('outside');
      withCorrelation(id, () => log.info('inside'));
    });
    expect(lines.map((l) => [l.msg, l.correlationId])).toEqual([['outside', undefined], ['inside', id]]);
    // The id survives awaits inside the unit of work.
    const seen: string[] = [];
    await withCorrelation(id, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      createLogger('info', (line) => seen.push(line)).info('after await');
    });
    expect(seen[0]).toContain(`"correlationId":"${id}"`);
  });

  it('writes readable lines for people (terminals, tests, CLIs)', () => {
    const lines: string[] = [];
    createLogger('info', (line) => lines.push(line)).warn('card rendered as plain fallback', { card: 'expiryAlert' });
    expect(lines).toEqual([expect.stringMatching(/^\S+Z WARN {2}card rendered as plain fallback \{"card":"expiryAlert"\}$/)]);
  });
});
