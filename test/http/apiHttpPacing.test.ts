import type { Pacer } from '../../services/http/pacing/pacer';
import { createTestHttp, getTestToken, json, startFakeServer, type FakeServer } from '../clients/fakeServer';

/** A pacer that lets everything through and records what it was asked. */
class RecordingPacer implements Pacer {
  readonly events: string[] = [];
  async acquire(key: string): Promise<void> {
    this.events.push(`acquire ${key}`);
  }
  async pause(key: string, untilMs: number): Promise<void> {
    this.events.push(`pause ${key} until ${untilMs}`);
  }
}

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('ApiHttp with a rate budget', () => {
  const now = 1_700_000_000_000;

  it('takes a slot before every Partner Center attempt, and a 429 with Retry-After pauses the whole budget', async () => {
    server = await startFakeServer((_request, index) => (index === 0 ? json(429, {}, { 'Retry-After': '7' }) : json(200, {})));
    const pacer = new RecordingPacer();
    const test = createTestHttp({ now: () => now, budgets: { partnerCenter: { pacer, key: 'partner-tenant' } } });
    await test.http.request({ service: 'partnerCenter', method: 'GET', url: `${server.url}/v1/customers`, getToken: getTestToken });
    expect(pacer.events).toEqual(['acquire partner-tenant', `pause partner-tenant until ${now + 7_000}`, 'acquire partner-tenant']);
    expect(server.requests).toHaveLength(2);
  });

  it('does not pause the budget for a 429 without Retry-After (that call backs off alone)', async () => {
    server = await startFakeServer((_request, index) => (index === 0 ? json(429, {}) : json(200, {})));
    const pacer = new RecordingPacer();
    const test = createTestHttp({ now: () => now, budgets: { partnerCenter: { pacer, key: 'p' } } });
    await test.http.request({ service: 'partnerCenter', method: 'GET', url: `${server.url}/v1/customers`, getToken: getTestToken });
    expect(pacer.events).toEqual(['acquire p', 'acquire p']);
  });

  it('leaves services without a budget unpaced', async () => {
    server = await startFakeServer(() => json(200, { value: [] }));
    const pacer = new RecordingPacer();
    const test = createTestHttp({ budgets: { partnerCenter: { pacer, key: 'p' } } });
    await test.http.request({ service: 'graph', method: 'GET', url: `${server.url}/graph/v1.0/users`, getToken: getTestToken });
    expect(pacer.events).toEqual([]);
  });
});
