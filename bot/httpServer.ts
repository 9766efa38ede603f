import * as restify from 'restify';
import { ActivityHandler, CloudAdapter } from 'botbuilder';
import { Logger } from '../services/logging';

/** Something /readyz must see answering before the bot takes traffic (storage, the Partner Center backend). */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface HttpServerDeps {
  adapter: CloudAdapter;
  bot: ActivityHandler;
  readiness: readonly ReadinessCheck[];
  version: string;
  logger: Logger;
}

/** The bot's HTTP surface: the Bot Framework endpoint and the two probes. */
export function createHttpServer(deps: HttpServerDeps): restify.Server {
  const server = restify.createServer({ name: 'kaizala-migration-assistant', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ mapParams: false }));

  server.post('/api/messages', async (req: restify.Request, res: restify.Response) => {
    await deps.adapter.process(req, res, (context) => deps.bot.run(context));
  });

  server.get('/healthz', async (_req: restify.Request, res: restify.Response) => {
    res.send(200, { status: 'ok', version: deps.version });
  });

  server.get('/readyz', async (_req: restify.Request, res: restify.Response) => {
    const failures: { name: string; reason: string }[] = [];
    await Promise.all(
      deps.readiness.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), READINESS_TIMEOUT_MS, `${name} did not answer within ${READINESS_TIMEOUT_MS} ms`);
        } catch (error) {
          failures.push({ name, reason: error instanceof Error ? error.message : String(error) });
        }
      }),
    );
    if (failures.length === 0) {
      res.send(200, { status: 'ready', checks: deps.readiness.map((c) => c.name) });
    } else {
      deps.logger.warn('Not ready', { failures });
      res.send(503, { status: 'not ready', failures });
    }
  });

  return server;
}

const READINESS_TIMEOUT_MS = 3000;

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Starts listening and resolves with the base URL (port 0 picks a free port, for tests). */
export function listen(server: restify.Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      const address = server.address();
      resolve(`http://${host}:${address.port}`);
    });
  });
}
