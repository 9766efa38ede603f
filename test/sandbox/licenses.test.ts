import type { RunningSandbox } from '../../sandbox/server';
import { BUSINESS_BASIC_SKU, KAIZALA_SKU, makeCustomer, SandboxClient, startTestSandbox, type Json } from './support';

let sandbox: RunningSandbox;
let client: SandboxClient;

beforeAll(async () => {
  ({ sandbox, client } = await startTestSandbox());
});
afterAll(() => sandbox.close());

/** A customer with `users` Kaizala holders and `seats` Business Basic seats. */
async function customerWithSeats(users: number, seats: number) {
  return makeCustomer(client, { users, extras: [{ partNumber: 'O365_BUSINESS_ESSENTIALS', quantity: seats, holders: 0 }] });
}

const swap = { addLicenses: [{ skuId: BUSINESS_BASIC_SKU, disabledPlans: [] }], removeLicenses: [KAIZALA_SKU] };

async function seatViews(customerId: string, skuId: string) {
  const graph = (await client.graph('GET', customerId, '/subscribedSkus')).body.value.find((sku: Json) => sku.skuId === skuId);
  const pc = (await client.pc('GET', `/customers/${customerId}/subscribedskus`, { token: client.userToken })).body.items.find(
    (sku: Json) => sku.productSku.id === skuId,
  );
  return { graph, pc };
}

describe('Graph assignLicense', () => {
  test('a swap moves one seat on both APIs, and both views always agree', async () => {
    const customer = await customerWithSeats(3, 5);
    const [user] = customer.users;
    const reply = await client.graph('POST', customer.id, `/users/${user.id}/assignLicense`, { body: swap });
    expect(reply.status).toBe(200);
    expect(reply.body.id).toBe(user.id);
    expect(reply.body.assignedLicenses.map((license: Json) => license.skuId)).toEqual([BUSINESS_BASIC_SKU]);
    for (const skuId of [BUSINESS_BASIC_SKU, KAIZALA_SKU]) {
      const { graph, pc } = await seatViews(customer.id, skuId);
      expect(pc.consumedUnits).toBe(graph.consumedUnits);
      expect(pc.activeUnits).toBe(graph.prepaidUnits.enabled);
      expect(pc.totalUnits).toBe(pc.activeUnits + pc.warningUnits);
      expect(pc.availableUnits).toBe(pc.totalUnits - pc.consumedUnits);
      expect(pc.suspendedUnits).toBe(graph.prepaidUnits.suspended);
    }
    expect((await seatViews(customer.id, BUSINESS_BASIC_SKU)).graph.consumedUnits).toBe(1);
    expect((await seatViews(customer.id, KAIZALA_SKU)).graph.consumedUnits).toBe(2);
    const licenses = await client.pc('GET', `/customers/${customer.id}/users/${user.id}/licenses`, { token: client.userToken });
    expect(licenses.body.items.map((item: Json) => item.productSku.skuPartNumber)).toEqual(['O365_BUSINESS_ESSENTIALS']);
  });

  test('both arrays are required; no seats gives 400 "does not have any available licenses"', async () => {
    const customer = await customerWithSeats(3, 1);
    const [first, second] = customer.users;
    const missing = await client.graph('POST', customer.id, `/users/${first.id}/assignLicense`, { body: { addLicenses: swap.addLicenses } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('Request_BadRequest');
    expect((await client.graph('POST', customer.id, `/users/${first.id}/assignLicense`, { body: swap })).status).toBe(200);
    const full = await client.graph('POST', customer.id, `/users/${second.id}/assignLicense`, { body: swap });
    expect(full.status).toBe(400);
    expect(full.body.error.message).toContain('does not have any available licenses');
    const unchanged = await client.graph('GET', customer.id, `/users/${second.id}?$select=assignedLicenses`);
    expect(unchanged.body.assignedLicenses.map((license: Json) => license.skuId)).toEqual([KAIZALA_SKU]);
  });

  test('usageLocation is required and group-inherited licenses cannot be removed', async () => {
    const customer = await customerWithSeats(2, 5);
    const [user, other] = customer.users;
    await client.admin('PATCH', `/customers/${customer.id}/users/${user.id}`, { usageLocation: null });
    const noLocation = await client.graph('POST', customer.id, `/users/${user.id}/assignLicense`, { body: swap });
    expect(noLocation.status).toBe(400);
    expect(noLocation.body.error.message).toContain('usage location');
    await client.admin('PATCH', `/customers/${customer.id}/users/${other.id}`, {
      licenses: [{ skuId: KAIZALA_SKU, groupId: '12345678-1234-4234-8234-123456789abc' }],
    });
    const inherited = await client.graph('POST', customer.id, `/users/${other.id}/assignLicense`, { body: swap });
    expect(inherited.status).toBe(400);
    expect(inherited.body.error.message).toContain('inherited from a group');
    const states = await client.graph('GET', customer.id, `/users/${other.id}?$select=licenseAssignmentStates`);
    expect(states.body.licenseAssignmentStates[0].assignedByGroup).toBe('12345678-1234-4234-8234-123456789abc');
  });
});

describe('Graph $batch', () => {
  const part = (id: string, userId: string, extra: Record<string, unknown> = {}) => ({
    id,
    method: 'POST',
    url: `/users/${userId}/assignLicense`,
    headers: { 'Content-Type': 'application/json' },
    body: swap,
    ...extra,
  });

  test('more than 20 parts or repeated ids are refused', async () => {
    const customer = await customerWithSeats(1, 1);
    const user = customer.users[0].id;
    const tooMany = await client.graph('POST', customer.id, '/$batch', { body: { requests: Array.from({ length: 21 }, (_, i) => part(String(i), user)) } });
    expect(tooMany.status).toBe(400);
    const repeated = await client.graph('POST', customer.id, '/$batch', { body: { requests: [part('1', user), part('1', user)] } });
    expect(repeated.status).toBe(400);
  });

  test('each part has its own status: success, no seats, 424 for a failed dependency, per-part 429', async () => {
    const customer = await customerWithSeats(4, 1);
    const [a, b, c, d] = customer.users.map((user) => user.id);
    await client.admin('PUT', '/knobs', { faults: [{ action: 'throttle', operation: 'assignLicense', userId: d, retryAfterSeconds: 7 }] });
    const reply = await client.graph('POST', customer.id, '/$batch', {
      body: { requests: [part('1', a), part('2', b), part('3', c, { dependsOn: ['2'] }), part('4', d)] },
    });
    await client.admin('PUT', '/knobs', { faults: [] });
    expect(reply.status).toBe(200);
    const byId = Object.fromEntries(reply.body.responses.map((response: Json) => [response.id, response]));
    expect(byId['1'].status).toBe(200);
    expect(byId['2'].status).toBe(400);
    expect(byId['2'].body.error.message).toContain('does not have any available licenses');
    expect(byId['3'].status).toBe(424);
    expect(byId['4'].status).toBe(429);
    expect(byId['4'].headers['Retry-After']).toBe('7');
  });
});

describe('Partner Center customer user (App+User)', () => {
  test('GET users/{id} carries usageLocation only when set, 404 60002 for an unknown user, and refuses app-only', async () => {
    const customer = await customerWithSeats(2, 2);
    const [withLocation, without] = customer.users;
    await client.admin('PATCH', `/customers/${customer.id}/users/${without.id}`, { usageLocation: null });
    const read = (userId: string, token = client.userToken) => client.pc('GET', `/customers/${customer.id}/users/${userId}`, { token });
    const located = await read(withLocation.id);
    expect(located.status).toBe(200);
    expect(located.body).toMatchObject({ id: withLocation.id, userPrincipalName: withLocation.userPrincipalName, usageLocation: expect.any(String), attributes: { objectType: 'CustomerUser' } });
    const unlocated = await read(without.id);
    expect(unlocated.body.usageLocation).toBeUndefined();
    expect((await read('00000000-0000-4000-8000-000000000000')).body.code).toBe(60002);
    expect((await read(withLocation.id, client.appToken)).status).toBe(403);
  });
});

describe('Partner Center licenseupdates (App+User)', () => {
  test('201 swap (PascalCase body accepted), 60012 without seats, mixed license groups refused', async () => {
    const customer = await customerWithSeats(2, 1);
    const [first, second] = customer.users;
    const path = (userId: string) => `/customers/${customer.id}/users/${userId}/licenseupdates`;
    const pascal = {
      LicensesToAssign: [{ SkuId: BUSINESS_BASIC_SKU, ExcludedPlans: null }],
      LicensesToRemove: [KAIZALA_SKU],
      Attributes: { ObjectType: 'LicenseUpdate' },
    };
    const ok = await client.pc('POST', path(first.id), { token: client.userToken, body: pascal });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ licensesToAssign: [{ skuId: BUSINESS_BASIC_SKU }], licenseWarnings: [], attributes: { objectType: 'LicenseUpdate' } });
    const noSeats = await client.pc('POST', path(second.id), { token: client.userToken, body: pascal });
    expect(noSeats.status).toBe(400);
    expect(noSeats.body.code).toBe(60012);
    // Microsoft's documented shape: "Name : message", naming the account and the SKU.
    expect(noSeats.body.data).toEqual([
      `LicenseQuotaExceededException : Subscription with Account ${customer.id} and SKU ${BUSINESS_BASIC_SKU} does not have any available licenses left.`,
    ]);

    const bellows = await client.customerNamed('Bellows College');
    const student = (await client.state(bellows)).users[1];
    const mixed = await client.pc('POST', `/customers/${bellows}/users/${student.id}/licenseupdates`, {
      token: client.userToken,
      body: { licensesToAssign: [{ skuId: '00000000-0000-4000-8000-00000000ec01' }], licensesToRemove: [KAIZALA_SKU] },
    });
    expect(mixed.status).toBe(400);
    expect(mixed.body.code).toBe(60000);
    const unknownUser = await client.pc('POST', path('00000000-0000-4000-8000-000000000000'), { token: client.userToken, body: pascal });
    expect(unknownUser.body.code).toBe(60002);
  });
});
