/**
 * What must never happen: Kaizala suspended while someone still needs it, a user left without a license, an
 * authorization failure retried. And what must happen instead: problems reported, the rest moved, a human asked.
 */
import type { SubscribedSku } from '../../services/graph';
import type { MigrationRunner, RunNotifier, RunProgressView, RunSummaryView } from '../../services/migration';
import type { Store } from '../../services/store';
import {
  BUSINESS_BASIC,
  KAIZALA_SKU,
  REQUESTER,
  addCustomer,
  approvedRequest,
  clientsFor,
  createRunner,
  customerState,
  kaizalaSubscription,
  ledger,
  licensePicture,
  memoryStore,
  startTestSandbox,
  waitForRun,
  type SandboxHandle,
  licenseChange,
  subscriptionChange,
} from './support';

let env: SandboxHandle;
let store: Store;
let runner: MigrationRunner;
let notes: { deadline: RunProgressView[]; completed: RunSummaryView[] };

const recordingNotifier: RunNotifier = {
  progress: async () => undefined,
  completed: async (view) => void notes.completed.push(view),
  deadlineAtRisk: async (view) => void notes.deadline.push(view),
};

beforeAll(async () => {
  env = await startTestSandbox();
});
afterAll(() => env.close());
beforeEach(() => {
  notes = { deadline: [], completed: [] };
  store = memoryStore();
  runner = createRunner(store, clientsFor(env.sandbox), { notifier: recordingNotifier });
  runner.start();
});
afterEach(async () => {
  await runner.stop();
  await store.close();
});

/** Ledger entries that suspended the customer's Kaizala subscription. */
async function suspensions(customerId: string) {
  return (await ledger(env, customerId)).filter((entry) =>
    entry.changes.some((change) => change.kind === 'subscription' && change.skuId === KAIZALA_SKU && change.after?.status === 'suspended'),
  );
}

describe('users that cannot be moved', () => {
  test('a user without usage location is reported while the rest move; Kaizala is not suspended; Retry after the fix completes', async () => {
    const state = await addCustomer(env, { users: 6, usersWithoutUsageLocation: 1 });
    const request = await approvedRequest(store, state);
    const stranded = state.users.find((user) => user.usageLocation === null);
    await runner.startRun(request.id);
    const parked = await waitForRun(store, request.id);

    expect(parked).toMatchObject({ status: 'parked', step: 'moveLicenses', parked: { code: 'usersNeedAttention' } });
    expect(parked.parked?.detail).toContain(stranded?.userPrincipalName);
    const view = await runner.view(request.id);
    expect(view?.problems).toEqual([expect.objectContaining({ userId: stranded?.id, code: 'noUsageLocation', userPrincipalName: stranded?.userPrincipalName })]);
    expect(view?.users).toEqual({ total: 6, moved: 5, failed: 1, pending: 0 });
    const middle = await customerState(env, state.customer.id);
    expect(licensePicture(middle, request.userIds, BUSINESS_BASIC.skuId).moved).toBe(5);
    expect(kaizalaSubscription(middle).status).toBe('active');
    expect(await suspensions(state.customer.id)).toEqual([]);

    await env.admin('PATCH', `/customers/${state.customer.id}/users/${stranded?.id}`, { usageLocation: 'US' });
    expect((await runner.retry({ runId: request.id, version: parked.version, actor: REQUESTER })).kind).toBe('done');
    const finished = await waitForRun(store, request.id, (run) => run.status !== 'running');
    expect(finished.status).toBe('completed');
    expect(kaizalaSubscription(await customerState(env, state.customer.id)).status).toBe('suspended');
    expect(notes.completed.map((summary) => summary.runId)).toEqual([request.id]);
  });

  test('a user inheriting Kaizala from a group gets the new plan but keeps Kaizala: reported, suspension withheld', async () => {
    const state = await addCustomer(env, { users: 4, groupInheritedKaizala: 1 });
    const request = await approvedRequest(store, state);
    await runner.startRun(request.id);
    const parked = await waitForRun(store, request.id);
    expect(parked.parked?.code).toBe('usersNeedAttention');
    const failed = parked.users.filter((user) => user.state === 'failed');
    expect(failed).toEqual([expect.objectContaining({ problem: expect.objectContaining({ code: 'groupInherited' }) })]);
    const after = await customerState(env, state.customer.id);
    const inheritor = after.users.find((user) => user.id === failed[0].id);
    expect(inheritor?.licenses.map((license) => license.skuId).sort()).toEqual([BUSINESS_BASIC.skuId, KAIZALA_SKU].sort());
    expect(kaizalaSubscription(after).status).toBe('active');
  });

  test('Kaizala holders outside the request keep the subscription from being suspended', async () => {
    const state = await addCustomer(env, { users: 5 });
    const holders = state.users.map((user) => user.id);
    const request = await approvedRequest(store, state, { userIds: holders.slice(0, 4) });
    await runner.startRun(request.id);
    const parked = await waitForRun(store, request.id);
    expect(parked).toMatchObject({ status: 'parked', step: 'verify', parked: { code: 'otherKaizalaHolders' } });
    expect(parked.parked?.detail).toContain(state.users[4].userPrincipalName);
    expect(await suspensions(state.customer.id)).toEqual([]);
  });
});

describe('users that cannot be moved, on the Partner Center license path', () => {
  let own: Store;
  let partnerCenterRunner: MigrationRunner;
  beforeEach(() => {
    own = memoryStore();
    partnerCenterRunner = createRunner(own, clientsFor(env.sandbox), { settings: { defaultLicensePath: 'partnerCenter' } });
    partnerCenterRunner.start();
  });
  afterEach(async () => {
    await partnerCenterRunner.stop();
    await own.close();
  });

  test('a user without usage location is parked with the same reason as on Graph, before any license call for them', async () => {
    const state = await addCustomer(env, { users: 4, usersWithoutUsageLocation: 1 });
    const request = await approvedRequest(own, state);
    const stranded = state.users.find((user) => user.usageLocation === null);
    await partnerCenterRunner.startRun(request.id);
    const parked = await waitForRun(own, request.id);
    expect(parked).toMatchObject({ status: 'parked', step: 'moveLicenses', licensePath: 'partnerCenter', parked: { code: 'usersNeedAttention' } });
    expect(parked.users.filter((user) => user.state === 'failed')).toEqual([
      expect.objectContaining({ id: stranded?.id, upn: stranded?.userPrincipalName, problem: expect.objectContaining({ code: 'noUsageLocation' }) }),
    ]);
    const { requests } = await env.admin<{ requests: Array<{ operation: string | null; path: string }> }>('GET', '/requests');
    const licenseCalls = requests.filter((entry) => entry.operation === 'licenseUpdates');
    expect(licenseCalls.length).toBeGreaterThanOrEqual(3);
    expect(licenseCalls.filter((entry) => entry.path.includes(stranded?.id ?? '?'))).toEqual([]);
  });

  test('a user inheriting Kaizala from a group is parked as groupInherited, as on Graph, and keeps both licenses', async () => {
    const state = await addCustomer(env, { users: 3, groupInheritedKaizala: 1 });
    const request = await approvedRequest(own, state);
    await partnerCenterRunner.startRun(request.id);
    const parked = await waitForRun(own, request.id);
    expect(parked.parked?.code).toBe('usersNeedAttention');
    const failed = parked.users.filter((user) => user.state === 'failed');
    expect(failed).toEqual([expect.objectContaining({ problem: expect.objectContaining({ code: 'groupInherited' }) })]);
    const inheritor = (await customerState(env, state.customer.id)).users.find((user) => user.id === failed[0].id);
    expect(inheritor?.licenses.map((license) => license.skuId).sort()).toEqual([BUSINESS_BASIC.skuId, KAIZALA_SKU].sort());
  });
});

describe('suspension only after a fresh verification', () => {
  test('on the Partner Center path, Kaizala seats consumed by users it cannot list keep the suspension back and park the run', async () => {
    const state = await addCustomer(env, { users: 4 });
    const own = memoryStore();
    const request = await approvedRequest(own, state, { userIds: state.users.slice(0, 3).map((user) => user.id) });
    const partnerCenterRunner = createRunner(own, clientsFor(env.sandbox), { settings: { defaultLicensePath: 'partnerCenter' } });
    partnerCenterRunner.start();
    try {
      await partnerCenterRunner.startRun(request.id);
      const parked = await waitForRun(own, request.id);
      expect(parked).toMatchObject({ status: 'parked', step: 'verify', licensePath: 'partnerCenter', parked: { code: 'kaizalaStillConsumed' } });
      expect(parked.parked?.detail).toContain('1 Kaizala Pro seats are still consumed');
    } finally {
      await partnerCenterRunner.stop();
    }
    expect(await suspensions(state.customer.id)).toEqual([]);
  });


  test('a user who regains Kaizala between verification and suspension is moved again before the suspension', async () => {
    const state = await addCustomer(env, { users: 3 });
    // Its own store: the shared runner must not pick this request up with uninstrumented clients.
    const own = memoryStore();
    const request = await approvedRequest(own, state);
    const clients = clientsFor(env.sandbox);
    const listUsers = clients.graph.listUsers.bind(clients.graph);
    let kaizalaReads = 0;
    // The second Kaizala read is the suspend step's own re-verification: Kaizala comes back right before it.
    clients.graph.listUsers = async (tenantId, options) => {
      if (options?.skuId === KAIZALA_SKU && ++kaizalaReads === 2) {
        await env.admin('PATCH', `/customers/${state.customer.id}/users/${state.users[0].id}`, {
          licenses: [{ skuId: BUSINESS_BASIC.skuId }, { skuId: KAIZALA_SKU }],
        });
      }
      return listUsers(tenantId, options);
    };
    const precise = createRunner(own, clients);
    precise.start();
    try {
      await precise.startRun(request.id);
      const finished = await waitForRun(own, request.id);
      expect(finished).toMatchObject({ status: 'completed', verifyRounds: 1 });
    } finally {
      await precise.stop();
    }
    const [suspension, ...more] = await suspensions(state.customer.id);
    expect(more).toEqual([]);
    expect(subscriptionChange(suspension)?.consumedUnits).toBe(0);
    const removals = (await ledger(env, state.customer.id)).filter(
      (entry) => entry.operation === 'assignLicense' && licenseChange(entry).userId === state.users[0].id,
    );
    expect(removals.map((entry) => licenseChange(entry).after)).toEqual([[BUSINESS_BASIC.skuId], [BUSINESS_BASIC.skuId]]);
    expect(removals.at(-1)!.seq).toBeLessThan(suspension.seq);
    expect(kaizalaReads).toBeGreaterThanOrEqual(4);
  });

  test('after the Kaizala term ended the run reports instead of suspending', async () => {
    const state = await addCustomer(env, { users: 2, endInDays: -2 });
    const request = await approvedRequest(store, state);
    await runner.startRun(request.id);
    const finished = await waitForRun(store, request.id);
    expect(finished).toMatchObject({ status: 'completed', outcome: 'termEnded' });
    expect(await suspensions(state.customer.id)).toEqual([]);
    expect(notes.deadline).toHaveLength(1);
    expect(notes.completed[0]).toMatchObject({ outcome: 'termEnded', users: { moved: 2, total: 2 } });
  });

  test('a run close to its end date warns the requester once and still finishes', async () => {
    const state = await addCustomer(env, { users: 2, endInDays: 1 });
    const request = await approvedRequest(store, state);
    await runner.startRun(request.id);
    const finished = await waitForRun(store, request.id);
    expect(finished).toMatchObject({ status: 'completed', outcome: 'suspended' });
    expect(notes.deadline.map((view) => [view.runId, view.deadlineAtRisk])).toEqual([[request.id, true]]);
  });
});

describe('unexpected errors', () => {
  test('an answer the bot cannot read parks the run once instead of repeating the step on every tick', async () => {
    const state = await addCustomer(env, { users: 2 });
    const own = memoryStore();
    const request = await approvedRequest(own, state);
    const clients = clientsFor(env.sandbox);
    let reads = 0;
    clients.graph.listSubscribedSkus = async () => {
      reads++;
      return [{ skuId: undefined } as unknown as SubscribedSku];
    };
    const broken = createRunner(own, clients);
    broken.start();
    try {
      await broken.startRun(request.id);
      const parked = await waitForRun(own, request.id);
      expect(parked).toMatchObject({ status: 'parked', step: 'provisioning', parked: { code: 'internalError' } });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(reads).toBe(1);
    } finally {
      await broken.stop();
    }
  });
});

describe('authorization failures', () => {
  test('Graph refused for the customer: parked at once with the customer name, never retried; Retry via Partner Center completes', async () => {
    const state = await addCustomer(env, { users: 3, access: { graphConsent: false }, companyName: 'Lamna Test Healthcare' });
    const request = await approvedRequest(store, state);
    await runner.startRun(request.id);
    const parked = await waitForRun(store, request.id);
    expect(parked).toMatchObject({ status: 'parked', step: 'provisioning', parked: { code: 'accessDenied' } });
    expect(parked.parked?.detail).toContain('Lamna Test Healthcare');
    const view = await runner.view(request.id);
    expect(view?.actions).toEqual({ retry: true, retryViaPartnerCenter: true, cancel: true });
    expect(view?.purchase.state).toBe('bought');

    // Entra refuses the app-only token (no consent, AADSTS700016) once: no Graph call goes out, nothing is retried.
    const sent = (await fetchRequests()).filter((entry) => entry.customerId === state.customer.id);
    expect(sent.filter((entry) => entry.api === 'graph')).toHaveLength(0);
    expect(sent.filter((entry) => entry.operation === 'token:client_credentials').map((entry) => entry.status)).toEqual([400]);

    await runner.retry({ runId: request.id, version: parked.version, actor: REQUESTER, licensePath: 'partnerCenter' });
    const finished = await waitForRun(store, request.id, (run) => run.status !== 'running');
    expect(finished).toMatchObject({ status: 'completed', licensePath: 'partnerCenter', outcome: 'suspended' });
    const licenseUpdates = (await ledger(env, state.customer.id)).filter((entry) => entry.operation === 'licenseUpdates');
    expect(licenseUpdates).toHaveLength(3);
    expect(licenseUpdates.map((entry) => entry.requestId).sort()).toEqual(
      expect.arrayContaining(finished.users.map(() => expect.stringMatching(/^[0-9a-f-]{36}$/))),
    );
  });

  test('no GDAP role either: the Partner Center path parks too, with the customer name', async () => {
    const state = await addCustomer(env, { users: 2, access: { graphConsent: false, gdapRoles: false }, companyName: 'Humongous Test' });
    const request = await approvedRequest(store, state);
    await runner.startRun(request.id);
    const parked = await waitForRun(store, request.id);
    await runner.retry({ runId: request.id, version: parked.version, actor: REQUESTER, licensePath: 'partnerCenter' });
    const again = await waitForRun(store, request.id, (run) => run.status === 'parked' && run.version > parked.version);
    expect(again.parked).toMatchObject({ code: 'accessDenied' });
    expect(again.parked?.detail).toMatch(/Humongous Test: .*900308/);
  });
});

async function fetchRequests(): Promise<Array<{ api: string; operation: string | null; customerId: string | null; status: number }>> {
  return (await env.admin<{ requests: Array<{ api: string; operation: string | null; customerId: string | null; status: number }> }>('GET', '/requests')).requests;
}
