/**
 * `history <customer>` as a person reads it (issue 16, point 4): a short timeline, newest first, one sentence per
 * event, people by name, dates in the reader's language and the partner's time zone, a run summarised in one line,
 * and the technical rows (request id, run id, operations) behind a "Details" toggle.
 */
import { createCardValidator } from '../../cards/schemaValidator';
import type { AdaptiveCard } from '../../cards/render';
import { historyCard, historyEvents } from '../../cards/views/history';
import type { AuditEntry } from '../../services/approvals';
import { RunAuditLog } from '../../services/migration';
import { IN_MEMORY, openSqliteStore } from '../../services/store';
import { ALEX, approvalWorld, cardText, Conversation, makeUsers, MEGAN, seedSubscription, subscriptionRow, wizardBot, type WizardWorld } from '../wizard/support';

const CONTOSO = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000001', customerName: 'Contoso Ltd' });
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

async function approvedRequest(users = 20): Promise<{ w: WizardWorld; requestId: string }> {
  const w = approvalWorld(openSqliteStore(IN_MEMORY));
  await seedSubscription(w.store, CONTOSO);
  w.directory.set(CONTOSO.tenantId, makeUsers('a', users));
  w.now.value = new Date('2026-05-21T09:00:00Z');
  const outcome = await w.approvals.requestMigration(
    { customerId: CONTOSO.customerId, subscriptionId: CONTOSO.subscriptionId, planId: 'o365-e1', quantity: users, userIds: 'all' },
    { aadObjectId: ALEX.aadObjectId, name: ALEX.name },
    'en-US',
  );
  if (outcome.kind !== 'requested') throw new Error(outcome.problem);
  w.now.value = new Date('2026-05-21T10:00:00Z');
  const decided = await w.approvals.decide({ requestId: outcome.request.id, version: 1, actor: { aadObjectId: MEGAN.aadObjectId, name: MEGAN.name }, decision: 'approve' });
  if (decided.kind !== 'changed') throw new Error(decided.kind);
  return { w, requestId: outcome.request.id };
}

/** The rows a run writes: the cart, its checkout, one license call per user (one failed, then retried), the suspension. */
async function recordRun(w: WizardWorld, runId: string, users: number, options: { suspend: boolean; checkout: boolean }): Promise<void> {
  const audit = new RunAuditLog(w.store);
  let minute = 0;
  const row = async (action: string, outcome: 'ok' | 'error', summary: string, userId?: string) =>
    audit.record({
      at: new Date(Date.parse('2026-05-21T11:00:00Z') + minute++ * 1000).toISOString(),
      customerId: CONTOSO.customerId,
      customerName: CONTOSO.customerName,
      requestId: runId,
      action,
      details: { outcome, summary, userId, msRequestId: '5b7e1c1a-0000-4000-8000-00000000aaaa', fence: 1, owner: 'worker-7f3a' },
    });
  await row('createCart', 'ok', `cart 1c2d ready: ${users} × DZH318Z0BQ3Q:0007 (P1M, monthly)`);
  if (!options.checkout) return;
  await row('checkout', 'ok', 'cart 1c2d: orders [o-1] errors []');
  for (let i = 0; i < users; i++) {
    const userId = `a0000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    if (i === 3) await row('assignLicense', 'error', `403 Forbidden ${'x'.repeat(400)}`, userId);
    await row('assignLicense', 'ok', `user ${userId}: add [sku] remove []`, userId);
  }
  if (options.suspend) await row('suspendSubscription', 'ok', 'subscription s-1 is suspended');
}

/** Texts a person sees without opening the details: everything but the hidden container. */
function visibleText(card: AdaptiveCard): string {
  const strip = (node: unknown): unknown =>
    Array.isArray(node) ? node.map(strip).filter((item) => item !== undefined)
    : node && typeof node === 'object' ? ((node as { isVisible?: boolean }).isVisible === false ? undefined : Object.fromEntries(Object.entries(node).map(([key, value]) => [key, strip(value)])))
    : node;
  return cardText(strip(card));
}

function hiddenText(card: AdaptiveCard): string {
  const hidden = (card.body as { id?: string; isVisible?: boolean }[]).find((element) => element.isVisible === false);
  return cardText(hidden);
}

describe('history <customer> reads as a timeline', () => {
  it('tells the story newest first in plain words: the run as one line, people by name, no ids or operation names', async () => {
    const { w, requestId } = await approvedRequest(41);
    await recordRun(w, requestId, 41, { suspend: true, checkout: true });
    const alex = new Conversation(wizardBot(w));
    await alex.say('history Contoso Ltd');
    const card = alex.latestCard() as AdaptiveCard;
    const visible = visibleText(card);
    const lines = ['Run: bought 41 seats · moved 41 users · suspended Kaizala Pro · 1 call failed', 'Megan Bowen approved', 'Alex Wilber asked to move 41 users to Office 365 E1'];
    const positions = lines.map((line) => visible.indexOf(line));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(visible).toContain('May 21, 2026, 10:00 AM UTC');
    for (const technical of [GUID, /assignLicense|createCart|suspendSubscription/, /worker-7f3a/, new RegExp(requestId)]) expect(visible).not.toMatch(technical);
    // Three events, not one row per user: a short card.
    expect(JSON.stringify(card.body).length).toBeLessThan(4000);
  });

  it('keeps the technical rows behind a Details toggle that validates against the Adaptive Card schema', async () => {
    const { w, requestId } = await approvedRequest(20);
    await recordRun(w, requestId, 20, { suspend: false, checkout: true });
    const alex = new Conversation(wizardBot(w));
    await alex.say('history Contoso Ltd');
    const card = alex.latestCard() as AdaptiveCard;
    const toggle = (card.actions as { type: string; title: string; targetElements: string[] }[]).find((action) => action.type === 'Action.ToggleVisibility');
    expect(toggle?.title).toBe('Details');
    const hidden = (card.body as { id?: string; isVisible?: boolean }[]).find((element) => element.isVisible === false);
    expect(toggle?.targetElements).toEqual([hidden?.id]);
    const technical = hiddenText(card);
    expect(technical).toContain(`run ${requestId} · createCart ok · checkout ok · assignLicense ok ×20 · assignLicense error: 403 Forbidden`);
    expect(technical).toContain(`${requestId} · approved`);
    expect(technical).not.toContain('x'.repeat(200));
    expect(createCardValidator()(card).valid).toBe(true);
  });

  it('says a cancelled migration bought nothing, and names who cancelled', async () => {
    const { w, requestId } = await approvedRequest(20);
    await recordRun(w, requestId, 20, { suspend: false, checkout: false });
    w.now.value = new Date('2026-05-21T12:00:00Z');
    await w.approvals.releaseAfterCancelledRun(requestId, { aadObjectId: ALEX.aadObjectId, name: ALEX.name }, { moved: 0, users: 20 });
    const visible = await new Conversation(wizardBot(w)).say('history Contoso Ltd');
    expect(visible).toContain('Alex Wilber cancelled the migration — nothing was bought');
    expect(visible.indexOf('cancelled the migration')).toBeLessThan(visible.indexOf('Run: started, nothing done yet'));
  });

  it('reads the same in German with `verlauf`', async () => {
    const { w } = await approvedRequest(20);
    const reply = await new Conversation(wizardBot(w), ALEX, 'de-DE').say(`verlauf ${CONTOSO.customerId}`);
    expect(reply).toContain('Megan Bowen hat genehmigt');
    expect(reply).toMatch(/Alex Wilber hat beantragt, 20 Benutzer auf Office 365 E1.* umzustellen/);
    expect(reply).toContain('21. Mai 2026, 10:00 UTC');
    expect(reply).not.toMatch(/Approved|Requested|asked to move/);
  });
});

describe('history events and their wording', () => {
  const row = (action: string, at: string, actor?: { aadObjectId: string; name: string }, details: AuditEntry['details'] = {}): AuditEntry => ({
    at,
    customerId: CONTOSO.customerId,
    customerName: CONTOSO.customerName,
    requestId: 'MR-8M3R0YX5QE',
    action,
    ...(actor ? { actor } : {}),
    details,
  });

  it('names people from the directory first, then the name in the row, never by their object id', async () => {
    const renamed = { aadObjectId: MEGAN.aadObjectId, name: 'M. Bowen (old name)' };
    const nameless = { aadObjectId: 'f0000000-0000-4000-8000-000000000099', name: '' };
    const events = await historyEvents(
      [row('requested', '2026-05-21T09:00:00Z', { aadObjectId: ALEX.aadObjectId, name: ALEX.name }, { plan: 'Office 365 E1', quantity: 1, users: 1 }), row('approved', '2026-05-21T10:00:00Z', renamed), row('withdrawn', '2026-05-21T11:00:00Z', nameless), row('expired', '2026-05-21T12:00:00Z')],
      'en',
      async (id) => (id === MEGAN.aadObjectId ? MEGAN.name : undefined),
    );
    expect(events.map((event) => event.text)).toEqual([
      'The request expired: nobody decided in time',
      'someone withdrew the request',
      'Megan Bowen approved',
      'Alex Wilber asked to move 1 user to Office 365 E1',
    ]);
    expect(events.map((event) => event.text).join('\n')).not.toMatch(GUID);
  });

  it('a cancellation says what the run bought by its own account: an order Partner Center cancelled bought nothing', async () => {
    const alex = { aadObjectId: ALEX.aadObjectId, name: ALEX.name };
    const run = (action: string, at: string, summary: string): AuditEntry => ({ ...row(action, at), details: { outcome: 'ok', summary, fence: 1, owner: 'w' } });
    const ordered = [run('createCart', '2026-05-21T11:00:00Z', 'cart c ready: 2 × X (P1Y, monthly)'), run('checkout', '2026-05-21T11:01:00Z', 'cart c: orders [o-1] errors []')];
    const texts = async (purchase?: string) =>
      (await historyEvents([...ordered, row('cancelled', '2026-05-21T12:00:00Z', alex, { moved: 0, users: 2, ...(purchase ? { purchase } : {}) })], 'en')).map((event) => event.text);
    expect(await texts('orderCancelled')).toEqual(['Alex Wilber cancelled the migration — nothing was bought', 'Run: Partner Center cancelled the order, nothing was bought']);
    expect(await texts('bought')).toEqual(['Alex Wilber cancelled the migration — the seats bought stay, no user was moved', 'Run: bought 2 seats']);
    expect((await texts('maybe'))[0]).toContain('may have gone through');
    // Rows written before the run said: a checkout that returned an order counts as bought.
    expect((await texts())[0]).toBe('Alex Wilber cancelled the migration — the seats bought stay, no user was moved');
  });

  it('says plainly when a rejection came without a reason', async () => {
    const events = await historyEvents([row('rejected', '2026-05-21T10:00:00Z', { aadObjectId: MEGAN.aadObjectId, name: MEGAN.name }, { reason: '' })], 'en');
    expect(events[0].text).toBe('Megan Bowen rejected without giving a reason');
    const german = await historyEvents([row('rejected', '2026-05-21T10:00:00Z', { aadObjectId: MEGAN.aadObjectId, name: MEGAN.name }, { reason: 'Zu teuer' })], 'de');
    expect(german[0].text).toBe('Megan Bowen hat abgelehnt: Zu teuer');
  });

  it('writes dates in the reader’s language and the partner’s time zone', async () => {
    const events = await historyEvents([row('approved', '2026-12-03T13:05:00Z', { aadObjectId: MEGAN.aadObjectId, name: MEGAN.name })], 'en');
    expect(historyCard('Contoso Ltd', events, 1, 'de', 'Europe/Berlin').entries[0].when).toBe('3. Dez. 2026, 14:05 MEZ');
    expect(historyCard('Contoso Ltd', events, 1, 'en', 'America/New_York').entries[0].when).toBe('Dec 3, 2026, 8:05 AM EST');
    // A zone Intl does not know falls back to UTC instead of failing the command.
    expect(historyCard('Contoso Ltd', events, 1, 'en', 'Mars/Olympus').entries[0].when).toBe('Dec 3, 2026, 1:05 PM UTC');
  });
});
