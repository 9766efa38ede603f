/**
 * One correlation id per activity: returned to the caller, on every log line of the turn, and sent to Partner
 * Center (MS-CorrelationId) on every call the turn makes — also on work the turn starts and does not wait for.
 */
import { ALEX, messageActivity } from './support/activities';
import { Journey, waitFor } from './support/journey';

describe('correlation ids', () => {
  const journey = new Journey('00000000-0000-0000-0000-000000000021');
  beforeAll(() => journey.start(), 60_000);
  afterAll(() => journey.stop());

  it('a scan started by a message carries the message\'s correlation id to every Partner Center call', async () => {
    await journey.install(ALEX);
    const response = await fetch(`${journey.bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(messageActivity('scan now', { serviceUrl: journey.connector.url, user: ALEX })),
    });
    expect(response.status).toBe(200);
    const correlationId = response.headers.get('x-correlation-id') ?? '';
    expect(correlationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    type Logged = { api: string; correlationId: string | null; path: string };
    const calls = await waitFor(
      'the scan to read every customer',
      async () => {
        const { requests } = await journey.admin<{ requests: Logged[] }>('GET', '/requests');
        const ours = requests.filter((r) => r.api === 'partnerCenter' && r.correlationId === correlationId);
        return ours.length >= 40 ? ours : undefined;
      },
      60_000,
      journey.logs,
    );
    expect(calls.some((call) => /\/subscriptions/.test(call.path))).toBe(true);

    // The next message is another unit of work with its own id.
    const next = await fetch(`${journey.bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(messageActivity('help', { serviceUrl: journey.connector.url, user: ALEX })),
    });
    expect(next.headers.get('x-correlation-id')).not.toBe(correlationId);
  }, 90_000);
});
