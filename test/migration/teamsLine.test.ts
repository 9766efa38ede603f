import { randomUUID } from 'node:crypto';
import type { LedgerChange } from '../../sandbox/model';
import type { MigrationRequest } from '../../services/domain/request';
import { RunAuditLog, type MigrationRunner } from '../../services/migration';
import type { Store } from '../../services/store';
import {
  KAIZALA_SKU,
  approvedRequest,
  clientsFor,
  createRunner,
  customerState,
  kaizalaSubscription,
  ledger,
  memoryStore,
  startTestSandbox,
  waitForRun,
  type CustomerState,
  type SandboxHandle,
} from './support';

/** Office 365 E1 EEA (no Teams) and Microsoft Teams EEA: the pair a new Enterprise customer in the EEA buys. */
const E1_EEA = { skuId: 'b57282e3-65bd-4252-9502-c0eae1e5ab7f', skuPartNumber: 'Office_365_w/o_Teams_Bundle_E1', title: 'Office 365 E1 EEA (no Teams)' };
const TEAMS_EEA = { skuId: '7e74bd05-2c47-404e-829a-ba95c66fe8e5', skuPartNumber: 'Microsoft_Teams_EEA_New', title: 'Microsoft Teams EEA' };

type CartChange = Extract<LedgerChange, { kind: 'cart' }>;
type OrderChange = Extract<LedgerChange, { kind: 'order' }>;

let env: SandboxHandle;
let store: Store;
let runner: MigrationRunner;

beforeAll(async () => {
  env = await startTestSandbox();
});
afterAll(() => env.close());
beforeEach(() => {
  store = memoryStore();
  runner = createRunner(store, clientsFor(env.sandbox));
  runner.start();
});
afterEach(async () => {
  await runner.stop();
  await store.close();
});

async function eeaCustomer(users: number): Promise<CustomerState> {
  return env.admin<CustomerState>('POST', '/customers', {
    companyName: `EEA ${randomUUID().slice(0, 8)}`,
    country: 'DE',
    users,
    kaizala: [{ endInDays: 40 }],
    kaizalaHolderShare: 1,
  });
}

/** The request the wizard writes for this customer: the suite line and the Teams line, both for every user. */
async function suiteAndTeamsRequest(state: CustomerState): Promise<MigrationRequest> {
  const holders = state.users.filter((user) => user.licenses.some((license) => license.skuId === KAIZALA_SKU)).map((user) => user.id);
  const request = await approvedRequest(store, state, {
    plan: { planId: 'o365-e1', title: `${E1_EEA.title} + ${TEAMS_EEA.title}`, skuId: E1_EEA.skuId, family: 'enterprise' },
  });
  const withLines: MigrationRequest = {
    ...request,
    lines: [
      { ...E1_EEA, quantity: holders.length, userIds: holders },
      { ...TEAMS_EEA, quantity: holders.length, userIds: holders },
    ],
  };
  await store.upsert('requests', request.id, withLines);
  return withLines;
}

describe('a suite without Teams and its Teams standalone', () => {
  test('are bought in one cart and one order, assigned in one call per user, and verified both before Kaizala is suspended', async () => {
    const state = await eeaCustomer(9);
    const request = await suiteAndTeamsRequest(state);

    await runner.startRun(request.id);
    const run = await waitForRun(store, request.id);
    expect(run).toMatchObject({ status: 'completed', outcome: 'suspended' });
    expect(run.users).toHaveLength(9);

    const entries = await ledger(env, state.customer.id);
    const carts = entries.flatMap((entry) => entry.changes).filter((change): change is CartChange => change.kind === 'cart' && change.before === null);
    expect(carts).toHaveLength(1);
    // The attestation is on the cart; each line buys a term its availability offers (Teams EEA has no annual billing).
    expect(carts[0].partnerOnRecordAttestationAccepted).toBe(true);
    expect(carts[0].lineItems.map((line) => [line.catalogItemId.split(':')[0], line.quantity, line.termDuration, line.billingCycle])).toEqual([
      ['SBXO365E1EE1', 9, 'P1Y', 'monthly'],
      ['SBXTEAMSEEA1', 9, 'P1Y', 'monthly'],
    ]);
    const orders = entries.flatMap((entry) => entry.changes).filter((change): change is OrderChange => change.kind === 'order' && change.before === null);
    expect(orders).toHaveLength(1);
    expect(orders[0].lineItems.map((line) => line.skuId).sort()).toEqual([E1_EEA.skuId, TEAMS_EEA.skuId].sort());

    const after = await customerState(env, state.customer.id);
    for (const user of after.users.filter((candidate) => request.userIds.includes(candidate.id))) {
      expect(user.licenses.map((license) => license.skuId).sort()).toEqual([E1_EEA.skuId, TEAMS_EEA.skuId].sort());
    }
    expect(kaizalaSubscription(after).status).toBe('suspended');

    const operations = (await new RunAuditLog(store).forRun(state.customer.id, request.id)).map((entry) => entry.action);
    expect(operations.filter((operation) => operation === 'assignLicense')).toHaveLength(9);
  });
});
