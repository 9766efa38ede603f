import { Browser, Locator, Page } from 'playwright-core';
import { RunningBot, startBot } from '../../bot/index';
import { createLogger } from '../../services/logging';
import { testConfig } from '../support/config';
import { openBrowser, RunningPlayground, say, startPlayground } from './playground';

/**
 * The approval journey as people see it: Alex (the Playground's default user) walks the migration wizard by
 * clicking the cards' buttons, Megan (a second Playground, `--as megan`) approves in her own window, and Alex
 * watches the progress card turn to Completed in place, followed by the completion summary. Real bot, its embedded
 * sandbox, two Agents Playgrounds, Debian's chromium.
 */

const CUSTOMER_NAME = 'Nod Publishers';
const SCREENSHOTS = process.env.E2E_SCREENSHOT_DIR ?? '/tmp';
const CARD_TIMEOUT_MS = 20_000;
const RUN_TIMEOUT_MS = 60_000;

/** The newest button with this title: earlier cards in the chat carry buttons with the same titles. */
function newestButton(page: Page, title: string): Locator {
  return page.getByRole('button', { name: title, exact: true }).last();
}

async function clickNewest(page: Page, title: string): Promise<void> {
  const button = newestButton(page, title);
  await button.waitFor({ timeout: CARD_TIMEOUT_MS });
  await button.click();
}

/** Waits until the page shows the text; on a timeout, the page is kept as `…-failed.png` to show what it did show. */
async function see(page: Page, text: string, timeout = CARD_TIMEOUT_MS): Promise<void> {
  try {
    await page.getByText(text).last().waitFor({ timeout });
  } catch (error) {
    await shoot(page, `failed-${text.replace(/\W+/g, '-')}`);
    throw error;
  }
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}/kma-e2e-approval-${name}.png` });
}

describe('the approval journey in two Agents Playgrounds: Alex requests, Megan approves, the run completes', () => {
  const warnings: string[] = [];
  let bot: RunningBot;
  let alexPlayground: RunningPlayground;
  let meganPlayground: RunningPlayground;
  let browser: Browser;
  let alex: Page;
  let megan: Page;
  let cleanup: () => void;

  beforeAll(async () => {
    const test = testConfig();
    cleanup = test.cleanup;
    // Kept, not printed: the last step fails on any error the bot logged during the journey.
    bot = await startBot(test.config, createLogger('warn', (line) => warnings.push(line)));
    const sandbox = bot.backend.embeddedSandbox;
    if (!sandbox) throw new Error('the bot did not start its embedded sandbox');
    // Orders provision in 200 ms and are listed at once, so the run's waits are mostly the bot's own polling.
    const knobs = await fetch(`${sandbox.url}/_sandbox/knobs`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provisioningDelayMs: 200, orderListLagMs: 0 }),
    });
    expect(knobs.status).toBe(200);
    const endpoint = `${bot.url}/api/messages`;
    [alexPlayground, meganPlayground] = await Promise.all([startPlayground(endpoint), startPlayground(endpoint, { as: 'megan' })]);
    browser = await openBrowser();
    // One browser context per person, as two people on two machines.
    alex = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
    megan = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([alexPlayground?.stop(), meganPlayground?.stop()]);
    await bot?.close();
    cleanup?.();
  }, 30_000);

  it('1. Megan opens her Playground and says help, so the bot knows her chat', async () => {
    await megan.goto(meganPlayground.url);
    await see(megan, 'Kaizala Migration Assistant');
    await say(megan, 'help');
    await see(megan, 'What I can do');
    await shoot(megan, '1-megan-help');
  });

  it('2. Alex scans, runs migrate Nod Publishers and clicks through the wizard to Request approval', async () => {
    await alex.goto(alexPlayground.url);
    await see(alex, 'Kaizala Migration Assistant');
    // Alex wants every customer's expiry alerts; the scan's completion sends them (most urgent first).
    await say(alex, 'alerts all');
    await see(alex, 'You will now get the expiry alerts of every customer');
    // The wizard works from the scan's report: a fresh bot knows no subscriptions yet.
    await say(alex, 'scan now');
    await see(alex, 'Scan finished');
    await see(alex, 'Most urgent first.');
    await shoot(alex, '2-alex-alert');
    await say(alex, `migrate ${CUSTOMER_NAME}`);

    await see(alex, 'Choose the new plan');
    await expect(alex.getByText('Recommended').last().isVisible()).resolves.toBe(true);
    await shoot(alex, '2-alex-plan-choice');
    await clickNewest(alex, 'Next');

    await see(alex, 'Which users move?');
    await clickNewest(alex, 'Move all users');

    await see(alex, 'How many seats?');
    await clickNewest(alex, 'Next');

    await see(alex, 'Review the migration');
    await shoot(alex, '3-alex-review');
    await clickNewest(alex, 'Request approval');

    await see(alex, 'Approval requested');
    // Alex is never asked himself, and Adele never opened the bot: Megan is the one approver reached.
    await see(alex, 'Approvers reached: 1');
    await shoot(alex, '4-alex-requested');
  }, 60_000);

  it('3. Megan sees the approval card and clicks Approve; the card shows her decision', async () => {
    await see(megan, 'Approve a Kaizala Pro migration?');
    await expect(megan.getByText(CUSTOMER_NAME).last().isVisible()).resolves.toBe(true);
    await shoot(megan, '5-megan-approval-card');
    await clickNewest(megan, 'Approve');
    // The invoke's answer replaces the card in place: the decision shows and the buttons are gone.
    await see(megan, 'Approved by Megan Bowen');
    expect(await megan.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);
    await shoot(megan, '6-megan-approved');
  });

  it('4. Alex sees the progress card go from running to Completed in place, and the completion summary', async () => {
    await see(alex, 'The migration starts now');
    const title = alex.getByText(`Migration: ${CUSTOMER_NAME}`, { exact: true });
    const progressCard = alex.locator('.ac-adaptiveCard', { has: title });
    await see(alex, `Migration: ${CUSTOMER_NAME}`);
    // First seen while the run is still under way (the run takes seconds, the card is posted when it starts) ...
    const firstSeen = await progressCard.innerText();
    await progressCard.screenshot({ path: `${SCREENSHOTS}/kma-e2e-approval-7-alex-progress-first.png` });
    expect(firstSeen).not.toMatch(/\bCompleted\b/);

    await see(alex, `Migration completed: ${CUSTOMER_NAME}`, RUN_TIMEOUT_MS);
    await shoot(alex, '8-alex-summary');
    await expect(alex.getByText(/^(\d+) of \1 users moved$/).last().isVisible()).resolves.toBe(true);
    // ... and that same card, still the only one with this title, ends as Completed: it was updated in place.
    await progressCard.getByText('Completed', { exact: true }).waitFor({ timeout: CARD_TIMEOUT_MS });
    expect(await title.count()).toBe(1);
    await progressCard.screenshot({ path: `${SCREENSHOTS}/kma-e2e-approval-9-alex-progress-completed.png` });
    // The approver gets the summary too.
    await see(megan, `Migration completed: ${CUSTOMER_NAME}`);
    await shoot(megan, '10-megan-summary');
    // Warnings are expected (demo customers without consent, Adele never opened the bot); errors are not.
    expect(warnings.filter((line) => /^\S+ ERROR /.test(line))).toEqual([]);
  }, RUN_TIMEOUT_MS + 30_000);
});
