/**
 * The crash harness's verdict, computed from what the sandbox recorded — its ledger of every state change and its
 * own end state of each customer — and, only to say whether a run claims to be finished, the worker's store. Nothing
 * the worker says about itself counts as proof: a run the store calls completed must also be completed in the
 * sandbox (one order, every user moved, Kaizala Pro suspended), or the verdict names the contradiction.
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

/** The parts of `GET /_sandbox/state/customers/:id` the end-state invariants read (see sandbox/admin.ts stateOf). */
export interface SandboxCustomerState {
  subscriptions: Array<{ id: string; status: string; sandbox: { skuId: string } }>;
  orders: Array<{ id: string; status: string; sandbox: { lineItems: Array<{ skuId: string; quantity: number }> } }>;
  users: Array<{ id: string; userPrincipalName: string; licenses: Array<{ skuId: string }> }>;
}

/** One request of the harness, as it was written into the worker's store, with what the sandbox held before it. */
export interface ChaosRequest {
  requestId: string;
  customerId: string;
  customerName: string;
  kaizalaSubscriptionId: string;
  kaizalaSkuId: string;
  /** userId → the skuIds the user must end up with (a suite, and a Teams standalone bought with a suite without Teams). */
  targets: Record<string, string[]>;
  /** userId → skuIds held when the harness started (every user of the customer, read from the sandbox). */
  initialLicenses: Record<string, string[]>;
  /** The customer's orders when the harness started: any other order in the end state was bought by the run. */
  initialOrderIds: string[];
  /**
   * Kaizala Pro holders the request deliberately leaves behind (a partial migration), chosen by the harness from the
   * sandbox's holders: they must keep Kaizala Pro, and its subscription must stay active.
   */
  leftBehind: string[];
}

export interface ChaosRunState {
  id: string;
  status: string;
  step: string;
  outcome?: string;
  parked?: { code: string; detail: string };
}

export interface ChaosInvariants {
  /** Ledger: orders created per request: must be exactly 1 each. */
  ordersPerRequest: Record<string, number>;
  /** Ledger: users of a request who at any moment held neither Kaizala Pro nor their new plan (or lost Kaizala to a suspension first). */
  usersWithoutLicense: number;
  /** Ledger: Kaizala suspensions while seats were consumed, a user of the request lacked the new plan, or users were left behind. */
  suspensionsBeforeAllMoved: number;
  /** Ledger: license calls that changed the licenses of a user who was already moved. */
  duplicateLicenseCallsThatChangedState: number;
  /** End state: orders the customer has now and did not have at the start, per request: exactly 1 each, completed, for the new plan. */
  newOrdersPerRequest: Record<string, number>;
  /** End state: users of a request who do not hold their new plan, or still hold Kaizala Pro. */
  usersNotMoved: number;
  /** End state: users outside the request (those left behind included) whose licenses are not what they were. */
  otherUsersChanged: number;
  /** End state: requests whose Kaizala Pro subscription is not suspended after a full migration, or not active after a partial one. */
  kaizalaNotAsPromised: number;
  /** Store: runs not completed when the harness stopped waiting (parked, still running, missing). */
  runsNotFinished: number;
  /** Runs the store calls completed while the sandbox's end state contradicts it. */
  finishedRunsContradicted: number;
}

export interface ChaosVerdict {
  invariants: ChaosInvariants;
  /** One line per broken invariant, starting with the invariant's name and naming the request, user or ledger entry. */
  violations: string[];
  ok: boolean;
}

export interface ChaosEvidence {
  requests: ChaosRequest[];
  /** The sandbox ledger since the harness set the requests up. */
  ledger: LedgerRecord[];
  /** customerId → the sandbox's state of that customer once the runs settled. */
  endStates: Record<string, SandboxCustomerState>;
  /** The runs as the worker's store has them. */
  runs: ChaosRunState[];
}

const LICENSE_OPERATIONS = new Set(['assignLicense', 'licenseUpdates']);

type Violation = (invariant: keyof ChaosInvariants, text: string) => void;

export function evaluateChaos(evidence: ChaosEvidence): ChaosVerdict {
  const violations: string[] = [];
  const violation: Violation = (invariant, text) => violations.push(`${invariant}: ${text}`);
  const ledger = evaluateLedger(evidence.requests, evidence.ledger, violation);
  const endState = evaluateEndState(evidence.requests, evidence.endStates, violation);

  const byId = new Map(evidence.runs.map((run) => [run.id, run]));
  let runsNotFinished = 0;
  let finishedRunsContradicted = 0;
  for (const request of evidence.requests) {
    const run = byId.get(request.requestId);
    if (run?.status !== 'completed') {
      runsNotFinished++;
      const state = run ? `${run.status} at ${run.step}${run.parked ? ` (${run.parked.code}: ${run.parked.detail})` : ''}` : 'no run';
      violation('runsNotFinished', `${request.customerName}: run ${request.requestId} not finished: ${state}`);
      continue;
    }
    const contradictions = endState.contradictions.get(request.requestId) ?? [];
    const promised = promisedOutcome(request);
    if (run.outcome !== promised) contradictions.push(`the run says Kaizala ${run.outcome ?? '(no outcome)'}, the request promised ${promised}`);
    if (contradictions.length > 0) {
      finishedRunsContradicted++;
      violation('finishedRunsContradicted', `${request.customerName}: run ${request.requestId} is completed in the store, but ${contradictions.join('; ')}`);
    }
  }

  const invariants: ChaosInvariants = {
    ...ledger,
    ...endState.counts,
    runsNotFinished,
    finishedRunsContradicted,
  };
  return { invariants, violations, ok: violations.length === 0 };
}

function lowerTargets(request: ChaosRequest): Map<string, string[]> {
  return new Map(Object.entries(request.targets).map(([userId, skus]) => [userId, skus.map((sku) => sku.toLowerCase())]));
}

/** What becomes of the Kaizala Pro subscription: suspended once everyone moved, kept active while users stay behind. */
function promisedOutcome(request: ChaosRequest): 'suspended' | 'kept' {
  return request.leftBehind.length > 0 ? 'kept' : 'suspended';
}

type LedgerCounts = Pick<ChaosInvariants, 'ordersPerRequest' | 'usersWithoutLicense' | 'suspensionsBeforeAllMoved' | 'duplicateLicenseCallsThatChangedState'>;

/** Replays the sandbox ledger per customer: what happened along the way, which the end state cannot show. */
function evaluateLedger(requests: ChaosRequest[], ledger: LedgerRecord[], violation: Violation): LedgerCounts {
  const ordersPerRequest: Record<string, number> = {};
  let usersWithoutLicense = 0;
  let suspensionsBeforeAllMoved = 0;
  let duplicates = 0;
  const ordered = [...ledger].sort((a, b) => a.seq - b.seq);

  for (const request of requests) {
    const entries = ordered.filter((entry) => entry.customerId === request.customerId);
    const orders = entries.filter((entry) => entry.changes.some((change) => change.kind === 'order' && change.before === null));
    ordersPerRequest[request.requestId] = orders.length;
    if (orders.length !== 1) violation('ordersPerRequest', `${request.customerName}: ${orders.length} orders for request ${request.requestId}`);

    const held = new Map(Object.entries(request.initialLicenses).map(([userId, skus]) => [userId, new Set(skus.map((sku) => sku.toLowerCase()))]));
    const kaizala = request.kaizalaSkuId.toLowerCase();
    const targets = lowerTargets(request);
    const holdsAll = (userId: string, skus: ReadonlySet<string>) => targets.get(userId)?.every((sku) => skus.has(sku)) ?? false;
    const isMoved = (userId: string, skus: ReadonlySet<string>) => holdsAll(userId, skus) && !skus.has(kaizala);
    const stranded = new Set<string>();

    for (const entry of entries) {
      for (const change of entry.changes) {
        if (change.kind === 'userLicenses') {
          const licenses = change as Extract<LedgerChangeRecord, { kind: 'userLicenses' }>;
          const before = new Set(licenses.before.map((sku) => sku.toLowerCase()));
          const after = new Set(licenses.after.map((sku) => sku.toLowerCase()));
          held.set(licenses.userId, after);
          if (!(licenses.userId in request.targets)) continue;
          const changed = before.size !== after.size || [...after].some((sku) => !before.has(sku));
          if (changed && entry.actor === 'client' && LICENSE_OPERATIONS.has(entry.operation) && isMoved(licenses.userId, before)) {
            duplicates++;
            violation('duplicateLicenseCallsThatChangedState', `${request.customerName}: ledger #${entry.seq} changed the licenses of ${licenses.userPrincipalName}, who was already moved`);
          }
          if (!after.has(kaizala) && !holdsAll(licenses.userId, after) && !stranded.has(licenses.userId)) {
            stranded.add(licenses.userId);
            violation('usersWithoutLicense', `${request.customerName}: ${licenses.userPrincipalName} held no license after ledger #${entry.seq}`);
          }
        } else if (change.kind === 'subscription') {
          const subscription = change as Extract<LedgerChangeRecord, { kind: 'subscription' }>;
          if (subscription.subscriptionId !== request.kaizalaSubscriptionId || subscription.after?.status !== 'suspended') continue;
          const notMoved = Object.keys(request.targets).filter((userId) => !isMoved(userId, held.get(userId) ?? new Set()));
          if (subscription.consumedUnits > 0 || notMoved.length > 0 || request.leftBehind.length > 0) {
            suspensionsBeforeAllMoved++;
            violation(
              'suspensionsBeforeAllMoved',
              `${request.customerName}: Kaizala suspended at ledger #${entry.seq} with ${subscription.consumedUnits} seats consumed, ${notMoved.length} users not moved and ${request.leftBehind.length} left behind`,
            );
            for (const userId of notMoved) if (held.get(userId)?.has(kaizala)) stranded.add(userId);
          }
        }
      }
    }
    usersWithoutLicense += stranded.size;
  }
  return { ordersPerRequest, usersWithoutLicense, suspensionsBeforeAllMoved, duplicateLicenseCallsThatChangedState: duplicates };
}

type EndStateCounts = Pick<ChaosInvariants, 'newOrdersPerRequest' | 'usersNotMoved' | 'otherUsersChanged' | 'kaizalaNotAsPromised'>;

/**
 * Compares each customer's end state in the sandbox with what its request promised. Returns the counts and, per
 * request, what the sandbox shows that a completed run would contradict.
 */
function evaluateEndState(
  requests: ChaosRequest[],
  endStates: Record<string, SandboxCustomerState>,
  violation: Violation,
): { counts: EndStateCounts; contradictions: Map<string, string[]> } {
  const counts: EndStateCounts = { newOrdersPerRequest: {}, usersNotMoved: 0, otherUsersChanged: 0, kaizalaNotAsPromised: 0 };
  const contradictions = new Map<string, string[]>();
  for (const request of requests) {
    const found: string[] = [];
    contradictions.set(request.requestId, found);
    const name = request.customerName;
    const state = endStates[request.customerId];
    if (!state) {
      counts.newOrdersPerRequest[request.requestId] = 0;
      found.push('the sandbox has no such customer');
      violation('usersNotMoved', `${name}: the sandbox has no state for customer ${request.customerId}`);
      counts.usersNotMoved += Object.keys(request.targets).length;
      continue;
    }
    const kaizala = request.kaizalaSkuId.toLowerCase();

    const known = new Set(request.initialOrderIds);
    const orders = state.orders.filter((order) => !known.has(order.id));
    counts.newOrdersPerRequest[request.requestId] = orders.length;
    const seatsWanted = new Map<string, number>();
    const targets = lowerTargets(request);
    for (const skuId of [...targets.values()].flat()) seatsWanted.set(skuId, (seatsWanted.get(skuId) ?? 0) + 1);
    if (orders.length !== 1) {
      violation('newOrdersPerRequest', `${name}: the sandbox holds ${orders.length} new orders for request ${request.requestId} (${orders.map((order) => `${order.id} ${order.status}`).join(', ') || 'none'})`);
      found.push(`the sandbox holds ${orders.length} new orders`);
    } else {
      const [order] = orders;
      const short = [...seatsWanted].filter(([skuId, users]) => !order.sandbox.lineItems.some((line) => line.skuId.toLowerCase() === skuId && line.quantity >= users));
      if (order.status !== 'completed' || short.length > 0) {
        const what = order.status !== 'completed' ? `is ${order.status}` : `lacks seats of ${short.map(([skuId]) => skuId).join(', ')}`;
        violation('newOrdersPerRequest', `${name}: order ${order.id} of request ${request.requestId} ${what}`);
        found.push(`its order ${what}`);
      }
    }

    const initial = new Map(Object.entries(request.initialLicenses).map(([userId, skus]) => [userId, new Set(skus.map((sku) => sku.toLowerCase()))]));
    const users = new Map(state.users.map((user) => [user.id, { upn: user.userPrincipalName, skus: new Set(user.licenses.map((license) => license.skuId.toLowerCase())) }]));
    let notMoved = 0;
    for (const [userId, wanted] of targets) {
      const user = users.get(userId);
      const lacking = user ? wanted.filter((sku) => !user.skus.has(sku)) : [];
      const problem = !user ? 'no longer exists' : lacking.length > 0 ? `lacks the new plan (${lacking.join(', ')})` : user.skus.has(kaizala) ? 'still holds Kaizala Pro' : undefined;
      if (!problem) continue;
      notMoved++;
      violation('usersNotMoved', `${name}: ${user?.upn ?? userId} ${problem}`);
    }
    counts.usersNotMoved += notMoved;
    if (notMoved > 0) found.push(`${notMoved} of its ${Object.keys(request.targets).length} users are not moved`);

    let othersChanged = 0;
    for (const [userId, user] of users) {
      if (userId in request.targets) continue;
      const before = initial.get(userId) ?? new Set<string>();
      if (before.size === user.skus.size && [...before].every((sku) => user.skus.has(sku))) continue;
      othersChanged++;
      const role = request.leftBehind.includes(userId) ? 'left behind' : 'outside the request';
      violation('otherUsersChanged', `${name}: ${user.upn} (${role}) held ${[...before].join(', ') || 'nothing'} and now holds ${[...user.skus].join(', ') || 'nothing'}`);
    }
    counts.otherUsersChanged += othersChanged;
    if (othersChanged > 0) found.push(`${othersChanged} users outside the request have other licenses than before`);

    const subscription = state.subscriptions.find((candidate) => candidate.id === request.kaizalaSubscriptionId);
    const promised = promisedOutcome(request) === 'suspended' ? 'suspended' : 'active';
    if (subscription?.status !== promised) {
      counts.kaizalaNotAsPromised++;
      const what = `Kaizala Pro subscription ${request.kaizalaSubscriptionId} is ${subscription?.status ?? 'missing'}, not ${promised}`;
      violation('kaizalaNotAsPromised', `${name}: ${what}${request.leftBehind.length > 0 ? ` (${request.leftBehind.length} users left behind)` : ''}`);
      found.push(`its ${what}`);
    }
  }
  return { counts, contradictions };
}
