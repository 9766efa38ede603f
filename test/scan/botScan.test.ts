import { ConversationRecorder } from '../../bot/proactive/conversationRecorder';
import { ConversationReferences } from '../../bot/proactive/conversationReferences';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, ConversationState } from 'botbuilder';
import type * as restify from 'restify';
import { createHttpServer, listen } from '../../bot/httpServer';
import { StoreBackedStorage } from '../../bot/storeBackedStorage';
import { KaizalaBot } from '../../bot/teamsBot';
import { ExpiringCommands, adapterNotifier } from '../../dialogs/expiringCommands';
import { RootDialog } from '../../dialogs/rootDialog';
import { silentLogger } from '../../services/logging';
import { ExpiringReport, ScanRunner, type ScanSummary } from '../../services/scan';
import { LeaseManager } from '../../services/store';
import { messageActivity, postActivity } from '../support/activities';
import { FakeConnector } from '../support/fakeConnector';
import { setUpSandboxScan, type SandboxScanSetup } from './support';

/**
 * The whole bot, wired as the composition root will wire it, over its real /api/messages endpoint: `scan now`
 * scans the sandbox and the summary arrives as a proactive message; `expiring` shows the card and pages in place.
 */
describe('expiry scan and report in a Teams chat', () => {
  const connector = new FakeConnector();
  let setup: SandboxScanSetup;
  let runner: ScanRunner;
  let server: restify.Server;
  let botUrl: string;
  const completedScans: ScanSummary[] = [];

  beforeAll(async () => {
    await connector.start();
    setup = await setUpSandboxScan({ timeZone: 'Europe/Berlin' });
    const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '' }));
    runner = new ScanRunner({
      scanner: setup.scanner(),
      logger: silentLogger,
      leases: new LeaseManager(setup.store),
      owner: 'bot-test',
      onScanCompleted: async (summary) => void completedScans.push(summary),
    });
    const commands = new ExpiringCommands({
      report: new ExpiringReport({ store: setup.store, timeZone: 'Europe/Berlin' }),
      scans: runner,
      notifier: adapterNotifier(adapter, ''),
      logger: silentLogger,
    });
    const bot = new KaizalaBot({
      conversationState: new ConversationState(new StoreBackedStorage(setup.store)),
      rootDialog: new RootDialog([commands]),
      invokeHandlers: {},
      conversationRecorder: new ConversationRecorder(new ConversationReferences(setup.store), silentLogger, async () => undefined),
      store: setup.store,
      logger: silentLogger,
      localMode: true,
      allowedTenantIds: [],
    });
    server = createHttpServer({ adapter, bot, readiness: [], version: 'test', logger: silentLogger });
    botUrl = await listen(server, 0, '127.0.0.1');
  });
  afterAll(async () => {
    await runner.whenIdle();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await setup.close();
    await connector.stop();
  });
  beforeEach(() => connector.clear());

  it('scan now answers at once, then posts the summary into the same chat and runs the alerts hook', async () => {
    const options = { serviceUrl: connector.url, conversationId: 'a:scan-chat' };
    expect((await postActivity(botUrl, messageActivity('scan now', options))).status).toBe(200);
    await runner.whenIdle();

    const texts = connector.texts();
    expect(texts[0]).toBe('Scanning Partner Center for expiring Kaizala Pro subscriptions. I will post a summary here when it is done.');
    expect(texts[1]).toMatch(/^Scan finished in \d+ s: 43 of 44 customers scanned, \d+ Kaizala Pro subscriptions found, 9 urgent/);
    expect(texts[1]).toContain('1 customer could not be scanned: Humongous Insurance (access denied: ');
    expect(connector.sent.map((sent) => sent.conversationId)).toEqual(['a:scan-chat', 'a:scan-chat']);
    expect(completedScans).toHaveLength(1);
    expect(completedScans[0].customersTotal).toBe(44);
  });

  it('expiring shows the scanned report, and Next replaces the card in place', async () => {
    const options = { serviceUrl: connector.url, conversationId: 'a:report-chat' };
    await postActivity(botUrl, messageActivity('expiring', options));
    const [card] = connector.cards();
    expect(JSON.stringify(card.body)).toContain('Alpine Ski House');
    expect(card.actions).toEqual([expect.objectContaining({ data: { command: 'expiring', page: 2 } })]);
    const cardId = 'sent-1';

    connector.clear();
    const next = { ...messageActivity('', options, { command: 'expiring', page: 2 }), replyToId: cardId };
    await postActivity(botUrl, next);
    expect(connector.sent).toHaveLength(1);
    expect(connector.sent[0]).toMatchObject({ method: 'PUT', activityId: cardId, conversationId: 'a:report-chat' });
    expect(JSON.stringify(connector.cards()[0].body)).toMatch(/Page 2 of \d/);
  });
});
