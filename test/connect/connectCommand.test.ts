import { CONNECTION_VERBS } from '../../bot/connectionHandlers';
import connectStatusTemplate from '../../cards/connectStatus.json';
import { ALEX, ADELE, cardText, Conversation, MEGAN } from '../wizard/support';
import { actionsOf, connectedStatus, connectWorld, DAY_MS, T0 } from './support';

const ADMINS = [ALEX.aadObjectId];

describe('connect partner center', () => {
  it('gives an admin the device code, the sign-in link and the expiry, then confirms in the same chat: connected as whom, MFA ✓', async () => {
    const w = connectWorld(ADMINS);
    const alex = new Conversation(w.adapter);
    const reply = await alex.say('connect partner center');
    expect(w.connection.signIns).toHaveLength(1);
    expect(reply).toContain('Sign in to Partner Center');
    expect(reply).toContain('CODE-111');
    expect(reply).toContain('12:15 UTC (in 15 min)');
    const card = alex.latestCard();
    expect(actionsOf(card)).toEqual([expect.objectContaining({ type: 'Action.OpenUrl', title: 'Open the sign-in page', url: 'https://microsoft.com/devicelogin' })]);
    expect(w.notifier.sent).toEqual([]);

    w.connection.signIns[0].finish(connectedStatus(0));
    await w.settle();
    expect(w.notifier.sent).toEqual([{ conversationId: `a:personal-${ALEX.id}`, text: 'Connected to Partner Center as **pc.admin@partner.example**, MFA ✓.' }]);
  });

  it('says so when the sign-in carried no MFA claim, and asks for a sign-in with MFA', async () => {
    const w = connectWorld(ADMINS);
    await new Conversation(w.adapter).say('connect partner center');
    w.connection.signIns[0].finish(connectedStatus(0, { mfa: false }));
    await w.settle();
    expect(w.notifier.sent.map((s) => s.text)).toEqual([expect.stringContaining('but **without MFA** ✗')]);
  });

  it('says what failed and what to do when the sign-in fails or the code expires', async () => {
    const w = connectWorld(ADMINS);
    const alex = new Conversation(w.adapter);
    await alex.say('connect partner center');
    w.connection.signIns[0].finish({ state: 'notConnected', mfa: false, lastFailure: { at: T0, reason: 'AADSTS70016 authorization_pending expired' } });
    await alex.say('connect partner center');
    w.connection.signIns[1].fail(new Error('expired_token: the device code expired'));
    await w.settle();
    expect(w.notifier.sent.map((s) => s.text)).toEqual([
      'The Partner Center sign-in did not complete: AADSTS70016 authorization_pending expired. Type **connect partner center** for a new code.',
      'The Partner Center sign-in did not complete: expired_token: the device code expired. Type **connect partner center** for a new code.',
    ]);
  });

  it('refuses a non-admin, naming the ADMINS setting, and starts no sign-in', async () => {
    const w = connectWorld(ADMINS);
    const reply = await new Conversation(w.adapter, MEGAN).say('connect partner center');
    expect(reply).toContain('**ADMINS**');
    expect(reply).not.toContain('CODE-');
    expect(w.connection.signIns).toHaveLength(0);
  });

  it('recognises an admin named by UPN once the bot knows their UPN', async () => {
    const w = connectWorld(['megan.bowen@partner.example']);
    const megan = new Conversation(w.adapter, MEGAN);
    expect(await megan.say('connect partner center')).toContain('**ADMINS**');
    w.people.upns.set(MEGAN.aadObjectId, 'Megan.Bowen@partner.example');
    expect(await megan.say('connect partner center')).toContain('CODE-111');
  });

  it('answers in German to "partner center verbinden"', async () => {
    const w = connectWorld(ADMINS);
    const alex = new Conversation(w.adapter, ALEX, 'de-DE');
    const reply = await alex.say('partner center verbinden');
    expect(reply).toContain('Bei Partner Center anmelden');
    expect(reply).toContain('Anmeldeseite öffnen');
    w.connection.signIns[0].finish(connectedStatus(0));
    await w.settle();
    expect(w.notifier.sent.map((s) => s.text)).toEqual(['Mit Partner Center verbunden als **pc.admin@partner.example**, MFA ✓.']);
    expect(await new Conversation(w.adapter, MEGAN, 'de-DE').say('partner center verbinden')).toContain('Einstellung **ADMINS**');
  });

  it('says the sign-in could not start, with a reference, when the identity endpoint fails', async () => {
    const w = connectWorld(ADMINS);
    w.connection.connectError = new Error('connect ECONNREFUSED 127.0.0.1:3979');
    const reply = await new Conversation(w.adapter).say('connect partner center');
    expect(reply).toMatch(/^The Partner Center sign-in could not be started: connect ECONNREFUSED 127\.0\.0\.1:3979\. Try again in a few minutes \(reference [0-9a-f]{8}\)\.$/);
  });
});

describe('status', () => {
  it('shows whom the bot is connected as, MFA, the token age in days and the last failure, with Reconnect for an admin', async () => {
    const w = connectWorld(ADMINS);
    w.connection.current = connectedStatus(12, { lastRedeemedAt: T0 - 12 * DAY_MS, lastFailure: { at: T0 - 13 * DAY_MS, reason: 'AADSTS50076 MFA required' } });
    const alex = new Conversation(w.adapter);
    const text = await alex.say('status');
    expect(text).toContain('Partner Center connection');
    expect(text).toContain('Connected as\npc.admin@partner.example');
    expect(text).toContain('MFA\n✓ yes');
    expect(text).toContain('Token age\n12 days');
    expect(text).toContain('Last used\n2026-11-21 12:00 UTC');
    expect(text).toContain('Last failure\n2026-11-20 12:00 UTC: AADSTS50076 MFA required');
    expect(actionsOf(alex.latestCard()).map((a) => a.verb)).toEqual([CONNECTION_VERBS.reconnect]);
  });

  it('tells anyone how it stands, without a Reconnect button for non-admins', async () => {
    const w = connectWorld(ADMINS);
    const megan = new Conversation(w.adapter, MEGAN);
    const text = await megan.say('status');
    expect(text).toContain('State\nNot connected');
    expect(text).toContain('Token age\nunknown');
    expect(text).toContain('connect partner center');
    expect(actionsOf(megan.latestCard())).toEqual([]);
  });

  it('shows a failing sign-in and a missing MFA claim for what they are', async () => {
    const w = connectWorld(ADMINS);
    w.connection.current = connectedStatus(3, { state: 'failing', mfa: false, lastFailure: { at: T0 - DAY_MS, reason: 'invalid_grant' } });
    const text = await new Conversation(w.adapter, ALEX, 'de-DE').say('status');
    expect(text).toContain('Fehlerhaft');
    expect(text).toContain('✗ nein');
    expect(text).toContain('3 Tage');
    expect(text).toContain('invalid_grant');
  });
});

describe('Reconnect', () => {
  const click = { action: { type: 'Action.Execute', verb: CONNECTION_VERBS.reconnect, data: {} } };

  it('is the verb the status and alert card template uses', () => {
    expect(connectStatusTemplate.actions.map((a) => a.verb)).toEqual([CONNECTION_VERBS.reconnect]);
  });

  it('starts a new sign-in for an admin: the code card replaces the clicked card, the confirmation follows in that chat', async () => {
    const w = connectWorld(ADMINS);
    const alex = new Conversation(w.adapter);
    const answer = await alex.invoke('adaptiveCard/action', click);
    expect(answer?.status).toBe(200);
    const body = answer?.body as { type: string; value: unknown };
    expect(body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(body.value)).toContain('CODE-111');
    expect(w.connection.signIns).toHaveLength(1);
    w.connection.signIns[0].finish(connectedStatus(0));
    await w.settle();
    expect(w.notifier.sent).toEqual([{ conversationId: `a:personal-${ALEX.id}`, text: expect.stringContaining('MFA ✓') }]);
  });

  it('is refused for a non-admin with a typed 403 naming ADMINS, and starts nothing', async () => {
    const w = connectWorld(ADMINS);
    const answer = await new Conversation(w.adapter, ADELE).invoke('adaptiveCard/action', click);
    expect(answer?.status).toBe(403);
    expect(answer?.body).toEqual({ statusCode: 403, type: 'application/vnd.microsoft.error', value: { code: 'NotAnAdmin', message: expect.stringContaining('ADMINS') } });
    expect(w.connection.signIns).toHaveLength(0);
  });

  it('refuses data the card never sends', async () => {
    const w = connectWorld(ADMINS);
    const answer = await new Conversation(w.adapter).invoke('adaptiveCard/action', { action: { ...click.action, data: { admin: ALEX.aadObjectId } } });
    expect(answer?.body).toEqual(expect.objectContaining({ statusCode: 400 }));
    expect(w.connection.signIns).toHaveLength(0);
  });
});
