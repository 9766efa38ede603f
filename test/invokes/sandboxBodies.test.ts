import { asInteger, asRecord, asString, camelizeKeys, isGuid } from '../../sandbox/input';
import type { RunningSandbox } from '../../sandbox/server';
import { BUSINESS_BASIC_SKU, KAIZALA_SKU, makeCustomer, SandboxClient, startTestSandbox, type Json } from '../sandbox/support';

describe("the sandbox's body readers", () => {
  it.each([
    [12, 12],
    ['12', 12],
    [' 7 ', 7],
    [12.5, undefined],
    ['12.5', undefined],
    ['', undefined],
    ['  ', undefined],
    [null, undefined],
    [true, undefined],
    [[3], undefined],
    [Number.MAX_SAFE_INTEGER + 2, undefined],
  ])('asInteger(%j) is %j', (value, expected) => {
    expect(asInteger(value)).toBe(expected);
  });

  it('reads records, strings and GUIDs by shape only', () => {
    expect(asRecord({ a: 1 })).toEqual({ a: 1 });
    expect([asRecord([]), asRecord(null), asRecord('x')]).toEqual([undefined, undefined, undefined]);
    expect([asString('x'), asString(1)]).toEqual(['x', undefined]);
    expect([isGuid(KAIZALA_SKU.toUpperCase()), isGuid('00000000-0000-4000-8000-00000000c0de0'), isGuid(7)]).toEqual([true, false, false]);
  });

  it('camelizes PascalCase keys and drops keys that would set a prototype', () => {
    const body = camelizeKeys(JSON.parse('{"LicensesToAssign": [{"SkuId": "x"}], "__proto__": {"polluted": true}, "constructor": 1}')) as Json;
    expect(body).toEqual({ licensesToAssign: [{ skuId: 'x' }] });
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(body.polluted).toBeUndefined();
  });
});

describe('hostile request bodies get each API’s own 400 and change nothing', () => {
  let sandbox: RunningSandbox;
  let client: SandboxClient;
  let customer: { id: string; users: { id: string }[] };

  beforeAll(async () => {
    ({ sandbox, client } = await startTestSandbox());
    customer = await makeCustomer(client, { users: 2, extras: [{ partNumber: 'O365_BUSINESS_ESSENTIALS', quantity: 5, holders: 0 }] });
  });
  afterAll(() => sandbox.close());

  const licensesOf = async (userId: string) =>
    ((await client.graph('GET', customer.id, `/users/${userId}?$select=assignedLicenses`)).body.assignedLicenses as Json[]).map((license) => license.skuId);

  it.each([
    ['a body that is an array', [], 'addLicenses'],
    ['addLicenses that is a record', { addLicenses: { skuId: BUSINESS_BASIC_SKU }, removeLicenses: [] }, 'addLicenses'],
    ['a SKU id that is not a GUID', { addLicenses: [{ skuId: 'E5' }], removeLicenses: [] }, 'addLicenses'],
    ['disabled plans that are not GUIDs', { addLicenses: [{ skuId: BUSINESS_BASIC_SKU, disabledPlans: ['x'] }], removeLicenses: [] }, 'addLicenses'],
    ['a SKU id hidden in a nested object', { addLicenses: [{ skuId: { $ne: null } }], removeLicenses: [] }, 'addLicenses'],
    ['removeLicenses of numbers', { addLicenses: [], removeLicenses: [1] }, 'removeLicenses'],
    ['no removeLicenses', { addLicenses: [{ skuId: BUSINESS_BASIC_SKU }] }, 'removeLicenses'],
  ])('Graph assignLicense with %s: 400 Request_BadRequest naming the property', async (_label, body, property) => {
    const [user] = customer.users;
    const reply = await client.graph('POST', customer.id, `/users/${user.id}/assignLicense`, { body });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code: 'Request_BadRequest', message: `Invalid value specified for property '${property}' of resource 'User'.` });
    expect(await licensesOf(user.id)).toEqual([KAIZALA_SKU]);
  });

  it.each([
    ['licensesToAssign that is a string', { licensesToAssign: 'all', licensesToRemove: [] }, 'Invalid request input: licensesToAssign must be an array.'],
    ['a SKU id that is not a GUID', { licensesToAssign: [{ skuId: 'E5' }], licensesToRemove: [] }, 'Invalid request input: licensesToAssign[].skuId.'],
    ['an assignment that is not a record', { licensesToAssign: [BUSINESS_BASIC_SKU], licensesToRemove: [] }, 'Invalid request input: licensesToAssign[].skuId.'],
    ['a removal that is not a GUID', { licensesToAssign: [], licensesToRemove: [{ skuId: KAIZALA_SKU }] }, 'Invalid request input: licensesToRemove[].'],
    ['nothing at all', {}, 'Invalid request input: nothing to assign or remove.'],
  ])('Partner Center licenseupdates with %s: 400 800002', async (_label, body, description) => {
    const [, user] = customer.users;
    const reply = await client.pc('POST', `/customers/${customer.id}/users/${user.id}/licenseupdates`, { token: client.userToken, body });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: 800002, description });
    expect(await licensesOf(user.id)).toEqual([KAIZALA_SKU]);
  });

  it('a prototype key in a body is dropped, not obeyed', async () => {
    const [user] = customer.users;
    const reply = await client.graph('POST', customer.id, `/users/${user.id}/assignLicense`, {
      rawBody: `{"__proto__": {"addLicenses": [{"skuId": "${BUSINESS_BASIC_SKU}"}], "removeLicenses": ["${KAIZALA_SKU}"]}}`,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(reply.status).toBe(400);
    expect(await licensesOf(user.id)).toEqual([KAIZALA_SKU]);
  });

  it('well-formed bodies still work, in either case', async () => {
    const [user] = customer.users;
    const reply = await client.graph('POST', customer.id, `/users/${user.id}/assignLicense`, {
      body: { addLicenses: [{ skuId: BUSINESS_BASIC_SKU.toUpperCase(), disabledPlans: null }], removeLicenses: [KAIZALA_SKU.toUpperCase()] },
    });
    expect(reply.status).toBe(200);
    expect(await licensesOf(user.id)).toEqual([BUSINESS_BASIC_SKU]);
  });
});
