import { startScanSchedule } from '../../bot/scanSchedule';
import type { Logger } from '../../services/logging';

/** Waits until `done()` holds, checking every 50 ms, for at most `ms`. */
async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('the daily schedule’s other checks', () => {
  it('run on the scan schedule after the scan, also when the scan failed, and one failing check does not stop the next', async () => {
    const order: string[] = [];
    const errors: string[] = [];
    const logger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: (message) => errors.push(message) };
    const schedule = startScanSchedule({
      schedule: '* * * * * *', // every second, so the test sees a tick
      timeZone: 'UTC',
      scans: {
        run: async () => {
          order.push('scan');
          throw new Error('Partner Center unreachable');
        },
      },
      alerts: { runNow: async () => void order.push('alerts') },
      dailyChecks: [
        {
          name: 'broken check',
          run: async () => {
            order.push('broken');
            throw new Error('store down');
          },
        },
        { name: 'partner sign-in age', run: async () => void order.push('sign-in age') },
      ],
      logger,
    });
    try {
      await until(() => order.includes('sign-in age'), 3000);
    } finally {
      schedule.stop();
    }
    expect(order.slice(0, 4)).toEqual(['scan', 'alerts', 'broken', 'sign-in age']);
    expect(errors).toContain('Daily check failed: broken check');
  });
});
