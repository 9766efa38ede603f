/**
 * The bot as a child process for the front-door tests: the configuration from the environment exactly as
 * `npm start` reads it, startBot as in bot/index.ts, plus the one test seam — where the Bot Framework OpenID
 * metadata is (argv[2]) — so tokens can be minted and the metadata endpoint can fail on cue.
 * Prints `READY <url>` once listening.
 */
import { loadConfig } from '../../bot/config';
import { startBot } from '../../bot/index';
import { createLogger } from '../../services/logging';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const running = await startBot(config, createLogger(config.logLevel), { openIdMetadataUrl: process.argv[2] });
  process.stdout.write(`READY ${running.url}\n`);
  process.once('SIGTERM', () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`Startup failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
