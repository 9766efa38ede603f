import { RunAuditLog, type MigrationRunner } from '../../services/migration';
import type { Store } from '../../services/store';
import {
  BUSINESS_BASIC,
  KAIZALA_SKU,
  addCustomer,
  approvedRequest,
  clientsFor,
  createRunner,
  customerState,
  kaizalaSubscription,
  licensePicture,
  memoryStore,
  ordersCreated,
  startTestSandbox,
  waitForRun,
  type CustomerState,
  type SandboxHandle,
} from './support';

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

describe('a migration run', () => {
  test('buys once, waits for seats, moves every user in one call each, verifies and suspends Kaizala', async () => {
    const state = await addCustomer(env, { users: 12 });
    const request = await approvedRequest(store, state);

    const started = await runner.startRun(request.id);
    expect(started).toEqual({ kind: 'started', runId: request.id });
    const run = await waitForRun(store, request.id);

    expect(run).toMatchObject({ status: 'completed', step: 'completed', outcome: 'suspended' });
    expect(run.users.every((user) => user.state === 'done')).toBe(true);
    const after = await customerState(env, state.customer.id);
    expect(licensePicture(after, request.userIds, BUSINESS_BASIC.skuId)).toEqual({ moved: 12, others: {} });
    expect(kaizalaSubscription(after).status).toBe('suspended');
    expect(await ordersCreated(env, state.customer.id)).toBe(1);

    const audit = await new RunAuditLog(store).forRun(state.customer.id, request.id);
    const operations = audit.map((entry) => entry.action);
    expect(operations.filter((operation) => operation === 'createCart')).toHaveLength(1);
    expect(operations.filter((operation) => operation === 'checkout')).toHaveLength(1);
    expect(operations.filter((operation) => operation === 'assignLicense')).toHaveLength(12);
    expect(operations.at(-1)).toBe('suspendSubscription');
    const checkout = audit.find((entry) => entry.action === 'checkout');
    expect(checkout).toMatchObject({ customerName: state.customer.companyName, details: { outcome: 'ok', msRequestId: run.purchase.checkoutRequestId } });
    expect(checkout?.details.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('an education request buys faculty and student seats in one cart and gives each user their own kind', async () => {
    const FACULTY = { skuId: '94763226-9b3c-4e75-a931-5c89701abe66', skuPartNumber: 'STANDARDWOFFPACK_FACULTY', title: 'Office 365 A1 for faculty' };
    const STUDENT = { skuId: '314c4481-f395-4525-be8b-2ec4bb1e9d91', skuPartNumber: 'STANDARDWOFFPACK_STUDENT', title: 'Office 365 A1 for students' };
    const state = await env.admin<CustomerState>('POST', '/customers', {
      companyName: 'Test School',
      profile: 'education',
      qualification: 'Approved',
      users: 10,
      kaizala: [{ endInDays: 30 }],
      kaizalaHolderShare: 1,
    });
    const teachers = state.users.filter((user) => user.jobTitle === 'Teacher').map((user) => user.id);
    const students = state.users.filter((user) => user.jobTitle !== 'Teacher').map((user) => user.id);
    const request = await approvedRequest(store, state, { plan: { planId: 'A1', title: 'Office 365 A1', skuId: FACULTY.skuId, family: 'education' } });
    request.lines = [
      { ...FACULTY, quantity: teachers.length, userIds: teachers },
      { ...STUDENT, quantity: students.length, userIds: students },
    ];
    await store.upsert('requests', request.id, request);

    await runner.startRun(request.id);
    const run = await waitForRun(store, request.id);
    expect(run).toMatchObject({ status: 'completed', outcome: 'suspended' });
    expect(Object.keys(run.newSubscriptionIds ?? {}).sort()).toEqual([FACULTY.skuId, STUDENT.skuId].sort());
    const after = await customerState(env, state.customer.id);
    expect(licensePicture(after, teachers, FACULTY.skuId)).toEqual({ moved: teachers.length, others: {} });
    expect(licensePicture(after, students, STUDENT.skuId)).toEqual({ moved: students.length, others: {} });
    expect(await ordersCreated(env, state.customer.id)).toBe(1);
  });

  test('starting the same request twice creates one run and one order', async () => {
    const state = await addCustomer(env, { users: 3 });
    const request = await approvedRequest(store, state);
    const [first, second] = await Promise.all([runner.startRun(request.id), runner.startRun(request.id)]);
    expect([first.kind, second.kind].sort()).toEqual(['alreadyStarted', 'started']);
    await waitForRun(store, request.id);
    expect(await ordersCreated(env, state.customer.id)).toBe(1);
  });

  test('a request that is not approved does not start', async () => {
    const state = await addCustomer(env, { users: 2 });
    const request = await approvedRequest(store, state);
    await store.upsert('requests', request.id, { ...request, status: 'pending' });
    expect(await runner.startRun(request.id)).toEqual({ kind: 'notApproved', status: 'pending' });
    expect(await runner.startRun('no-such-request')).toEqual({ kind: 'notFound' });
    expect(await store.get('runs', request.id)).toBeUndefined();
  });

  test('resumeAll creates runs for approved requests the approval handler never started', async () => {
    const state = await addCustomer(env, { users: 2 });
    const request = await approvedRequest(store, state);
    expect(await runner.resumeAll()).toEqual({ created: 1, unfinished: 1 });
    expect((await waitForRun(store, request.id)).status).toBe('completed');
    const after = await customerState(env, state.customer.id);
    expect(after.users.every((user) => !user.licenses.some((license) => license.skuId === KAIZALA_SKU))).toBe(true);
  });
});
