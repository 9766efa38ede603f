import { Browser } from 'playwright-core';
import { RunningBot, startBot } from '../../bot/index';
import { silentLogger } from '../../services/logging';
import { testConfig } from '../support/config';
import { openBrowser, say, startPlayground } from './playground';

describe('the newcomer path in the Agents Playground', () => {
  let bot: RunningBot;
  let playground: { url: string; stop(): Promise<void> };
  let browser: Browser;
  let cleanup: () => void;

  beforeAll(async () => {
    const test = testConfig();
    cleanup = test.cleanup;
    bot = await startBot(test.config, silentLogger);
    playground = await startPlayground(`${bot.url}/api/messages`);
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await playground?.stop();
    await bot?.close();
    cleanup?.();
  });

  it('shows the welcome card, then answers help with the commands', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(playground.url);
    await page.getByText('Kaizala Migration Assistant').first().waitFor({ timeout: 20_000 });
    await say(page, 'help');
    await page.getByText('What I can do').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: `${process.env.E2E_SCREENSHOT_DIR ?? '/tmp'}/kma-e2e-help.png` });
  });
});
