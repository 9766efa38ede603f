/**
 * The crash harness's verdict, computed only from what the sandbox recorded (its ledger of every state change)
 * and the runs the worker left in its store: the harness trusts nothing the worker says about itself.
 */

/** The parts of a sandbox ledger entry the invariants read (see sandbox/model.ts LedgerEntry). */
export interface LedgerRecord {
  seq: number;
  actor: string;
  operation: string;
  customerId: string | null;
  changes: LedgerChangeRecord[];
}

export type LedgerChangeRecord =
  | { kind: 'userLicenses'; userId: string; userPrincipalName: string; before: string[]; after: string[] }
  | { kind: 'subscription'; subscriptionId: string; skuId: string; after: { status: string } | null; consumedUnits: number }
  | { kind: 'order'; orderId: string; before: string | null; after: string }
  | { kind: string; [field: string]: unknown };

/** One request of the harness, as it was written into the worker's store. */
export interface ChaosRequest {
  requestId: string;
  customerId: string;
  customerName: string;
  kaizalaSubscriptionId: string;
  kaizalaSkuId: string;
  /** userId → the skuId the user must end up with. */
  targets: Record<string, string>;
  /** userId → skuIds held when the harness started. */
  initialLicenses: Record<string, string[]>;
}

export interface ChaosRunState {
  id: string;
  status: string;
  step: string;
  outcome?: string;
  parked?: { code: string; detail: string };
}

export interface ChaosInvariants {
  /** Orders created per request: must be exactly 1 each. */
  ordersPerRequest: Record<string, number>;
  /** Users of a request who at any moment held neither Kaizala Pro nor their new plan (or lost Kaizala to a suspension first). */
  usersWithoutLicense: number;
  /** Kaizala suspensions while seats were consumed or a user of the request lacked the new plan. */
  suspensionsBeforeAllMoved: number;
  /** Runs not completed when the harness stopped waiting (parked, still running, missing). */
  runsNotFinished: number;
  /** License calls that changed the licenses of a user who was already moved. */
  duplicateLicenseCallsThatChangedState: number;
}

export interface ChaosVerdict {
  invariants: ChaosInvariants;
  /** One line per broken invariant, naming the request, user or ledger entry. */
  violations: string[];
  ok: boolean;
}

const LICENSE_OPERATIONS = new Set(['assignLicense', 'licenseUpdates']);

export function evaluateChaos(requests: ChaosRequest[], ledger: LedgerRecord[], runs: ChaosRunState[]): ChaosVerdict {
  const violations: string[] = [];
  const ordersPerRequest: Record<string, number> = {};
  let usersWithoutLicense = 0;
  let suspensionsBeforeAllMoved = 0;
  let duplicates = 0;
  const ordered = [...ledger].sort((a, b) => a.seq - b.seq);

  for (const request of requests) {
    const entries = ordered.filter((entry) => entry.customerId === request.customerId);
    const orders = entries.filter((entry) => entry.changes.some((change) => change.kind === 'order' && change.before === null));
    ordersPerRequest[request.requestId] = orders.length;
    if (orders.length !== 1) violations.push(`${request.customerName}: ${orders.length} orders for request ${request.requestId}`);

    const held = new Map(Object.entries(request.initialLicenses).map(([userId, skus]) => [userId, new Set(skus)]));
    const kaizala = request.kaizalaSkuId.toLowerCase();
    const isMoved = (userId: string, skus: ReadonlySet<string>) => skus.has(request.targets[userId]) && !skus.has(kaizala);
    const stranded = new Set<string>();

    for (const entry of entries) {
      for (const change of entry.changes) {
        if (change.kind === 'userLicenses') {
          const licenses = change as Extract<LedgerChangeRecord, { kind: 'userLicenses' }>;
          const before = new Set(licenses.before.map((sku) => sku.toLowerCase()));
          const after = new Set(licenses.after.map((sku) => sku.toLowerCase()));
          held.set(licenses.userId, after);
          if (!(licenses.userId in request.targets)) continue;
          const changed = licenses.before.length !== licenses.after.length || [...after].some((sku) => !before.has(sku));
          if (changed && entry.actor === 'client' && LICENSE_OPERATIONS.has(entry.operation) && isMoved(licenses.userId, before)) {
            duplicates++;
            violations.push(`${request.customerName}: ledger #${entry.seq} changed the licenses of ${licenses.userPrincipalName}, who was already moved`);
          }
          if (!after.has(kaizala) && !after.has(request.targets[licenses.userId]) && !stranded.has(licenses.userId)) {
            stranded.add(licenses.userId);
            violations.push(`${request.customerName}: ${licenses.userPrincipalName} held no license after ledger #${entry.seq}`);
          }
        } else if (change.kind === 'subscription') {
          const subscription = change as Extract<LedgerChangeRecord, { kind: 'subscription' }>;
          if (subscription.subscriptionId !== request.kaizalaSubscriptionId || subscription.after?.status !== 'suspended') continue;
          const notMoved = Object.keys(request.targets).filter((userId) => !isMoved(userId, held.get(userId) ?? new Set()));
          if (subscription.consumedUnits > 0 || notMoved.length > 0) {
            suspensionsBeforeAllMoved++;
            violations.push(
              `${request.customerName}: Kaizala suspended at ledger #${entry.seq} with ${subscription.consumedUnits} seats consumed and ${notMoved.length} users not moved`,
            );
            for (const userId of notMoved) if (held.get(userId)?.has(kaizala)) stranded.add(userId);
          }
        }
      }
    }
    usersWithoutLicense += stranded.size;
  }

  const byId = new Map(runs.map((run) => [run.id, run]));
  let runsNotFinished = 0;
  for (const request of requests) {
    const run = byId.get(request.requestId);
    if (run?.status === 'completed') continue;
    runsNotFinished++;
    const state = run ? `${run.status} at ${run.step}${run.parked ? ` (${run.parked.code}: ${run.parked.detail})` : ''}` : 'no run';
    violations.push(`${request.customerName}: run ${request.requestId} not finished: ${state}`);
  }

  const invariants: ChaosInvariants = {
    ordersPerRequest,
    usersWithoutLicense,
    suspensionsBeforeAllMoved,
    runsNotFinished,
    duplicateLicenseCallsThatChangedState: duplicates,
  };
  return { invariants, violations, ok: violations.length === 0 };
}
