/**
 * APPROVAL_CHANNEL: one approval card per request in a team channel instead of one per approver, acted on by any
 * listed approver and updated in place for everyone; without the channel (or when it fails) every approver gets
 * their own card, so no request is ever left without someone to decide it.
 */
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, TurnContext, type Activity } from 'botbuilder';
import { TeamsApprovalNotifier } from '../../bot/approvalNotifier';
import { ConversationRecorder } from '../../bot/proactive/conversationRecorder';
import { ConversationReferences } from '../../bot/proactive/conversationReferences';
import { TeamsProactiveMessenger } from '../../bot/proactive/teamsProactiveMessenger';
import { ConfigError, loadConfig } from '../../bot/config';
import { ApprovalService, Approvers, BackgroundWork, type MessageRef } from '../../services/approvals';
import type { MigrationRequest } from '../../services/domain/request';
import { silentLogger } from '../../services/logging';
import { IN_MEMORY, openSqliteStore } from '../../services/store';
import type { Store } from '../../services/store/store';
import { EnforcingConnector } from '../../bench/teamsConnector';
import { ALEX, APPROVER_IDS, FakeDirectory, FakeNotifier, makeUsers, MEGAN, seedSubscription, subscriptionRow } from '../wizard/support';

const TENANT = '00000000-0000-0000-0000-0000000000a1';
const CHANNEL = '19:approvals0123456789@thread.tacv2';
const CONTOSO = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000009', customerName: 'Contoso Ltd' });
const person = (user: typeof ALEX) => ({ aadObjectId: user.aadObjectId, name: user.name });

/** An activity from the approval channel, as Teams sends it for a reply in one of its threads. */
function channelActivity(serviceUrl: string, overrides: Partial<Activity> = {}): Activity {
  return {
    type: 'message',
    id: '1700000000001',
    text: '<at>Kaizala Migration</at> help',
    serviceUrl,
    channelId: 'msteams',
    locale: 'de-DE',
    from: { id: '29:megan', name: 'Megan Bowen', aadObjectId: MEGAN.aadObjectId },
    recipient: { id: '28:kaizala-bot', name: 'Kaizala Migration' },
    conversation: { id: `${CHANNEL};messageid=1699999999999`, conversationType: 'channel', isGroup: true, tenantId: TENANT, name: '' },
    channelData: { channel: { id: CHANNEL, name: 'Approvals' }, team: { id: '19:team@thread.tacv2' }, tenant: { id: TENANT } },
    ...overrides,
  } as Activity;
}

/** The approval channel's card, reached through a notifier that also keeps per-approver cards. */
class ChannelNotifier extends FakeNotifier {
  channelPosts: MigrationRequest[] = [];
  channel: 'works' | 'unknown' | 'fails' = 'works';

  async sendToApprovalChannel(request: MigrationRequest): Promise<MessageRef | undefined> {
    if (this.channel === 'unknown') return undefined;
    if (this.channel === 'fails') throw new Error('Teams answered 403: the bot was removed from the team');
    this.channelPosts.push(request);
    return { conversationKey: ConversationReferences.keyOfChannel(CHANNEL), activityId: 'channel-card-1' };
  }
}

async function service(notifier: ChannelNotifier): Promise<{ approvals: ApprovalService; background: BackgroundWork }> {
  const store = openSqliteStore(IN_MEMORY);
  await seedSubscription(store, CONTOSO);
  const directory = new FakeDirectory();
  directory.set(CONTOSO.tenantId, makeUsers('a', 12));
  const background = new BackgroundWork(silentLogger);
  const approvals = new ApprovalService({
    store,
    directory,
    approvers: new Approvers(APPROVER_IDS),
    notifier,
    background,
    logger: silentLogger,
    ttlDays: 7,
    now: () => new Date('2026-05-21T09:00:00Z'),
  });
  return { approvals, background };
}

async function request(approvals: ApprovalService) {
  return approvals.requestMigration(
    { customerId: CONTOSO.customerId, subscriptionId: CONTOSO.subscriptionId, planId: 'business-basic', quantity: 12, userIds: 'all' },
    person(ALEX),
    'en-US',
  );
}

describe('the approval channel', () => {
  it('gets one card per request instead of one per approver; every approver counts as reached', async () => {
    const notifier = new ChannelNotifier();
    const { approvals } = await service(notifier);
    const outcome = await request(approvals);
    expect(outcome).toMatchObject({ kind: 'requested', approversReached: 2 });
    expect(notifier.channelPosts).toHaveLength(1);
    expect(notifier.sent).toEqual([]);
    if (outcome.kind === 'requested') expect(await approvals.approversReached(outcome.request.id)).toBe(2);
  });

  it('a decision by any listed approver updates the one channel card in place', async () => {
    const notifier = new ChannelNotifier();
    const { approvals, background } = await service(notifier);
    const outcome = await request(approvals);
    if (outcome.kind !== 'requested') throw new Error('not requested');
    const decided = await approvals.decide({ requestId: outcome.request.id, version: 1, actor: person(MEGAN), decision: 'approve' });
    expect(decided).toMatchObject({ kind: 'changed', request: { status: 'approved' } });
    await background.idle();
    expect(notifier.updates.map((u) => [u.message.activityId, u.request.status])).toEqual([['channel-card-1', 'approved']]);
  });

  it('falls back to a card per approver when the bot has not seen the channel or posting fails', async () => {
    for (const channel of ['unknown', 'fails'] as const) {
      const notifier = new ChannelNotifier();
      notifier.channel = channel;
      const { approvals } = await service(notifier);
      expect(await request(approvals)).toMatchObject({ kind: 'requested', approversReached: 2 });
      expect(notifier.sent.map((s) => s.approver).sort()).toEqual([...APPROVER_IDS].sort());
    }
  });
});

describe('channel conversations', () => {
  let store: Store;
  let connector: EnforcingConnector;
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));

  beforeEach(async () => {
    connector = new EnforcingConnector();
    await connector.start();
    store = openSqliteStore(IN_MEMORY);
  });
  afterEach(async () => {
    await connector.stop();
    await store.close();
  });

  it('are recorded from a mention in the channel, are not people, and post new messages to the channel itself', async () => {
    const conversations = new ConversationReferences(store);
    const recorder = new ConversationRecorder(conversations, silentLogger, undefined);
    await recorder.record(new TurnContext(adapter, channelActivity(connector.url)));
    expect(await conversations.all()).toEqual([]);
    const stored = await conversations.getByKey(ConversationReferences.keyOfChannel(CHANNEL));
    expect(stored?.value).toMatchObject({ name: 'Approvals', locale: 'de-DE', tenantId: TENANT, reference: { conversation: { id: CHANNEL } } });

    const messenger = new TeamsProactiveMessenger({ adapter, botAppId: '', conversations, store, logger: silentLogger });
    const notifier = new TeamsApprovalNotifier(messenger, new Approvers(APPROVER_IDS), conversations, CHANNEL);
    const { approvals } = await service(new ChannelNotifier());
    const outcome = await request(approvals);
    if (outcome.kind !== 'requested') throw new Error('not requested');
    const posted = await notifier.sendToApprovalChannel(outcome.request);
    expect(posted?.conversationKey).toBe(ConversationReferences.keyOfChannel(CHANNEL));
    const [delivered] = connector.deliveredTo(CHANNEL);
    expect(JSON.stringify(delivered)).toContain('Approve');
    // Rendered in the channel's language, refreshed for each listed approver.
    expect(JSON.stringify(delivered)).toContain('Genehmigen');
    expect(JSON.stringify(delivered)).toContain(MEGAN.aadObjectId);
  });

  it('are forgotten when the bot is removed from the team; without a channel nothing is posted', async () => {
    const conversations = new ConversationReferences(store);
    const recorder = new ConversationRecorder(conversations, silentLogger, undefined);
    await recorder.record(new TurnContext(adapter, channelActivity(connector.url)));
    await recorder.record(
      new TurnContext(adapter, channelActivity(connector.url, { type: 'installationUpdate', action: 'remove', text: undefined } as Partial<Activity>)),
    );
    expect(await conversations.getByKey(ConversationReferences.keyOfChannel(CHANNEL))).toBeUndefined();
    const messenger = new TeamsProactiveMessenger({ adapter, botAppId: '', conversations, store, logger: silentLogger });
    const withoutChannel = new TeamsApprovalNotifier(messenger, new Approvers(APPROVER_IDS), conversations);
    const { approvals } = await service(new ChannelNotifier());
    const outcome = await request(approvals);
    if (outcome.kind !== 'requested') throw new Error('not requested');
    expect(await withoutChannel.sendToApprovalChannel(outcome.request)).toBeUndefined();
    expect(await new TeamsApprovalNotifier(messenger, new Approvers(APPROVER_IDS), conversations, CHANNEL).sendToApprovalChannel(outcome.request)).toBeUndefined();
    expect(connector.delivered).toEqual([]);
  });
});

describe('APPROVAL_CHANNEL', () => {
  it('accepts a Teams channel id and refuses anything else with how to find it', () => {
    expect(loadConfig({ APPROVAL_CHANNEL: CHANNEL }).approvals.channelId).toBe(CHANNEL);
    expect(loadConfig({}).approvals.channelId).toBeUndefined();
    expect(() => loadConfig({ APPROVAL_CHANNEL: 'https://teams.microsoft.com/l/channel/abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ APPROVAL_CHANNEL: 'https://teams.microsoft.com/l/channel/abc' })).toThrow(/Get link to channel/);
  });
});
