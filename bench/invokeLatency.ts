/**
 * Invoke latency of the whole bot: `startBot` as `npm start` runs it (local mode, embedded sandbox, SQLite store),
 * answering `adaptiveCard/action` invokes on its real /api/messages endpoint. Teams gives a card action a few
 * seconds; the product promises every invoke an answer within one second.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { APPROVAL_VERBS } from '../bot/approvalHandlers';
import { loadConfig } from '../bot/config';
import { startBot } from '../bot/index';
import type { Person } from '../services/domain/people';
import type { MigrationRequest } from '../services/domain/request';
import { silentLogger } from '../services/logging';
import { startLocalConnector } from './localConnector';
import { atMost, benchResult, type BenchResult } from './result';
import { latencySummary } from './stats';

export interface InvokeLatencyOptions {
  /** Measured invokes, alternating between the kinds below. */
  requests: number;
}

/** Untimed invokes first: the first turn of a conversation stores its reference and asks Teams for the UPN. */
const WARM_UP = 4;
const TENANT_ID = '00000000-0000-0000-0000-0000000000a1';
const REQUEST_ID = 'MR-BENCH00001';
/** The Agents Playground's default user, who asked for the migration (local mode's defaults). */
const ALEX: Person = { aadObjectId: '00000000-0000-0000-0000-000000000020', name: 'Alex Wilber' };

interface InvokeKind {
  name: string;
  verb: string;
  data: Record<string, unknown>;
  /** What a correct answer looks like: the invoke body's statusCode and type. */
  expected: { statusCode: number; type: string };
}

const KINDS: readonly InvokeKind[] = [
  {
    name: 'approvalRefresh',
    verb: APPROVAL_VERBS.refresh,
    data: { requestId: REQUEST_ID, version: 1 },
    expected: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' },
  },
  {
    name: 'unknownVerb',
    verb: 'benchNoSuchVerb',
    data: {},
    expected: { statusCode: 400, type: 'application/vnd.microsoft.error' },
  },
];

export async function benchInvokeLatency(options: InvokeLatencyOptions): Promise<BenchResult[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kma-bench-bot-'));
  const connector = await startLocalConnector();
  const config = loadConfig({ PORT: '0', SANDBOX_PORT: '0', DATA_DIR: dataDir });
  const bot = await startBot(config, silentLogger);
  try {
    const approver: Person = { aadObjectId: config.approvals.approvers[0], name: 'Megan Bowen' };
    await bot.store.insert('requests', REQUEST_ID, pendingRequest());
    const click = (kind: InvokeKind) => postInvoke(bot.url, connector.serviceUrl, approver, kind);

    for (let i = 0; i < WARM_UP; i++) await click(KINDS[i % KINDS.length]);
    const samples = new Map<string, number[]>(KINDS.map((kind) => [kind.name, []]));
    let wrongAnswers = 0;
    for (let i = 0; i < options.requests; i++) {
      const kind = KINDS[i % KINDS.length];
      const answer = await click(kind);
      samples.get(kind.name)?.push(answer.ms);
      if (!answer.correct) wrongAnswers++;
    }
    await bot.idle();

    const all = latencySummary([...samples.values()].flat());
    const perKind = Object.fromEntries(
      [...samples].flatMap(([name, ms]) => {
        const summary = latencySummary(ms);
        return [
          [`${name}P50`, summary.p50],
          [`${name}P95`, summary.p95],
        ];
      }),
    );
    const details = { requests: all.count, warmUp: WARM_UP, sequential: true, p50: all.p50, p95: all.p95, max: all.max, wrongAnswers, ...perKind };
    return [
      benchResult({ name: 'invoke: p95 latency', unit: 'ms', value: all.p95, target: atMost(1000), alsoRequired: wrongAnswers === 0, details }),
      benchResult({ name: 'invoke: slowest answer', unit: 'ms', value: all.max, target: atMost(1000), alsoRequired: wrongAnswers === 0, details }),
    ];
  } finally {
    await bot.close();
    await connector.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function postInvoke(botUrl: string, serviceUrl: string, user: Person, kind: InvokeKind): Promise<{ ms: number; correct: boolean }> {
  const started = performance.now();
  const response = await fetch(`${botUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(invokeActivity(serviceUrl, user, kind)),
  });
  const body = (await response.json()) as { statusCode?: unknown; type?: unknown };
  const ms = performance.now() - started;
  // botbuilder mirrors the answer's statusCode in the HTTP status; the body is what Teams shows.
  const correct = body.statusCode === kind.expected.statusCode && body.type === kind.expected.type;
  return { ms, correct };
}

/** An `Action.Execute` click as Teams sends it from a personal chat. */
function invokeActivity(serviceUrl: string, user: Person, kind: InvokeKind) {
  return {
    type: 'invoke',
    name: 'adaptiveCard/action',
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    serviceUrl,
    channelId: 'msteams',
    from: { id: `29:${user.aadObjectId}`, aadObjectId: user.aadObjectId, name: user.name },
    conversation: { id: `a:personal-${user.aadObjectId}`, conversationType: 'personal', tenantId: TENANT_ID },
    recipient: { id: '28:kaizala-bot', name: 'Kaizala Migration Assistant' },
    locale: 'en-US',
    channelData: { tenant: { id: TENANT_ID } },
    value: { action: { type: 'Action.Execute', verb: kind.verb, data: kind.data }, trigger: 'manual' },
  };
}

/** A pending request as the wizard stores it: 20 users of a 25-seat Kaizala subscription moving to Office 365 E1. */
function pendingRequest(): MigrationRequest {
  const now = new Date();
  const users = Array.from({ length: 20 }, (_, index) => ({
    id: `6f1c${String(index).padStart(4, '0')}-0b2a-4c3d-9e8f-${String(index).padStart(12, '0')}`,
    displayName: `User ${index + 1}`,
    userPrincipalName: `user${index + 1}@contoso.onmicrosoft.com`,
  }));
  const plan = { planId: 'o365-e1', title: 'Office 365 E1', skuId: '18181a46-0d4e-45cd-891e-60aabd171b4e', family: 'enterprise' as const };
  return {
    id: REQUEST_ID,
    version: 1,
    status: 'pending',
    customerId: 'c0000000-0000-4000-8000-000000000001',
    customerName: 'Contoso [Beta] *Ltd*',
    tenantId: 'c0000000-0000-4000-8000-000000000001',
    kaizalaSubscriptionId: '50000000-0000-4000-8000-000000000001',
    kaizalaSkuId: '00000000-0000-4000-8000-00000000c0de',
    commitmentEndDate: new Date(now.getTime() + 30 * 86_400_000).toISOString(),
    plan,
    quantity: 22,
    userIds: users.map((user) => user.id),
    lines: [{ skuId: plan.skuId, skuPartNumber: 'STANDARDPACK', title: plan.title, quantity: 22, userIds: users.map((user) => user.id) }],
    usersPreview: users.map(({ displayName, userPrincipalName }) => ({ displayName, userPrincipalName })),
    requester: ALEX,
    requesterLocale: 'en-US',
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 7 * 86_400_000).toISOString(),
  };
}
