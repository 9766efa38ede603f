/**
 * `help` turns at many concurrent conversations: the whole bot (`startBot` as `npm start` runs it, local mode)
 * against a bare echo bot (restify + CloudAdapter, the same framework with nothing of ours) in the same run on the
 * same machine, measured by the same load generator. The echo bot is the bound: what the framework, HTTP and this
 * machine cost for one turn.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as restify from 'restify';
import type { AddressInfo } from 'node:net';
import { createBotAdapter } from '../bot/botAuthentication';
import { loadConfig } from '../bot/config';
import { startBot } from '../bot/index';
import { silentLogger } from '../services/logging';
import { startLocalConnector } from './localConnector';
import { atLeast, atMost, benchResult, type BenchResult } from './result';
import { median, percentile } from './stats';

export interface TurnLatencyOptions {
  conversations: number;
  /** Timed turns per conversation and round. */
  turnsPerConversation: number;
  /** Rounds alternating echo bot and bot; each figure is the median over the rounds. */
  rounds: number;
}

const TENANT_ID = '00000000-0000-0000-0000-0000000000a1';
/** Issue 17's targets: p99 within 1.5 × the echo bot's, throughput at least 0.7 × the echo bot's. */
const P99_TARGET = 1.5;
const THROUGHPUT_TARGET = 0.7;

export interface LoadFigures {
  p50: number;
  p99: number;
  turnsPerSecond: number;
  failed: number;
}

export async function benchTurnLatency(options: TurnLatencyOptions): Promise<BenchResult[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kma-bench-turns-'));
  const connector = await startLocalConnector();
  const config = loadConfig({ PORT: '0', SANDBOX_PORT: '0', DATA_DIR: dataDir });
  const echo = await startEchoBot(config.bot);
  const bot = await startBot(config, silentLogger);
  try {
    const load = (url: string) => driveLoad(url, connector.serviceUrl, options);
    // Untimed: each conversation's first turn stores its reference and looks the member up.
    await load(echo.url);
    await load(bot.url);
    const echoRounds: LoadFigures[] = [];
    const botRounds: LoadFigures[] = [];
    for (let round = 0; round < options.rounds; round++) {
      echoRounds.push(await load(echo.url));
      botRounds.push(await load(bot.url));
    }
    const echoFigures = medianFigures(echoRounds);
    const botFigures = medianFigures(botRounds);
    await bot.idle();
    const inputs = { conversations: options.conversations, turnsPerConversation: options.turnsPerConversation, rounds: options.rounds, command: 'help' };
    const figures = {
      botP50: botFigures.p50,
      botP99: botFigures.p99,
      echoP50: echoFigures.p50,
      echoP99: echoFigures.p99,
      botTurnsPerSecond: botFigures.turnsPerSecond,
      echoTurnsPerSecond: echoFigures.turnsPerSecond,
      p50Ratio: Math.round((botFigures.p50 / echoFigures.p50) * 100) / 100,
    };
    const noFailures = { label: 'every turn answered 200', met: botFigures.failed === 0 && echoFigures.failed === 0 };
    return [
      benchResult({
        name: `help turn p99 at ${options.conversations} concurrent conversations`,
        inputs,
        figures,
        measured: botFigures.p99,
        bound: { basis: 'echo bot p99, same run', value: echoFigures.p99, unit: 'ms' },
        target: atMost(P99_TARGET),
        conditions: [noFailures],
      }),
      benchResult({
        name: `help throughput at ${options.conversations} concurrent conversations`,
        inputs,
        figures,
        measured: botFigures.turnsPerSecond,
        bound: { basis: 'echo bot turns/s, same run', value: echoFigures.turnsPerSecond, unit: 'turns/s' },
        target: atLeast(THROUGHPUT_TARGET),
        conditions: [noFailures],
      }),
    ];
  } finally {
    await bot.close();
    await echo.close();
    await connector.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Every conversation sends its turns one after another (as a person does); the conversations run at once. */
export async function driveLoad(botUrl: string, serviceUrl: string, options: TurnLatencyOptions): Promise<LoadFigures> {
  const samples: number[] = [];
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.conversations }, async (_, n) => {
      for (let turn = 0; turn < options.turnsPerConversation; turn++) {
        const sent = performance.now();
        const response = await fetch(`${botUrl}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(messageActivity(serviceUrl, n, 'help')),
        });
        await response.arrayBuffer();
        samples.push(performance.now() - sent);
        if (response.status !== 200) failed++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), turnsPerSecond: samples.length / seconds, failed };
}

function medianFigures(rounds: readonly LoadFigures[]): LoadFigures {
  const of = (pick: (figures: LoadFigures) => number) => Math.round(median(rounds.map(pick)) * 10) / 10;
  return { p50: of((r) => r.p50), p99: of((r) => r.p99), turnsPerSecond: of((r) => r.turnsPerSecond), failed: rounds.reduce((sum, r) => sum + r.failed, 0) };
}

function messageActivity(serviceUrl: string, n: number, text: string) {
  const aadObjectId = `00000000-0000-0000-0000-${String(n + 100).padStart(12, '0')}`;
  return {
    type: 'message',
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    serviceUrl,
    channelId: 'msteams',
    from: { id: `29:${aadObjectId}`, aadObjectId, name: `Person ${n}` },
    conversation: { id: `a:personal-${aadObjectId}`, conversationType: 'personal', tenantId: TENANT_ID },
    recipient: { id: '28:kaizala-bot', name: 'Kaizala Migration Assistant' },
    locale: 'en-US',
    text,
    channelData: { tenant: { id: TENANT_ID } },
  };
}

/** The bound: restify + the same CloudAdapter (same settings) answering every message with its own text, nothing else. */
async function startEchoBot(settings: Parameters<typeof createBotAdapter>[0]): Promise<{ url: string; close(): Promise<void> }> {
  const adapter = createBotAdapter(settings);
  const server = restify.createServer();
  server.use(restify.plugins.bodyParser());
  server.post('/api/messages', async (req, res) => {
    await adapter.process(req, res, async (context) => {
      if (context.activity.type === 'message') await context.sendActivity(context.activity.text ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
