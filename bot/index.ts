import { ConversationState, INVOKE_RESPONSE_KEY, TurnContext } from 'botbuilder';
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import { t, toLocale } from '../cards/i18n';
import { createAlertCommandModule } from '../dialogs/alertCommands';
import { approvalCommandsModule } from '../dialogs/approvalCommands';
import { adapterNotifier, ExpiringCommands } from '../dialogs/expiringCommands';
import { migrationWizardModule } from '../dialogs/migrationWizard';
import { RootDialog } from '../dialogs/rootDialog';
import { connectCommandsModule } from '../dialogs/connectCommands';
import {
  AlertActions,
  AlertPreferences,
  AlertScheduler,
  Assignments,
  CustomerDirectory,
  ExpiryAlerter,
  ScanProblemReporter,
} from '../services/alerts';
import { ApprovalService, Approvers, KaizalaSubscriptions, startExpirySweep } from '../services/approvals';
import { BackgroundWork } from '../services/background';
import { ConnectionAlerts, PartnerAdmins } from '../services/auth/connectionAlerts';
import { PriceList, PriceListError } from '../services/catalog';
import { GdapRelationships, StoreAccessMemory, TenantAccess } from '../services/graph';
import { createTenantDirectory } from '../services/partnerCenter';
import { createLogger, Logger } from '../services/logging';
import { startTelemetry } from '../services/observability/telemetry';
import { MigrationRunner } from '../services/migration';
import { ExpiringReport, ExpiryScanner, ScanCursor, ScanRunner, stableInstanceId } from '../services/scan';
import { LeaseManager, openStore, StoreHealth } from '../services/store';
import { Store } from '../services/store/store';
import { createAlertInvokeHandlers } from './alertHandlers';
import { createApprovalHandlers } from './approvalHandlers';
import { peopleFromConversations, TeamsApprovalNotifier } from './approvalNotifier';
import { Backend, connectBackend } from './backend';
import { createBotAdapter } from './botAuthentication';
import { Config, ConfigError, environmentWithDotEnv, loadConfig } from './config';
import { createHttpServer, listen } from './httpServer';
import { errorResponse, mergeActionTables } from './invokes';
import { createRunHandlers } from './runHandlers';
import { TeamsRunNotifier } from './runProgressNotifier';
import { TeamsAlertNotifier } from './proactive/alertNotifier';
import { ConversationRecorder } from './proactive/conversationRecorder';
import { ConversationReferences } from './proactive/conversationReferences';
import { TeamsProactiveMessenger } from './proactive/teamsProactiveMessenger';
import { startScanSchedule } from './scanSchedule';
import { createConnectionHandlers } from './connectionHandlers';
import { TeamsConnectionNotifier } from './connectionNotifier';
import { StoreBackedStorage } from './storeBackedStorage';
import { KaizalaBot } from './teamsBot';
import packageJson from '../package.json';

export interface RunningBot {
  url: string;
  store: Store;
  backend: Backend;
  /** Lets tests and shutdown wait until background work (card updates, alert runs) has settled. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** How often pending approval requests are checked for expiry. */
const EXPIRY_SWEEP_INTERVAL_MS = 15 * 60_000;

/** Test seams of the front door; production uses Microsoft's endpoints. */
export interface StartOptions {
  /** Where the Bot Framework OpenID metadata is (tests serve their own signing keys, or an endpoint that fails). */
  openIdMetadataUrl?: string;
  /** An open store to use instead of opening `config.store` (tests: a store on a full disk); closed with the bot. */
  store?: Store;
}

/**
 * The one composition root: config → store → Partner Center backend → Teams adapter and messenger → use cases
 * (scan, alerts, approvals, migration runs) → dialogs and card actions → bot → HTTP server.
 */
export async function startBot(config: Config, logger: Logger = createLogger(config.logLevel), options: StartOptions = {}): Promise<RunningBot> {
  // Read before anything is opened, so a broken price list stops startup with nothing half-started.
  const prices = config.approvals.priceListPath
    ? { list: PriceList.load(config.approvals.priceListPath), market: config.partnerCenter.country }
    : undefined;
  const store =
    options.store ??
    (await openStore(config.store, ({ file, movedTo, problem }) =>
      logger.warn('STORE_RESET: the store file could not be used and was moved aside; starting with an empty store. Remove STORE_RESET now.', { file, movedTo, problem }),
    ));
  // Several instances share one store (Azure Tables), and then every rate budget too.
  const backend = await connectBackend(config.partnerCenter, config.dataDir, logger, store, { ...config.rates, shared: config.store.kind === 'azure' });
  // Customer tenants: app-only where the customer consented, else the partner admin's delegated token through GDAP;
  // which one works is detected once per customer and kept in the store (services/graph/tenantAccess.ts).
  const graph = backend.graph.withTenantAccess(
    new TenantAccess({
      appOnly: backend.tokens.graph,
      delegated: backend.tokens.graphDelegated,
      memory: new StoreAccessMemory(store),
      onDetected: (tenantId, access) => logger.info('Customer tenant access detected', { tenantId, ...access }),
    }),
  );
  // Leases (the scan, migration runs) name their holder, so two instances never run the same work.
  const instanceId = `${os.hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const timeZone = config.alerts.timeZone;

  const adapter = createBotAdapter({ ...config.bot, openIdMetadataUrl: options.openIdMetadataUrl });
  const conversationState = new ConversationState(new StoreBackedStorage(store));
  const conversations = new ConversationReferences(store);
  const messenger = new TeamsProactiveMessenger({ adapter, botAppId: config.bot.appId, conversations, store, logger, limiter: backend.budgets.teamsSends });
  const background = new BackgroundWork(logger);

  // Alerts, then the scan whose completion triggers them.
  const alertNotifier = new TeamsAlertNotifier(messenger, conversations, logger, timeZone);
  const alerter = new ExpiryAlerter({ store, notifier: alertNotifier, thresholds: config.alerts.thresholds, timeZone, logger });
  const alertScheduler = new AlertScheduler({ alerter, schedule: config.alerts.schedule, timeZone, logger });
  const alertActions = new AlertActions({ store, notifier: alertNotifier, timeZone, logger });
  const scanner = new ExpiryScanner({
    partnerCenter: backend.partnerCenter,
    graph,
    store,
    limiter: backend.limiter,
    logger,
    timeZone,
    country: config.partnerCenter.country,
  });
  const scanRunner = new ScanRunner({
    scanner,
    logger,
    leases: new LeaseManager(store),
    // Stable across restarts (unlike instanceId), so a restarted instance takes back the lease of the scan it crashed in.
    owner: stableInstanceId(os.hostname(), config.dataDir, config.port),
    onScanCompleted: alertScheduler.onScanCompleted,
  });

  // Plans, approvals and the wizard.
  const approvers = new Approvers(config.approvals.approvers);
  const directory = createTenantDirectory(graph, backend.partnerCenter, config.partnerCenter.country, {
    gdap: new GdapRelationships(graph, config.partnerCenter.partnerTenantId, (tenantId, error) =>
      logger.warn('GDAP relationships could not be read; the roles are not checked before planning', { tenantId, error: String(error) }),
    ),
    onFallback: (tenantId, reason) => logger.info('Tenant facts read through Partner Center: Graph is out of reach', { tenantId, reason }),
  });
  const subscriptions = new KaizalaSubscriptions(store);
  // Approved requests become migration runs: buy, move every license, verify, suspend — exactly once.
  const migrations = new MigrationRunner(
    {
      store,
      partnerCenter: backend.partnerCenter,
      graph,
      notifier: new TeamsRunNotifier(messenger),
      logger,
      isApprover: (person) => approvers.includes(person),
      licensePacers: { graph: backend.budgets.graphWrites, partnerCenter: backend.budgets.partnerCenterLicenseUpdates },
    },
    {
      ownerId: instanceId,
      concurrency: config.migration.concurrency,
      defaultLicensePath: config.migration.licensePath,
      deadlineMarginDays: config.migration.deadlineMarginDays,
      leaseTtlMs: config.migration.leaseTtlSeconds * 1000,
      defaultCountry: config.partnerCenter.country,
    },
  );
  const approvals = new ApprovalService({
    store,
    directory,
    approvers,
    notifier: new TeamsApprovalNotifier(messenger, approvers, conversations, config.approvals.channelId),
    people: peopleFromConversations(conversations),
    background,
    logger,
    ttlDays: config.approvals.ttlDays,
    prices,
    onApproved: (request) => migrations.startRun(request.id),
  });

  // Partner admins (ADMINS): connect Partner Center from Teams, and cards when the stored sign-in ages or fails.
  const admins = new PartnerAdmins(config.admins, peopleFromConversations(conversations));
  const signIn = { connection: backend.partnerConnection, admins, notifier: adapterNotifier(adapter, config.bot.appId), background, logger };
  const connectionAlerts = new ConnectionAlerts({ store, connection: backend.partnerConnection, admins, notifier: new TeamsConnectionNotifier(messenger), background, logger });
  const stopConnectionAlerts = connectionAlerts.start();
  if (admins.isEmpty && config.partnerCenter.mode === 'live') {
    logger.warn('ADMINS is empty: nobody can connect Partner Center from Teams, and nobody is told when the stored sign-in ages or fails (npm run connect still works)');
  }

  const userPrincipalNameOf = async (aadObjectId: string) => (await conversations.get(aadObjectId))?.value.userPrincipalName;
  const rootDialog = new RootDialog([
    new ExpiringCommands({
      report: new ExpiringReport({ store, timeZone }),
      scans: scanRunner,
      notifier: adapterNotifier(adapter, config.bot.appId),
      logger,
    }),
    migrationWizardModule({ subscriptions, directory, approvals, prices, logger }),
    approvalCommandsModule({ approvals, subscriptions, nameOf: async (aadObjectId) => (await conversations.get(aadObjectId))?.value.name, timeZone }),
    createAlertCommandModule({
      assignments: new Assignments(store),
      customers: new CustomerDirectory(store),
      preferences: new AlertPreferences(store),
      tellPerson: (aadObjectId, render) => messenger.sendToPerson(aadObjectId, render),
    }),
    connectCommandsModule(signIn),
  ]);
  const bot = new KaizalaBot({
    conversationState,
    rootDialog,
    invokeHandlers: mergeActionTables(
      createConnectionHandlers(signIn),
      createAlertInvokeHandlers({ actions: alertActions, background }),
      createApprovalHandlers({ approvals, userPrincipalNameOf }),
      createRunHandlers({
        runs: {
          retry: (request) => migrations.retry(request),
          cancel: async (request) => {
            const result = await migrations.cancel(request);
            if (result.kind === 'done') {
              const { users } = result.view;
              await approvals.releaseAfterCancelledRun(request.runId, request.actor, { moved: users.moved, users: users.total, purchase: result.view.purchase.state });
            }
            return result;
          },
        },
        userPrincipalNameOf,
      }),
    ),
    conversationRecorder: new ConversationRecorder(conversations, logger),
    store,
    logger,
    localMode: config.bot.localMode,
    allowedTenantIds: config.allowedTenantIds,
  });

  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    const reference = randomUUID().slice(0, 8);
    logger.error('Unhandled error in a turn', { reference, error: error.stack ?? error.message, activityType: context.activity.type });
    const message = t(toLocale(context.activity.locale), 'turnError', { reference });
    if (context.activity.type === 'invoke') {
      // An invoke never runs a dialog, so the user's dialog (a half-finished wizard) is left alone; the client
      // gets a typed error instead of the adapter's bodiless 501.
      if (!context.turnState.get(INVOKE_RESPONSE_KEY)) {
        const body = errorResponse(500, 'InternalError', message);
        await context.sendActivity({ type: 'invokeResponse', value: { status: body.statusCode, body } });
      }
      return;
    }
    if (context.activity.type === 'message') {
      // Only a message turn runs the dialog, which may now be in a broken state: start the conversation afresh.
      // The apology comes first and each step stands alone: when the store is what failed (a full disk), clearing
      // the state fails too, and the person must still hear something. Failures are logged, never thrown, so this
      // handler's own error never becomes a 500. When the turn failed because the reply address refused the
      // connection, an apology sent there would only wait out the connector's retries a second time.
      if (!isReplyAddressUnreachable(error)) {
        try {
          await context.sendActivity(message);
        } catch (apologyError) {
          logger.warn('Could not apologise after a failed turn', { reference, error: apologyError instanceof Error ? apologyError.message : String(apologyError) });
        }
      }
      try {
        await conversationState.delete(context);
      } catch (resetError) {
        logger.warn('Could not reset the dialog after a failed turn', { reference, error: resetError instanceof Error ? resetError.message : String(resetError) });
      }
    }
  };

  const storeHealth = new StoreHealth(store);
  const server = createHttpServer({
    adapter,
    bot,
    // Writable and intact, not merely answering: a full disk or a corrupt file makes the bot not ready.
    readiness: [{ name: 'storage', check: () => storeHealth.check() }, backend.readiness],
    version: packageJson.version,
    logger,
    localMode: config.bot.localMode,
  });
  const url = await listen(server, config.port, config.host);
  const scanSchedule = startScanSchedule({ schedule: config.alerts.schedule, timeZone, scans: scanRunner, alerts: alertScheduler, dailyChecks: [{ name: 'partner sign-in age', run: () => connectionAlerts.sweep() }], lastScan: () => ScanCursor.read(store), problems: new ScanProblemReporter({ store, notifier: alertNotifier, logger }), logger });
  // Alerts a crashed run claimed but never sent go out once their claims expire, not at the next schedule.
  await alertScheduler.resumeAfterRestart();
  const expirySweep = startExpirySweep(approvals, { intervalMs: EXPIRY_SWEEP_INTERVAL_MS, logger });
  const resumed = await migrations.resumeAll();
  migrations.start();
  if (resumed.unfinished > 0) logger.info('Resuming unfinished migration runs', resumed);

  if (config.bot.localMode) {
    logger.warn(`Local mode: MicrosoftAppId is empty, so Bot Framework authentication is OFF and the bot listens on ${config.host} only`);
  }
  logger.info(`Bot listening on ${url}/api/messages`, {
    version: packageJson.version,
    store: config.store.kind,
    partnerCenterMode: config.partnerCenter.mode,
    partnerCenter: backend.partnerCenterBaseUrl,
  });

  const idle = async () => {
    await scanRunner.whenIdle();
    await alertScheduler.idle();
    await background.idle();
  };
  return {
    url,
    store,
    backend,
    idle,
    close: async () => {
      scanSchedule.stop();
      alertScheduler.stop();
      stopConnectionAlerts();
      await scanSchedule.idle();
      await expirySweep.stop();
      await migrations.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await idle();
      await backend.close();
      await store.close();
    },
  };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(environmentWithDotEnv(process.cwd(), process.env));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example for every variable.\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  // The Azure Monitor SDK loads only when configured: it is large, and local runs and tests never need it.
  const connectionString = config.observability.appInsightsConnectionString;
  if (connectionString) {
    const { useAzureMonitor } = await import('@azure/monitor-opentelemetry');
    startTelemetry(connectionString, useAzureMonitor);
    logger.info('Telemetry goes to Application Insights');
  }
  let running: RunningBot;
  try {
    running = await startBot(config, logger);
  } catch (error) {
    if (error instanceof PriceListError) {
      process.stderr.write(`PRICE_LIST_PATH: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const shutdown = (signal: string) => {
    logger.info(`${signal} received, shutting down`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('Shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`Startup failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}

/** The connector's own error when the channel's reply address (serviceUrl) could not be reached at all. */
function isReplyAddressUnreachable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 3) return false;
  const wrapped = error as Error & { code?: unknown; error?: unknown };
  // A dialog wraps what it caught (DialogContextError.error); Node's errors chain through `cause`.
  return wrapped.code === 'REQUEST_SEND_ERROR' || isReplyAddressUnreachable(wrapped.error, depth + 1) || isReplyAddressUnreachable(error.cause, depth + 1);
}
