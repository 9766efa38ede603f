import { PartnerCalendar, CustomerScanner, identifyKaizalaPro, isKaizalaOfferName, type TenantSku } from '../../services/scan';
import {
  E3_PLANS,
  E5_PLANS,
  FakeBackend,
  KAIZALA_PLANS,
  KAIZALA_SKU,
  M365_E3_SKU,
  M365_E5_SKU,
  apiError,
  customer,
  kaizalaTenant,
  subscription,
  type FakeTenant,
} from './fakes';

const SUBSCRIPTION = 'a1a1a1a1-0000-4000-8000-000000000001';
const kaizala: TenantSku = { skuId: KAIZALA_SKU, skuPartNumber: 'KAIZALA_PRO_SANDBOX_PLACEHOLDER', consumedUnits: 5, servicePlanNames: KAIZALA_PLANS, subscriptionIds: [SUBSCRIPTION] };
const e3: TenantSku = { skuId: M365_E3_SKU, skuPartNumber: 'SPE_E3', consumedUnits: 15, servicePlanNames: E3_PLANS, subscriptionIds: ['e3-sub'] };
const e5: TenantSku = { skuId: M365_E5_SKU, skuPartNumber: 'SPE_E5', consumedUnits: 50, servicePlanNames: E5_PLANS, subscriptionIds: ['e5-sub'] };

describe('identifying standalone Kaizala Pro', () => {
  it('picks subscriptions by offer name first, case-insensitively', () => {
    expect(isKaizalaOfferName('Microsoft Kaizala Pro')).toBe(true);
    expect(isKaizalaOfferName('MICROSOFT KAIZALA PRO (legacy)')).toBe(true);
    expect(isKaizalaOfferName('Microsoft 365 E3')).toBe(false);
    expect(isKaizalaOfferName(undefined)).toBe(false);
  });

  it('confirms it when provisioning status, the Graph subscription link and the plans agree', () => {
    expect(identifyKaizalaPro(SUBSCRIPTION, KAIZALA_SKU.toUpperCase(), [kaizala, e3])).toEqual({ kind: 'kaizalaPro', sku: kaizala });
  });

  it('confirms it from the Graph subscription link when Partner Center gave no provisioning SKU', () => {
    expect(identifyKaizalaPro(SUBSCRIPTION, undefined, [kaizala, e3])).toEqual({ kind: 'kaizalaPro', sku: kaizala });
  });

  it('confirms it from provisioning status alone when the SKUs come from Partner Center (no subscription links)', () => {
    const fromPartnerCenter = { ...kaizala, subscriptionIds: undefined };
    expect(identifyKaizalaPro(SUBSCRIPTION, KAIZALA_SKU, [fromPartnerCenter]).kind).toBe('kaizalaPro');
  });

  it('does not take an E3 for standalone Kaizala although it carries a Kaizala plan: Exchange and Office are there too', () => {
    const result = identifyKaizalaPro(SUBSCRIPTION, M365_E3_SKU, [kaizala, { ...e3, subscriptionIds: [SUBSCRIPTION] }]);
    expect(result).toMatchObject({ kind: 'needsReview', review: { reason: 'bundledWithSuite' }, sku: { skuId: M365_E3_SKU } });
    if (result.kind === 'needsReview') expect(result.review.detail).toMatch(/SPE_E3.*KAIZALA_O365_P3.*EXCHANGE_S_ENTERPRISE/);
  });

  it('flags a subscription named Kaizala whose SKU is E5 (KAIZALA_STANDALONE next to Exchange)', () => {
    expect(identifyKaizalaPro(SUBSCRIPTION, M365_E5_SKU, [{ ...e5, subscriptionIds: [SUBSCRIPTION] }])).toMatchObject({
      kind: 'needsReview',
      review: { reason: 'bundledWithSuite' },
    });
  });

  it('flags it when Partner Center and Graph name different SKUs, instead of picking one', () => {
    const result = identifyKaizalaPro(SUBSCRIPTION, KAIZALA_SKU, [{ ...kaizala, subscriptionIds: [] }, { ...e3, subscriptionIds: [SUBSCRIPTION] }]);
    expect(result).toMatchObject({ kind: 'needsReview', review: { reason: 'signalsDisagree' } });
  });

  it('flags it when Graph links it to several SKUs and provisioning status is missing', () => {
    const result = identifyKaizalaPro(SUBSCRIPTION, undefined, [kaizala, { ...e3, subscriptionIds: [SUBSCRIPTION] }]);
    expect(result).toMatchObject({ kind: 'needsReview', review: { reason: 'signalsDisagree' } });
  });

  it('flags it when nothing names its SKU', () => {
    expect(identifyKaizalaPro(SUBSCRIPTION, undefined, [{ ...kaizala, subscriptionIds: [] }])).toMatchObject({
      kind: 'needsReview',
      review: { reason: 'skuUnknown' },
    });
  });

  it('flags it when its SKU is not in the tenant (e.g. still provisioning)', () => {
    expect(identifyKaizalaPro(SUBSCRIPTION, KAIZALA_SKU, [e3])).toMatchObject({ kind: 'needsReview', review: { reason: 'skuNotInTenant' } });
  });

  it('flags it when its SKU carries no Kaizala plan at all', () => {
    const plain = { ...kaizala, servicePlanNames: ['YAMMER_ENTERPRISE'] };
    expect(identifyKaizalaPro(SUBSCRIPTION, KAIZALA_SKU, [plain])).toMatchObject({ kind: 'needsReview', review: { reason: 'noKaizalaPlan' } });
  });
});

describe('scanning one customer', () => {
  const calendar = new PartnerCalendar('Europe/Berlin');
  const now = new Date('2026-11-23T10:00:00Z');
  const ID = '11111111-0000-4000-8000-000000000001';

  async function scan(tenant: FakeTenant, migrating: string[] = []) {
    const backend = new FakeBackend([tenant]);
    const scanner = new CustomerScanner({ partnerCenter: backend.partnerCenter, graph: backend.graph, calendar, reuseWithinMs: 86_400_000 });
    const result = await scanner.scan({ customer: tenant.customer, previousRows: [], migrating: new Set(migrating), now });
    return { result, backend };
  }

  it('records only the standalone Kaizala Pro subscription, not the E3 that carries a Kaizala plan', async () => {
    const tenant = kaizalaTenant(ID, 'Contoso Ltd', { holders: 4, endDate: '2026-12-05T00:00:00Z' });
    const { result } = await scan(tenant);
    expect(result.kind).toBe('scanned');
    if (result.kind !== 'scanned') return;
    expect(result.rows).toHaveLength(1);
    expect(result.rows[0]).toMatchObject({
      customerId: ID,
      customerName: 'Contoso Ltd',
      subscriptionId: tenant.subscriptions[0].id,
      skuId: KAIZALA_SKU,
      quantity: 40,
      usersOnKaizala: 4,
      consumedUnits: 4,
      usersSource: 'graphUsers',
      daysLeft: 12,
      urgency: 'within30',
      migrating: false,
      education: false,
    });
    expect(result.rows[0].review).toBeUndefined();
  });

  it('records a Kaizala-named subscription whose SKU has Exchange plans as needing review, not silently as Kaizala Pro', async () => {
    const tenant = kaizalaTenant(ID, 'Contoso Ltd');
    const odd = subscription('b2b2b2b2-0000-4000-8000-000000000009', 'Kaizala Pro add-on (E5)');
    tenant.subscriptions.push(odd);
    tenant.skus.push({ skuId: M365_E5_SKU, skuPartNumber: 'SPE_E5', consumedUnits: 9, plans: E5_PLANS, subscriptionIds: [odd.id], holders: ['x'] });
    tenant.provisioning[odd.id] = M365_E5_SKU.toUpperCase();
    const { result } = await scan(tenant);
    if (result.kind !== 'scanned') throw new Error('expected rows');
    expect(result.rows).toHaveLength(2);
    const flagged = result.rows.find((row) => row.subscriptionId === odd.id);
    expect(flagged?.review?.reason).toBe('bundledWithSuite');
    expect(result.rows.filter((row) => !row.review)).toHaveLength(1);
  });

  it('keeps auto-renew on as reported, but still counts down to the end date (Kaizala Pro cannot renew)', async () => {
    const tenant = kaizalaTenant(ID, 'Contoso Ltd', { endDate: '2026-11-28T00:00:00Z' });
    tenant.subscriptions[0].autoRenewEnabled = true;
    const { result } = await scan(tenant);
    if (result.kind !== 'scanned') throw new Error('expected rows');
    expect(result.rows[0]).toMatchObject({ autoRenewEnabled: true, daysLeft: 5, urgency: 'within7' });
  });

  it('marks a subscription with a pending or approved migration request', async () => {
    const tenant = kaizalaTenant(ID, 'Contoso Ltd');
    const { result } = await scan(tenant, [`${ID}/${tenant.subscriptions[0].id}`.toLowerCase()]);
    if (result.kind !== 'scanned') throw new Error('expected rows');
    expect(result.rows[0].migrating).toBe(true);
  });

  it('leaves out deleted Kaizala subscriptions and those without an end date, saying why', async () => {
    const tenant = kaizalaTenant(ID, 'Contoso Ltd');
    tenant.subscriptions.push(subscription('c3c3c3c3-0000-4000-8000-000000000001', 'Microsoft Kaizala Pro', { status: 'deleted' }));
    tenant.subscriptions.push(subscription('c3c3c3c3-0000-4000-8000-000000000002', 'Microsoft Kaizala Pro', { commitmentEndDate: '9999-12-31T00:00:00Z' }));
    const { result } = await scan(tenant);
    if (result.kind !== 'scanned') throw new Error('expected rows');
    expect(result.rows.map((row) => row.subscriptionId)).toEqual([tenant.subscriptions[0].id]);
    expect(result.warnings).toEqual([expect.stringContaining('c3c3c3c3-0000-4000-8000-000000000002')]);
  });

  it('reads education approval from the qualifications', async () => {
    const tenant = kaizalaTenant(ID, 'Bellows College');
    tenant.qualifications = [{ qualification: 'Education', vettingStatus: 'Approved' }];
    const { result } = await scan(tenant);
    if (result.kind !== 'scanned') throw new Error('expected rows');
    expect(result.rows[0].education).toBe(true);
  });

  it('makes no further calls for a customer without Kaizala subscriptions', async () => {
    const tenant: FakeTenant = { customer: customer(ID, 'Litware'), subscriptions: [subscription('d4', 'Microsoft 365 E3')], skus: [], provisioning: {} };
    const { result, backend } = await scan(tenant);
    expect(result).toEqual({ kind: 'scanned', rows: [], reused: false, warnings: [] });
    expect([...backend.calls.keys()]).toEqual(['listSubscriptions']);
  });

  it('falls back to Partner Center when Graph is refused, counting users from consumed seats, with a warning', async () => {
    const tenant = kaizalaTenant(ID, 'Lamna Healthcare', { holders: 7 });
    tenant.graphError = apiError('graph', 403, 'Authorization_RequestDenied', 'Insufficient privileges');
    const { result, backend } = await scan(tenant);
    if (result.kind !== 'scanned') throw new Error('expected rows');
    expect(result.rows[0]).toMatchObject({ usersOnKaizala: 7, usersSource: 'consumedUnits', skuId: KAIZALA_SKU });
    expect(result.rows[0].review).toBeUndefined();
    expect(result.warnings.join()).toMatch(/Graph refused access.*Authorization_RequestDenied/);
    expect(backend.calls.get('graphListUsers')).toBeUndefined();
  });

  it('reports the customer as an authorization failure when both Graph and Partner Center refuse, without retrying', async () => {
    const tenant = kaizalaTenant(ID, 'Humongous Insurance');
    tenant.graphError = apiError('graph', 403, 'Authorization_RequestDenied');
    tenant.partnerCenterUserError = apiError('partnerCenter', 403, '900308', 'the partner lacks the GDAP role');
    const { result, backend } = await scan(tenant);
    expect(result).toEqual({ kind: 'failed', failure: { kind: 'authorization', reason: expect.stringMatching(/Graph HTTP 403.*Partner Center HTTP 403 900308/) } });
    expect(backend.calls.get('pcListSubscribedSkus')).toBe(1);
  });

  it('reports other Partner Center failures as errors', async () => {
    const tenant = kaizalaTenant(ID, 'Fabrikam');
    tenant.subscriptionsError = apiError('partnerCenter', 503, 'ServiceUnavailable', 'try later');
    const { result } = await scan(tenant);
    expect(result).toEqual({ kind: 'failed', failure: { kind: 'error', reason: 'Partner Center HTTP 503 ServiceUnavailable: try later' } });
  });

  it('lets a programming error through instead of hiding it as a customer failure', async () => {
    const tenant = kaizalaTenant(ID, 'Fabrikam');
    tenant.subscriptionsError = new TypeError('boom');
    await expect(scan(tenant)).rejects.toThrow(TypeError);
  });
});
