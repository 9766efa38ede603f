import type { Server } from 'restify';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, ConversationState } from 'botbuilder';
import { createAlertInvokeHandlers } from '../../bot/alertHandlers';
import { createHttpServer, listen } from '../../bot/httpServer';
import { TeamsAlertNotifier } from '../../bot/proactive/alertNotifier';
import { BackgroundWork } from '../../services/background';
import { ConversationRecorder, type UserPrincipalNameLookup } from '../../bot/proactive/conversationRecorder';
import { ConversationReferences } from '../../bot/proactive/conversationReferences';
import { TeamsProactiveMessenger } from '../../bot/proactive/teamsProactiveMessenger';
import { StoreBackedStorage } from '../../bot/storeBackedStorage';
import { KaizalaBot } from '../../bot/teamsBot';
import { createAlertCommandModule } from '../../dialogs/alertCommands';
import { RootDialog } from '../../dialogs/rootDialog';
import { AlertActions } from '../../services/alerts/alertActions';
import { Assignments } from '../../services/alerts/assignments';
import { CustomerDirectory } from '../../services/alerts/customerDirectory';
import { ExpiryAlerter } from '../../services/alerts/expiryAlerter';
import { DEFAULT_ALERT_THRESHOLDS } from '../../services/alerts/levels';
import { AlertPreferences } from '../../services/alerts/preferences';
import { silentLogger } from '../../services/logging';
import { openSqliteStore } from '../../services/store/sqliteStore';
import type { Store } from '../../services/store/store';

/** KaizalaBot as the composition root will wire it: every accepted activity passes the recorder first. */

export interface AlertBot {
  url: string;
  store: Store;
  conversations: ConversationReferences;
  alerter: ExpiryAlerter;
  background: BackgroundWork;
  upnLookups: number;
  close(): Promise<void>;
}

/** The bot over real HTTP with the alert pieces wired the way the Integration notes describe. */
export async function startAlertBot(options: { now: () => Date; upn?: UserPrincipalNameLookup }): Promise<AlertBot> {
  const store = openSqliteStore(':memory:');
  const logger = silentLogger;
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const conversations = new ConversationReferences(store);
  const messenger = new TeamsProactiveMessenger({ adapter, botAppId: '', conversations, store, logger });
  const notifier = new TeamsAlertNotifier(messenger, conversations, logger);
  const background = new BackgroundWork(logger);
  const actions = new AlertActions({ store, notifier, timeZone: 'UTC', logger, now: options.now });
  let upnLookups = 0;
  const lookup: UserPrincipalNameLookup = async (context) => {
    upnLookups++;
    return options.upn ? options.upn(context) : undefined;
  };
  const recorder = new ConversationRecorder(conversations, logger, lookup);
  const bot = new KaizalaBot(
    {
      conversationState: new ConversationState(new StoreBackedStorage(store)),
      rootDialog: new RootDialog([
        createAlertCommandModule({ assignments: new Assignments(store), customers: new CustomerDirectory(store), preferences: new AlertPreferences(store), now: options.now }),
      ]),
      invokeHandlers: createAlertInvokeHandlers({ actions, background }),
      conversationRecorder: recorder,
      store,
      logger,
      localMode: true,
      allowedTenantIds: [],
    },
  );
  const server: Server = createHttpServer({ adapter, bot, readiness: [], version: 'test', logger });
  const url = await listen(server, 0, '127.0.0.1');
  const alerter = new ExpiryAlerter({ store, notifier, thresholds: DEFAULT_ALERT_THRESHOLDS, timeZone: 'UTC', logger, now: options.now });
  const running: AlertBot = {
    url,
    store,
    conversations,
    alerter,
    background,
    get upnLookups() {
      return upnLookups;
    },
    close: async () => {
      await background.idle();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
  return running;
}
