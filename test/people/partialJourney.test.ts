/**
 * A partial migration through to its honest end, through the real composition root and its embedded sandbox:
 * Alex leaves two users behind, the review says Kaizala Pro stays for them, the run completes without suspending
 * and its card says so; the customer is then free for a new request, whose cancelled order is cancelled from its
 * card (saying nothing was bought), shows in history, and frees the customer again.
 */
import { formatDate } from '../../cards/format';
import { APPROVAL_VERBS } from '../../bot/approvalHandlers';
import { RUN_VERBS } from '../../bot/runHandlers';
import type { MigrationRequest } from '../../services/domain/request';
import type { TeamsUser } from '../support/activities';
import { Journey, actionsOf, cardText, cardsIn, nodesOf, titled, waitFor, type Card, type CustomerState, type CustomerSummary } from '../support/journey';

const ALEX: TeamsUser = { id: '29:alex', aadObjectId: '00000000-0000-0000-0000-0000000000020', name: 'Alex Wilber' };
const MEGAN: TeamsUser = { id: '29:megan', aadObjectId: '00000000-0000-0000-0000-0000000000021', name: 'Megan Bowen' };
const APPROVERS = [MEGAN.aadObjectId, '00000000-0000-0000-0000-0000000000022'].join(',');
const CUSTOMER_NAME = 'Nod Publishers';
const KAIZALA_SKU = '00000000-0000-4000-8000-00000000c0de';
const RUN_TIMEOUT_MS = 45_000;

describe('a partial migration, end to end', () => {
  const journey = new Journey(APPROVERS);
  let customer: CustomerState;

  beforeAll(async () => {
    await journey.start();
    await journey.admin('PUT', '/knobs', { provisioningDelayMs: 200, orderListLagMs: 0 });
    const { customers } = await journey.admin<{ customers: CustomerSummary[] }>('GET', '/customers');
    const summary = customers.find((c) => c.companyName === CUSTOMER_NAME);
    if (!summary) throw new Error(`the demo seed has no ${CUSTOMER_NAME}`);
    customer = await journey.admin<CustomerState>('GET', `/state/customers/${summary.id}`);
    await journey.install(ALEX);
    await journey.install(MEGAN);
    const before = journey.connector.sent.length;
    await journey.say(ALEX, 'scan now');
    await waitFor('the scan summary', async () => {
      await journey.bot.idle();
      return journey.sentTo(ALEX, before).find((s) => s.activity.text?.startsWith('Scan finished'));
    }, 30_000, journey.logs);
    await journey.bot.idle();
  }, 60_000);

  afterAll(() => journey.stop(), 30_000);

  const holders = () => customer.users.filter((user) => user.licenses.some((license) => license.skuId === KAIZALA_SKU)).map((user) => user.id);

  /** Megan approves the newest request from her card. */
  async function approveNewest(): Promise<MigrationRequest> {
    await journey.bot.idle();
    const card = titled(cardsIn(journey.sentTo(MEGAN)).reverse(), 'Approve a Kaizala Pro migration?');
    const data = actionsOf(card).find((a) => a.verb === APPROVAL_VERBS.approve)?.data;
    expect((await journey.execute(MEGAN, APPROVAL_VERBS.approve, data)).status).toBe(200);
    const requests = (await journey.bot.store.list<MigrationRequest>('requests')).map((item) => item.value);
    return requests.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  }

  function latestProgress(runId: string): Card | undefined {
    return cardsIn(journey.sentTo(ALEX))
      .filter((card) => actionsOf(card).some((a) => a.data?.runId === runId) || cardText(card).includes(`Migration: ${CUSTOMER_NAME}`))
      .at(-1);
  }

  test('the review says Kaizala Pro stays for the users left behind; the run completes without suspending and says so', async () => {
    const all = holders();
    const moving = all.slice(0, all.length - 2);
    const plan = titled((await journey.say(ALEX, `migrate ${CUSTOMER_NAME}`)).cards, 'Choose the new plan');
    const users = titled((await journey.press(ALEX, plan, 'Next')).cards, 'Which users move?');
    expect(nodesOf(users).some((node) => node.id === 'userIds')).toBe(true);
    const quantity = titled((await journey.press(ALEX, users, 'Move the selected users', { userIds: moving.join(',') })).cards, 'How many seats?');
    const review = titled((await journey.press(ALEX, quantity, 'Next')).cards, 'Review the migration');
    // The end date as the scan stored it (the date the cards show).
    const rows = (await journey.bot.store.list<{ commitmentEndDate: string; customerId: string }>('subscriptionsSeen')).map((item) => item.value);
    const date = rows.find((row) => row.customerId === customer.customer.id)?.commitmentEndDate.slice(0, 10);
    expect(date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(cardText(review)).toContain(`C. Keep Kaizala Pro for the 2 users who do not move, until ${formatDate(date ?? '', 'en')}`);
    expect(cardText(review)).toContain('will NOT be suspended');
    expect(cardText(review)).not.toContain('C. Suspend');
    titled((await journey.press(ALEX, review, 'Request approval')).cards, 'Approval requested');

    const request = await approveNewest();
    expect(request).toMatchObject({ status: 'approved', usersLeftBehind: 2 });
    const run = await waitFor('the run to finish', async () => {
      const current = await journey.run(request.id);
      return current && ['completed', 'parked', 'cancelled'].includes(current.status) ? current : undefined;
    }, RUN_TIMEOUT_MS, journey.logs);
    expect(run).toMatchObject({ status: 'completed', outcome: 'kept' });

    const after = await journey.admin<CustomerState>('GET', `/state/customers/${customer.customer.id}`);
    expect(after.subscriptions.find((s) => s.sandbox.skuId === KAIZALA_SKU)?.status).toBe('active');
    const stillOnKaizala = after.users.filter((user) => user.licenses.some((license) => license.skuId === KAIZALA_SKU)).map((user) => user.id);
    expect(stillOnKaizala.sort()).toEqual(all.slice(-2).sort());

    const final = await waitFor('the completed progress card', async () => {
      const card = latestProgress(request.id);
      return card && cardText(card).includes('Completed') && cardText(card).includes('Kaizala Pro kept for 2 users') ? card : undefined;
    }, 10_000, journey.logs);
    expect(cardText(final)).toContain(`Kaizala Pro kept for 2 users until ${date}`);
    expect(cardText(final)).not.toContain('Check that nobody holds Kaizala Pro');
  }, RUN_TIMEOUT_MS + 20_000);

  test('the customer is free again; a cancelled order is cancelled from its card as "nothing was bought", and history shows it', async () => {
    await journey.admin('PUT', '/knobs', { faults: [{ action: 'failOrder', operation: 'checkout', customerId: customer.customer.id, times: 1 }] });
    const plan = titled((await journey.say(ALEX, `migrate ${CUSTOMER_NAME}`)).cards, 'Choose the new plan');
    const users = titled((await journey.press(ALEX, plan, 'Next')).cards, 'Which users move?');
    const quantity = titled((await journey.press(ALEX, users, 'Move all users')).cards, 'How many seats?');
    const review = titled((await journey.press(ALEX, quantity, 'Next')).cards, 'Review the migration');
    expect(cardText(review)).toContain('(2)');
    titled((await journey.press(ALEX, review, 'Request approval')).cards, 'Approval requested');
    const request = await approveNewest();
    const parked = await waitFor('the run to park', async () => {
      const current = await journey.run(request.id);
      return current?.status === 'parked' ? current : undefined;
    }, RUN_TIMEOUT_MS, journey.logs);
    expect(parked.parked?.code).toBe('orderFailed');

    const parkedCard = await waitFor('the parked progress card', async () => {
      const card = latestProgress(request.id);
      return card && actionsOf(card).some((a) => a.verb === RUN_VERBS.cancel) ? card : undefined;
    }, 10_000, journey.logs);
    expect(cardText(parkedCard)).toContain('Partner Center cancelled order');
    expect(cardText(parkedCard)).not.toContain('Already bought');
    const cancel = actionsOf(parkedCard).find((a) => a.verb === RUN_VERBS.cancel)?.data;
    const answer = await journey.execute(ALEX, RUN_VERBS.cancel, cancel);
    expect(answer.status).toBe(200);
    expect(cardText(answer.body.value)).toContain('Nothing was bought.');
    expect(cardText(answer.body.value)).not.toContain('Already bought');

    const history = await journey.say(ALEX, `history ${CUSTOMER_NAME}`);
    expect(history.cards.map(cardText).join('\n')).toContain('Alex Wilber cancelled the migration — nothing was bought');
    const again = await journey.say(ALEX, `migrate ${CUSTOMER_NAME}`);
    expect(again.cards.map(cardText).join('\n')).toContain('Choose the new plan');
    expect(again.texts.join('\n')).not.toContain('already being migrated');
  }, RUN_TIMEOUT_MS + 20_000);
});
