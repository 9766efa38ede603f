import { APPROVAL_VERBS } from '../bot/approvalHandlers';
import type { MigrationRequest } from '../services/domain/request';
import type { MigrationRun } from '../services/migration';
import {
  Journey,
  inputDefaults,
  actionsOf,
  cardText,
  cardsIn,
  titled,
  waitFor,
  type Card,
  type CustomerState,
  type CustomerSummary,
  type LicenseChange,
  type OrderChange,
} from './support/journey';
import type { TeamsUser } from './support/activities';

/**
 * The whole product through the real composition root: installs, alerts after a scan, the migration wizard, the
 * approval (refused to the requester, granted by an approver) and the background run, checked against the
 * embedded sandbox's own state and ledger. Every step talks to /api/messages with Teams-shaped activities and
 * reads what the bot sent from the fake Bot Connector.
 */

// The Agents Playground's ids (13 digits in the last group), as in local mode's default APPROVERS.
const ALEX: TeamsUser = { id: '29:alex', aadObjectId: '00000000-0000-0000-0000-0000000000020', name: 'Alex Wilber' };
const MEGAN: TeamsUser = { id: '29:megan', aadObjectId: '00000000-0000-0000-0000-0000000000021', name: 'Megan Bowen' };
const ADELE_ID = '00000000-0000-0000-0000-0000000000022';
/**
 * The default approvers (Megan, Adele) plus Alex: an approver who requests must still be refused his own request
 * (without Alex in the list the refusal would only say he is no approver at all).
 */
const APPROVERS = [MEGAN.aadObjectId, ADELE_ID, ALEX.aadObjectId].join(',');

/** A small demo customer (28 users, ends in 85 days: alerted at the 90-day threshold, no deadline warning). */
const CUSTOMER_NAME = 'Nod Publishers';
const KAIZALA_SKU = '00000000-0000-4000-8000-00000000c0de';
const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';
const RUN_TIMEOUT_MS = 45_000;


describe('the journey: alerts → wizard → approval → migration run, through the real bot and its embedded sandbox', () => {
  const journey = new Journey(APPROVERS);
  let customer: CustomerState;
  let requestId: string;
  let approvalCard: Card;

  beforeAll(async () => {
    await journey.start();
    // Orders provision in 200 ms and are listed at once, so the run's waits are mostly the bot's own polling.
    await journey.admin('PUT', '/knobs', { provisioningDelayMs: 200, orderListLagMs: 0 });
    const { customers } = await journey.admin<{ customers: CustomerSummary[] }>('GET', '/customers');
    const summary = customers.find((c) => c.companyName === CUSTOMER_NAME);
    if (!summary) throw new Error(`the demo seed has no ${CUSTOMER_NAME}`);
    customer = await journey.admin<CustomerState>('GET', `/state/customers/${summary.id}`);
  }, 30_000);

  afterAll(() => journey.stop(), 30_000);

  it('1. Alex and Megan install the bot and are welcomed', async () => {
    await journey.install(ALEX);
    await journey.install(MEGAN);
    for (const user of [ALEX, MEGAN]) {
      expect(cardText(cardsIn(journey.sentTo(user))[0])).toContain('Kaizala Migration Assistant');
    }
  });

  it('2. alerts all, then scan now: the scan summary and the alert digests reach Alex', async () => {
    const optIn = await journey.say(ALEX, 'alerts all');
    expect(optIn.texts.join('\n')).toContain('every customer');

    const before = journey.connector.sent.length;
    const scan = await journey.say(ALEX, 'scan now');
    expect(scan.texts.join('\n')).toContain('Scanning Partner Center');
    const scanSummary = () => journey.sentTo(ALEX, before).find((s) => s.activity.text?.startsWith('Scan finished'));
    // The scan runs after the answer; idle() also waits for the alerts its completion triggers.
    await waitFor('the scan summary', async () => {
      await journey.bot.idle();
      return scanSummary();
    }, 20_000, journey.logs);
    await journey.bot.idle();

    expect(scanSummary()?.activity.text).toMatch(/of 44 customers scanned/);
    const alerts = cardsIn(journey.sentTo(ALEX, before));
    // Far more than five alerts at once: they come as digests, each row with its own Start migration button.
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((card) => cardText(card).includes('Kaizala Pro subscriptions need attention'))).toBe(true);
    expect(alerts.map(cardText).join('\n')).toContain(CUSTOMER_NAME);
    expect(journey.sentTo(MEGAN, before)).toEqual([]);
  });

  it('3. Alex walks the wizard from the alert to "Request approval"; Megan gets the approval card', async () => {
    expect(customer.users.length).toBeGreaterThanOrEqual(10);
    expect(customer.users.length).toBeLessThanOrEqual(40);
    const digest = titled(cardsIn(journey.sentTo(ALEX)), CUSTOMER_NAME);
    const start = actionsOf(digest).find((a) => a.data?.command === 'migrate' && a.data.customerId === customer.customer.id);
    expect(start).toBeDefined();

    const planStep = await journey.say(ALEX, '', start?.data);
    const planCard = titled(planStep.cards, 'Choose the new plan');
    const recommended = inputDefaults(planCard).planId;
    expect(recommended).toBeTruthy();
    expect(cardText(planCard)).toContain('Recommended');

    const usersStep = await journey.press(ALEX, planCard, 'Next');
    const usersCard = titled(usersStep.cards, 'Which users move?');
    const quantityStep = await journey.press(ALEX, usersCard, 'Move all users');
    const quantityCard = titled(quantityStep.cards, 'How many seats?');
    const defaultQuantity = Number(inputDefaults(quantityCard).quantity);
    const reviewStep = await journey.press(ALEX, quantityCard, 'Next');
    const reviewCard = titled(reviewStep.cards, 'Review the migration');
    expect(cardText(reviewCard)).toContain(CUSTOMER_NAME);

    const megansBefore = journey.connector.sent.length;
    const submitted = await journey.press(ALEX, reviewCard, 'Request approval');
    const submittedCard = titled(submitted.cards, 'Approval requested');
    // The requester is never asked, and Adele has not installed the bot: only Megan can be reached.
    expect(cardText(submittedCard)).toContain('Approvers reached: 1');

    const requests = (await journey.bot.store.list<MigrationRequest>('requests')).map((item) => item.value);
    expect(requests).toHaveLength(1);
    const [request] = requests;
    requestId = request.id;
    const kaizalaHolders = customer.users.filter((user) => user.licenses.some((license) => license.skuId === KAIZALA_SKU)).map((user) => user.id);
    expect(request).toMatchObject({ status: 'pending', version: 1, customerId: customer.customer.id, requester: { aadObjectId: ALEX.aadObjectId } });
    expect(request.plan.planId).toBe(recommended);
    expect([...request.userIds].sort()).toEqual([...kaizalaHolders].sort());
    expect(request.quantity).toBe(defaultQuantity);
    expect(request.quantity).toBeGreaterThanOrEqual(kaizalaHolders.length);

    await journey.bot.idle();
    const megansCards = cardsIn(journey.sentTo(MEGAN, megansBefore));
    approvalCard = titled(megansCards, 'Approve a Kaizala Pro migration?');
    const verbs = actionsOf(approvalCard).filter((a) => a.type === 'Action.Execute').map((a) => a.verb);
    expect(verbs).toEqual(expect.arrayContaining([APPROVAL_VERBS.approve, APPROVAL_VERBS.reject]));
    expect(actionsOf(approvalCard).find((a) => a.verb === APPROVAL_VERBS.approve)?.data).toEqual({ requestId, version: 1 });
  }, 30_000);

  it('4. Alex cannot approve his own request; Megan approves and gets the decided card at once', async () => {
    const approveData = actionsOf(approvalCard).find((a) => a.verb === APPROVAL_VERBS.approve)?.data;

    const refused = await journey.execute(ALEX, APPROVAL_VERBS.approve, approveData);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ statusCode: 403, type: 'application/vnd.microsoft.error', value: { code: 'SelfApproval' } });
    expect(await journey.request(requestId)).toMatchObject({ status: 'pending', version: 1 });
    expect(await journey.run(requestId)).toBeUndefined();
    await journey.bot.idle();
    // Nothing was decided, so no approval card changed (Alex's wizard card was updated in place, step by step).
    expect(journey.sentTo(MEGAN).filter((s) => s.method === 'PUT')).toEqual([]);

    const before = journey.connector.sent.length;
    const clickedAt = Date.now();
    const approved = await journey.execute(MEGAN, APPROVAL_VERBS.approve, approveData);
    const answeredInMs = Date.now() - clickedAt;
    expect(approved.status).toBe(200);
    expect(approved.body.type).toBe(ADAPTIVE_CARD);
    expect(cardText(approved.body.value)).toContain('Approved by Megan Bowen');
    expect(approved.body.value.actions).toBeUndefined();
    // Teams gives an invoke a few seconds; the purchase must not happen inside the click.
    expect(answeredInMs).toBeLessThan(3_000);
    expect(await journey.request(requestId)).toMatchObject({ status: 'approved', version: 2, decidedBy: { aadObjectId: MEGAN.aadObjectId } });

    // Afterwards Megan's approval card loses its buttons in place, and Alex is told the migration starts.
    await journey.bot.idle();
    const megansUpdate = journey.sentTo(MEGAN, before).find((s) => s.method === 'PUT');
    expect(megansUpdate).toBeDefined();
    expect(cardText(cardsIn(megansUpdate ? [megansUpdate] : []))).toContain('Approved by Megan Bowen');
    expect(actionsOf(cardsIn(megansUpdate ? [megansUpdate] : [])).filter((a) => a.type === 'Action.Execute')).toEqual([]);
    expect(cardsIn(journey.sentTo(ALEX, before)).map(cardText).join('\n')).toContain('The migration starts now');
  });

  it('5. the run completes in the background and Alex gets its progress card and a completion summary', async () => {
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
    expect(run).toMatchObject({ status: 'completed', step: 'completed', outcome: 'suspended' });
    expect(run.users.every((user) => user.state === 'done')).toBe(true);

    const summary = await waitFor(
      'the completion summary',
      async () => cardsIn(journey.sentTo(ALEX)).find((card) => cardText(card).includes(`Migration completed: ${CUSTOMER_NAME}`)),
      10_000,
      journey.logs,
    );
    expect(cardText(summary)).toContain('suspended');
    // The approver gets the summary too.
    await waitFor(
      "Megan's copy of the summary",
      async () => cardsIn(journey.sentTo(MEGAN)).find((card) => cardText(card).includes(`Migration completed: ${CUSTOMER_NAME}`)),
      10_000,
      journey.logs,
    );
    // The progress card was sent once and then updated in place (PUT) up to its completed state; updates are
    // spaced out, so the last one may follow the summary.
    const progressCards = () => journey.sentTo(ALEX).filter((s) => cardText(cardsIn([s])).includes(`Migration: ${CUSTOMER_NAME}`));
    await waitFor(
      'the progress card to show the completed run',
      async () => {
        const latest = progressCards().at(-1);
        return latest?.method === 'PUT' && cardText(cardsIn([latest])).includes('Completed') ? latest : undefined;
      },
      10_000,
      journey.logs,
    );
    const [first, ...updates] = progressCards();
    expect(first.method).toBe('POST');
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.every((update) => update.method === 'PUT' && update.activityId === updates[0].activityId)).toBe(true);
  }, RUN_TIMEOUT_MS + 15_000);

  it('6. the sandbox shows one order, every user on the new plan, Kaizala suspended, nobody ever without a license', async () => {
    const request = (await journey.request(requestId)) as MigrationRequest;
    const run = (await journey.run(requestId)) as MigrationRun;
    const customerId = customer.customer.id;
    const after = await journey.admin<CustomerState>('GET', `/state/customers/${customerId}`);
    const entries = await journey.ledger(customerId);

    const ordersCreated = entries.flatMap((entry) => entry.changes).filter((change): change is OrderChange => change.kind === 'order' && change.before === null);
    expect(ordersCreated).toHaveLength(1);
    expect(run.purchase.orderIds ?? []).toEqual([ordersCreated[0].orderId]);
    const newSkuIds = new Set(ordersCreated[0].lineItems.map((line) => line.skuId));
    expect(newSkuIds).toEqual(new Set([request.plan.skuId]));

    for (const userId of request.userIds) {
      const user = after.users.find((candidate) => candidate.id === userId);
      const skus = user?.licenses.map((license) => license.skuId) ?? [];
      expect({ user: user?.userPrincipalName, holdsNewPlan: skus.includes(request.plan.skuId), holdsKaizala: skus.includes(KAIZALA_SKU) }).toEqual({
        user: user?.userPrincipalName,
        holdsNewPlan: true,
        holdsKaizala: false,
      });
    }
    expect(after.users.filter((user) => user.licenses.some((license) => license.skuId === KAIZALA_SKU))).toEqual([]);
    const kaizala = after.subscriptions.find((subscription) => subscription.id === request.kaizalaSubscriptionId);
    expect(kaizala?.status).toBe('suspended');

    // Every license change of a moved user left them holding Kaizala Pro or the new plan (or both), never neither.
    const licenseChanges = entries.flatMap((entry) => entry.changes).filter((change): change is LicenseChange => change.kind === 'userLicenses');
    const moved = new Set(request.userIds);
    const unlicensed = licenseChanges.filter((change) => moved.has(change.userId) && !change.after.includes(KAIZALA_SKU) && !change.after.includes(request.plan.skuId));
    expect(unlicensed).toEqual([]);
    expect(new Set(licenseChanges.map((change) => change.userId))).toEqual(moved);
  });
});
