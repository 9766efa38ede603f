import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConversationState,
  TurnContext,
} from 'botbuilder';
import { randomUUID } from 'node:crypto';
import { t, toLocale } from '../cards/i18n';
import { RootDialog } from '../dialogs/rootDialog';
import { createLogger, Logger } from '../services/logging';
import { openStore } from '../services/store';
import { Store } from '../services/store/store';
import { Config, ConfigError, environmentWithDotEnv, loadConfig } from './config';
import { createHttpServer, listen } from './httpServer';
import { Backend, connectBackend } from './backend';
import { StoreBackedStorage } from './storeBackedStorage';
import { KaizalaBot } from './teamsBot';
import packageJson from '../package.json';

export interface RunningBot {
  url: string;
  store: Store;
  backend: Backend;
  close(): Promise<void>;
}

/** The one composition root: config → store → Partner Center backend → dialogs → bot → adapter → HTTP server. */
export async function startBot(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<RunningBot> {
  const store = await openStore(config.store);
  const backend = await connectBackend(config.partnerCenter, config.dataDir, logger);
  const conversationState = new ConversationState(new StoreBackedStorage(store));
  const bot = new KaizalaBot({
    conversationState,
    rootDialog: new RootDialog([]),
    invokeHandlers: {},
    store,
    logger,
    localMode: config.bot.localMode,
    allowedTenantIds: config.allowedTenantIds,
  });

  const adapter = new CloudAdapter(
    new ConfigurationBotFrameworkAuthentication({
      MicrosoftAppId: config.bot.appId,
      MicrosoftAppPassword: config.bot.appPassword,
      MicrosoftAppType: config.bot.appType,
      MicrosoftAppTenantId: config.bot.appTenantId,
    }),
  );
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    const reference = randomUUID().slice(0, 8);
    logger.error('Unhandled error in a turn', { reference, error: error.stack ?? error.message, activityType: context.activity.type });
    // Whatever dialog was running may be in a broken state; start the conversation afresh.
    await conversationState.delete(context);
    if (context.activity.type === 'message') {
      await context.sendActivity(t(toLocale(context.activity.locale), 'turnError', { reference }));
    }
  };

  const server = createHttpServer({
    adapter,
    bot,
    readiness: [{ name: 'storage', check: () => store.ping() }, backend.readiness],
    version: packageJson.version,
    logger,
  });
  const url = await listen(server, config.port, config.host);
  if (config.bot.localMode) {
    logger.warn(`Local mode: MicrosoftAppId is empty, so Bot Framework authentication is OFF and the bot listens on ${config.host} only`);
  }
  logger.info(`Bot listening on ${url}/api/messages`, {
    version: packageJson.version,
    store: config.store.kind,
    partnerCenterMode: config.partnerCenter.mode,
    partnerCenter: backend.partnerCenterBaseUrl,
  });

  return {
    url,
    store,
    backend,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
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
  const running = await startBot(config, logger);
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
