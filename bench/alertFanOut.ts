/**
 * Alert fan-out: expiry alert cards to many account managers through the bot's TeamsProactiveMessenger (as the
 * composition root builds it: CloudAdapter, stored conversation references, the in-process Teams pacing) against
 * a Bot Connector that enforces Teams' limits (bench/teamsConnector.ts). The bound is the per-app-per-tenant limit,
 * 50 messages/s; nothing may be lost or delivered twice.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createBotAdapter } from '../bot/botAuthentication';
import { loadConfig } from '../bot/config';
import { ConversationReferences } from '../bot/proactive/conversationReferences';
import { TeamsProactiveMessenger } from '../bot/proactive/teamsProactiveMessenger';
import { renderCard } from '../cards/cards';
import { CARD_SAMPLES } from '../cards/samples';
import { silentLogger } from '../services/logging';
import { openSqliteStore } from '../services/store';
import { atMost, benchResult, type BenchResult } from './result';
import { timed } from './stats';
import { EnforcingConnector, TEAMS_CONNECTOR_LIMITS } from './teamsConnector';

export interface AlertFanOutOptions {
  alerts: number;
  accountManagers: number;
}

const TENANT_ID = '00000000-0000-0000-0000-0000000000a1';
/** Teams' per app per tenant limit: the fan-out's bound. */
export const TEAMS_MESSAGES_PER_SECOND = TEAMS_CONNECTOR_LIMITS.perApp[0].limit;
const TARGET_RATIO = 1.1;

export async function benchAlertFanOut(options: AlertFanOutOptions): Promise<BenchResult[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kma-bench-fanout-'));
  const connector = new EnforcingConnector();
  await connector.start();
  const store = openSqliteStore(dataDir);
  try {
    const conversations = new ConversationReferences(store);
    // The CloudAdapter as the composition root builds it (local mode: no app id, so no token for the connector).
    const adapter = createBotAdapter(loadConfig({ DATA_DIR: dataDir }).bot);
    const messenger = new TeamsProactiveMessenger({ adapter, botAppId: '', conversations, store, logger: silentLogger });
    const managers = await Promise.all(Array.from({ length: options.accountManagers }, (_, n) => install(conversations, connector.url, n)));
    // Alert i goes to manager i mod M, as a scan's due alerts spread over the portfolio's account managers.
    const run = await timed(() =>
      Promise.all(
        Array.from({ length: options.alerts }, (_, i) =>
          messenger.sendToPerson(managers[i % managers.length], (locale) =>
            renderCard('expiryAlert', { ...CARD_SAMPLES.expiryAlert, customerName: `Customer ${i}` }, locale),
          ),
        ),
      ),
    );
    const seen = new Set<string>();
    let duplicated = 0;
    for (const sent of connector.delivered) {
      const content = sent.activity.attachments?.[0]?.content as { body?: unknown } | undefined;
      const key = `${sent.conversationId}|${JSON.stringify(content?.body ?? sent.activity.text)}`;
      if (seen.has(key)) duplicated++;
      seen.add(key);
    }
    const lost = options.alerts - seen.size;
    const throttled = connector.refused.filter((refusal) => refusal.status === 429).length;
    return [
      benchResult({
        name: `alert fan-out: ${options.alerts} alerts to ${options.accountManagers} account managers`,
        inputs: { alerts: options.alerts, accountManagers: options.accountManagers, connector: 'Teams limits enforced' },
        figures: {
          seconds: Math.round(run.ms) / 1000,
          messagesPerSecond: Math.round((options.alerts / (run.ms / 1000)) * 10) / 10,
          delivered: connector.delivered.length,
          lost,
          duplicated,
          answered429: throttled,
          undelivered: run.result.filter((sent) => sent === undefined).length,
        },
        measured: run.ms / 1000,
        bound: { basis: `alerts ÷ ${TEAMS_MESSAGES_PER_SECOND}/s per app per tenant`, value: options.alerts / TEAMS_MESSAGES_PER_SECOND, unit: 's' },
        target: atMost(TARGET_RATIO),
        conditions: [{ label: 'nothing lost, nothing delivered twice', met: lost === 0 && duplicated === 0 }],
      }),
    ];
  } finally {
    await connector.stop();
    await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function install(conversations: ConversationReferences, serviceUrl: string, n: number): Promise<string> {
  const aadObjectId = `00000000-0000-0000-0000-${String(n + 1).padStart(12, '0')}`;
  await conversations.save(aadObjectId, () => ({
    aadObjectId,
    name: `Account manager ${n + 1}`,
    locale: n % 5 === 0 ? 'de-DE' : 'en-US',
    tenantId: TENANT_ID,
    reference: {
      serviceUrl,
      channelId: 'msteams',
      bot: { id: '28:kaizala-bot', name: 'Kaizala Migration Assistant' },
      user: { id: `29:am-${n + 1}`, name: `Account manager ${n + 1}`, aadObjectId },
      conversation: { id: `a:chat-${n + 1}`, conversationType: 'personal', tenantId: TENANT_ID, isGroup: false, name: '' },
    },
  }));
  return aadObjectId;
}
