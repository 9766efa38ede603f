import { APPROVAL_VERBS } from '../bot/approvalHandlers';
import type { MigrationRequest } from '../services/domain/request';
import {
  Journey,
  inputDefaults,
  actionsOf,
  cardText,
  cardsIn,
  titled,
  waitFor,
  type CartChange,
  type CustomerState,
  type CustomerSummary,
  type LicenseChange,
  type OrderChange,
} from './support/journey';
import type { TeamsUser } from './support/activities';

/**
 * The journey of an EEA enterprise-size customer through the real composition root: the wizard recommends the
 * EEA "(no Teams)" suite together with Microsoft Teams EEA and says why, the approver approves once, and the run
 * buys both in one cart (one order), gives every user both licenses and verifies both before suspending Kaizala.
 * Checked against the embedded sandbox's state and ledger.
 */

const ALEX: TeamsUser = { id: '29:alex', aadObjectId: '00000000-0000-0000-0000-0000000000020', name: 'Alex Wilber' };
const MEGAN: TeamsUser = { id: '29:megan', aadObjectId: '00000000-0000-0000-0000-0000000000021', name: 'Megan Bowen' };
const APPROVERS = [MEGAN.aadObjectId, '00000000-0000-0000-0000-0000000000022'].join(',');

/** The demo customer in the Netherlands with more Kaizala users than the 300-seat Business cap and no enterprise suite. */
const CUSTOMER_NAME = 'Blue Yonder Airlines';
const KAIZALA_SKU = '00000000-0000-4000-8000-00000000c0de';
const E1_EEA_SKU = 'b57282e3-65bd-4252-9502-c0eae1e5ab7f';
const TEAMS_EEA_SKU = '7e74bd05-2c47-404e-829a-ba95c66fe8e5';
const PLAN_TITLE = 'Office 365 E1 EEA (no Teams) + Microsoft Teams EEA';
const RUN_TIMEOUT_MS = 150_000;


describe('the EEA journey: a no-Teams suite and Microsoft Teams EEA, one approval, one order, both verified', () => {
  const journey = new Journey(APPROVERS);
  let customer: CustomerState;
  let requestId: string;

  beforeAll(async () => {
    await journey.start();
    await journey.admin('PUT', '/knobs', { provisioningDelayMs: 200, orderListLagMs: 0 });
    const { customers } = await journey.admin<{ customers: CustomerSummary[] }>('GET', '/customers');
    const summary = customers.find((c) => c.companyName === CUSTOMER_NAME);
    if (!summary) throw new Error(`the demo seed has no ${CUSTOMER_NAME}`);
    customer = await journey.admin<CustomerState>('GET', `/state/customers/${summary.id}`);
  }, 30_000);

  afterAll(() => journey.stop(), 30_000);

  it('1. after a scan, the wizard recommends the EEA suite without Teams plus Microsoft Teams EEA, and says why', async () => {
    await journey.install(ALEX);
    await journey.install(MEGAN);
    const before = journey.connector.sent.length;
    await journey.say(ALEX, 'scan now');
    await waitFor('the scan summary', async () => {
      await journey.bot.idle();
      return journey.sentTo(ALEX, before).find((s) => s.activity.text?.startsWith('Scan finished'));
    }, 30_000, journey.logs);
    await journey.bot.idle();

    const kaizalaHolders = customer.users.filter((user) => user.licenses.some((license) => license.skuId === KAIZALA_SKU));
    expect(kaizalaHolders.length).toBeGreaterThan(300);
    const planStep = await journey.say(ALEX, `migrate ${CUSTOMER_NAME}`);
    const planCard = titled(planStep.cards, 'Choose the new plan');
    expect(inputDefaults(planCard).planId).toBe('o365-e1');
    const text = cardText(planCard);
    expect(text).toContain(PLAN_TITLE);
    expect(text).toContain('EEA market (NL)');
    expect(text).not.toContain('Office 365 E1 (no Teams)');

    const usersCard = titled((await journey.press(ALEX, planCard, 'Next')).cards, 'Which users move?');
    const quantityCard = titled((await journey.press(ALEX, usersCard, 'Move all users')).cards, 'How many seats?');
    const reviewCard = titled((await journey.press(ALEX, quantityCard, 'Next')).cards, 'Review the migration');
    expect(cardText(reviewCard)).toContain(PLAN_TITLE);
    const submitted = await journey.press(ALEX, reviewCard, 'Request approval');
    titled(submitted.cards, 'Approval requested');

    const [request] = (await journey.bot.store.list<MigrationRequest>('requests')).map((item) => item.value);
    requestId = request.id;
    expect(request.plan).toMatchObject({ planId: 'o365-e1', title: PLAN_TITLE, skuId: E1_EEA_SKU });
    // One request, two lines: the suite and the Teams standalone, each for every user who moves.
    expect(request.lines?.map((line) => [line.skuId, line.quantity, line.userIds.length])).toEqual([
      [E1_EEA_SKU, request.quantity, kaizalaHolders.length],
      [TEAMS_EEA_SKU, request.quantity, kaizalaHolders.length],
    ]);
    expect(new Set(request.userIds).size).toBe(kaizalaHolders.length);
  }, 90_000);

  it('2. Megan approves once; the run buys, moves, verifies and suspends', async () => {
    await journey.bot.idle();
    const approvalCard = titled(cardsIn(journey.sentTo(MEGAN)), 'Approve a Kaizala Pro migration?');
    const approveData = actionsOf(approvalCard).find((a) => a.verb === APPROVAL_VERBS.approve)?.data;
    const approved = await journey.execute(MEGAN, APPROVAL_VERBS.approve, approveData);
    expect(approved.status).toBe(200);

    const run = await waitFor(
      'the run to complete',
      async () => {
        const current = await journey.run(requestId);
        if (current && ['parked', 'cancelled'].includes(current.status)) {
          throw new Error(`the run stopped: ${JSON.stringify({ status: current.status, step: current.step, parked: current.parked })}\n${journey.logs.join('\n')}`);
        }
        return current?.status === 'completed' ? current : undefined;
      },
      RUN_TIMEOUT_MS,
      journey.logs,
    );
    expect(run).toMatchObject({ status: 'completed', outcome: 'suspended', verifiedInAttempt: expect.any(Number) });
    expect(run.lines.map((line) => line.skuId)).toEqual([E1_EEA_SKU, TEAMS_EEA_SKU]);
    expect(Object.keys(run.newSubscriptionIds ?? {}).sort()).toEqual([E1_EEA_SKU, TEAMS_EEA_SKU].sort());
  }, RUN_TIMEOUT_MS + 15_000);

  it('3. the sandbox ledger shows one cart and one order with both lines, and every user on both SKUs', async () => {
    const request = (await journey.request(requestId)) as MigrationRequest;
    const customerId = customer.customer.id;
    const entries = await journey.ledger(customerId);
    const changes = entries.flatMap((entry) => entry.changes);

    const carts = changes.filter((change): change is CartChange => change.kind === 'cart' && change.before === null);
    expect(carts).toHaveLength(1);
    expect(carts[0].partnerOnRecordAttestationAccepted).toBe(true);
    expect(carts[0].lineItems.map((line) => [line.quantity, line.termDuration, line.billingCycle])).toEqual([
      [request.quantity, 'P1Y', 'monthly'],
      [request.quantity, 'P1Y', 'monthly'],
    ]);
    const orders = changes.filter((change): change is OrderChange => change.kind === 'order' && change.before === null);
    expect(orders).toHaveLength(1);
    expect(orders[0].lineItems.map((line) => line.skuId)).toEqual([E1_EEA_SKU, TEAMS_EEA_SKU]);

    const after = await journey.admin<CustomerState>('GET', `/state/customers/${customerId}`);
    const wrong = request.userIds
      .map((userId) => after.users.find((candidate) => candidate.id === userId))
      .filter((user) => {
        const skus = user?.licenses.map((license) => license.skuId) ?? [];
        return !(skus.includes(E1_EEA_SKU) && skus.includes(TEAMS_EEA_SKU) && !skus.includes(KAIZALA_SKU));
      });
    expect(wrong).toEqual([]);
    expect(after.subscriptions.find((subscription) => subscription.id === request.kaizalaSubscriptionId)?.status).toBe('suspended');

    // One license call per user added both SKUs: nobody was ever left with neither Kaizala nor the suite.
    const licenseChanges = changes.filter((change): change is LicenseChange => change.kind === 'userLicenses');
    const moved = new Set(request.userIds);
    expect(licenseChanges.filter((change) => moved.has(change.userId) && !change.after.includes(KAIZALA_SKU) && !change.after.includes(E1_EEA_SKU))).toEqual([]);
    expect(licenseChanges.filter((change) => moved.has(change.userId))).toHaveLength(moved.size);
  });
});
