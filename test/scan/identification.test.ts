import { PartnerCalendar, CustomerScanner, identifyKaizalaPro, isKaizalaOfferName, type TenantSku } from '../../services/scan';
import { isLegacyOfferId, meetsDiscoveryTest, suitePlansOf } from '../../services/scan/identification';
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
    expect(identifyKaizalaPro(SUBSCRIPTION, { provisioningSkuId: KAIZALA_SKU.toUpperCase() }, [kaizala, e3])).toEqual({ kind: 'kaizalaPro', sku: kaizala });
  });

  it('confirms it from the Graph subscription link when Partner Center gave no provisioning SKU', () => {
    expect(identifyKaizalaPro(SUBSCRIPTION, {}, [kaizala, e3])).toEqual({ kind: 'kaizalaPro', sku: kaizala });
  });

  it('confirms it from provisioning status alone when the SKUs come from Partner Center (no subscription links)', () => {
    const fromPartnerCenter = { ...kaizala, subscriptionIds: undefined };
    expect(identifyKaizalaPro(SUBSCRIPTION, { provisioningSkuId: KAIZALA_SKU }, [fromPartnerCenter]).kind).toBe('kaizalaPro');
  });

  it('does not take an E3 for standalone Kaizala although it carries a Kaizala plan: Exchange and Office are there too', () => {
    const result = identifyKaizalaPro(SUBSCRIPTION, { provisioningSkuId: M365_E3_SKU }, [kaizala, { ...e3, subscriptionIds: [SUBSCRIPTION] }]);
    expect(result).toMatchObject({ kind: 'needsReview', review: { reason: 'bundledWithSuite' }, sku: { skuId: M365_E3_SKU } });
    if (result.kind === 'needsReview') expect(result.review.detail).toMatch(/SPE_E3.*KAIZALA_O365_P3.*EXCHANGE_S_ENTERPRISE/);
  });

  it('flags a subscription named Kaizala whose SKU is E5 (KAIZALA_STANDALONE next to Exchange)', () => {
    expect(identifyKaizalaPro(SUBSCRIPTION, { provisioningSkuId: M365_E5_SKU }, [{ ...e5, subscriptionIds: [SUBSCRIPTION] }])).toMatchObject({
      kind: 'needsReview',
      review: { reason: 'bundledWithSuite' },
    });
  });

  it('flags it when Partner Center and Graph name different SKUs, instead of picking one', () => {
    const result = identifyKaizalaPro(SUBSCRIPTION, { provisioningSkuId: KAIZALA_SKU }, [{ ...kaizala, subscriptionIds: [] }, { ...e3, subscriptionIds: [SUBSCRIPTION] }]);
    expect(result).toMatchObject({ kind: 'needsReview', review: { reason: 'signalsDisagree' } });
  });

  it('flags it when Graph links it to several SKUs and provisioning status is missing', () => {
    const result = identifyKaizalaPro(SUBSCRIPTION, {}, [kaizala, { ...e3, subscriptionIds: [SUBSCRIPTION] }]);
    expect(result).toMatchObject({ kind: 'needsReview', review: { reason: 'signalsDisagree' } });
  });

  it('flags it when nothing names its SKU', () => {
    expect(identifyKaizalaPro(SUBSCRIPTION, {}, [{ ...kaizala, subscriptionIds: [] }])).toMatchObject({
      kind: 'needsReview',
      review: { reason: 'skuUnknown' },
    });
  });

  it('flags it when its SKU is not in the tenant (e.g. still provisioning)', () => {
    expect(identifyKaizalaPro(SUBSCRIPTION, { provisioningSkuId: KAIZALA_SKU }, [e3])).toMatchObject({ kind: 'needsReview', review: { reason: 'skuNotInTenant' } });
  });

  it('flags it when its SKU carries no Kaizala plan at all', () => {
    const plain = { ...kaizala, servicePlanNames: ['YAMMER_ENTERPRISE'] };
    expect(identifyKaizalaPro(SUBSCRIPTION, { provisioningSkuId: KAIZALA_SKU }, [plain])).toMatchObject({ kind: 'needsReview', review: { reason: 'noKaizalaPlan' } });
  });
});

describe('identification by agreeing signals', () => {
  const KAIZALA_WITH_FOUNDATION = [...KAIZALA_PLANS, 'EXCHANGE_S_FOUNDATION'];

  it('takes a Kaizala SKU that carries the hidden EXCHANGE_S_FOUNDATION plan for Kaizala Pro, not for a suite', () => {
    const sku = { ...kaizala, servicePlanNames: KAIZALA_WITH_FOUNDATION };
    expect(identifyKaizalaPro(SUBSCRIPTION, { provisioningSkuId: KAIZALA_SKU }, [sku, e3])).toEqual({ kind: 'kaizalaPro', sku });
    expect(suitePlansOf(KAIZALA_WITH_FOUNDATION)).toEqual([]);
    expect(suitePlansOf(['EXCHANGE_S_FOUNDATION_GOV', 'EXCHANGE_S_STANDARD', 'SHAREPOINTWAC'])).toEqual(['EXCHANGE_S_STANDARD', 'SHAREPOINTWAC']);
  });

  it("confirms it from the offer's product.id when provisioning status is missing and the SKUs carry no subscription links", () => {
    const fromPartnerCenter = { ...kaizala, subscriptionIds: undefined };
    expect(identifyKaizalaPro(SUBSCRIPTION, { offerProductId: KAIZALA_SKU.toUpperCase() }, [fromPartnerCenter]).kind).toBe('kaizalaPro');
    expect(identifyKaizalaPro(SUBSCRIPTION, {}, [fromPartnerCenter])).toMatchObject({ kind: 'needsReview', review: { reason: 'skuUnknown' } });
  });

  it("flags it when the offer's product.id and provisioning status name different SKUs, naming both", () => {
    const result = identifyKaizalaPro(SUBSCRIPTION, { provisioningSkuId: KAIZALA_SKU, offerProductId: M365_E3_SKU }, [kaizala, e3]);
    expect(result).toMatchObject({ kind: 'needsReview', review: { reason: 'signalsDisagree' } });
    if (result.kind === 'needsReview') expect(result.review.detail).toBe(`Partner Center provisioning names ${KAIZALA_SKU}; the offer's product.id names ${M365_E3_SKU}`);
  });

  it('flags it when the offer agrees with provisioning but Graph links the subscription elsewhere', () => {
    const result = identifyKaizalaPro(SUBSCRIPTION, { provisioningSkuId: KAIZALA_SKU, offerProductId: KAIZALA_SKU }, [{ ...kaizala, subscriptionIds: [] }, { ...e3, subscriptionIds: [SUBSCRIPTION] }]);
    expect(result).toMatchObject({ kind: 'needsReview', review: { reason: 'signalsDisagree', detail: expect.stringContaining("Partner Center provisioning and the offer's product.id name SKU") } });
  });

  it("applies Microsoft's discovery test: autoRenewEnabled false plus an end date", () => {
    expect(meetsDiscoveryTest({ autoRenewEnabled: false }, '2026-12-31T00:00:00Z')).toBe(true);
    expect(meetsDiscoveryTest({ autoRenewEnabled: true }, '2026-12-31T00:00:00Z')).toBe(false);
    expect(meetsDiscoveryTest({ autoRenewEnabled: false }, undefined)).toBe(false);
  });

  it('looks up offers only for legacy (GUID) offer ids, not NCE PRODUCT:SKU:AVAILABILITY ids', () => {
    expect(isLegacyOfferId('00000000-0000-4000-8000-000000c0de01')).toBe(true);
    expect(isLegacyOfferId('CFQ7TTC0LH18:0001:CFQ7TTC0K971')).toBe(false);
    expect(isLegacyOfferId(undefined)).toBe(false);
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
    expect(result.rows[0].educationInReview).toBeUndefined();
  });

  it('an education qualification still in review is not education yet, and is marked in review for the wizard', async () => {
    const tenant = kaizalaTenant(ID, 'Lakeshore Community College');
    tenant.qualifications = [{ qualification: 'Education', vettingStatus: 'InReview' }];
    const { result } = await scan(tenant);
    if (result.kind !== 'scanned') throw new Error('expected rows');
    expect(result.rows[0]).toMatchObject({ education: false, educationInReview: true });
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

  it('still reports the subscription when both Graph and Partner Center refuse the SKUs: SKU unknown and why, customer flagged for access', async () => {
    const tenant = kaizalaTenant(ID, 'Humongous Insurance');
    tenant.graphError = apiError('graph', 403, 'Authorization_RequestDenied');
    tenant.partnerCenterUserError = apiError('partnerCenter', 403, '900308', 'the partner lacks the GDAP role');
    const { result, backend } = await scan(tenant);
    if (result.kind !== 'scanned') throw new Error('expected rows');
    expect(result.failure).toEqual({ kind: 'authorization', reason: expect.stringMatching(/Graph HTTP 403.*Partner Center HTTP 403 900308/) });
    expect(result.rows).toHaveLength(1);
    expect(result.rows[0]).toMatchObject({ subscriptionId: tenant.subscriptions[0].id, skuId: '', review: { reason: 'skuUnknown' }, daysLeft: expect.any(Number) });
    expect(result.rows[0].unknowns).toEqual([
      { what: 'sku', reason: expect.stringMatching(/subscribed SKUs unknown: Graph HTTP 403.*900308.*provisioning status of .* unknown: Partner Center HTTP 403 900308/) },
    ]);
    expect(backend.calls.get('pcListSubscribedSkus')).toBe(1);
  });

  it('reports every Kaizala subscription when the qualifications answer 404 or 403: education unknown, and why', async () => {
    for (const [status, code] of [[404, '600'], [403, '900308']] as const) {
      const tenant = kaizalaTenant(ID, 'Contoso Ltd');
      tenant.subscriptions.push(subscription('e5e5e5e5-0000-4000-8000-000000000002', 'Microsoft Kaizala Pro', { commitmentEndDate: '2026-11-20T00:00:00Z' }));
      tenant.skus[0].subscriptionIds.push('e5e5e5e5-0000-4000-8000-000000000002');
      tenant.qualificationsError = apiError('partnerCenter', status, code, 'no qualifications');
      const { result } = await scan(tenant);
      if (result.kind !== 'scanned') throw new Error(`expected rows for ${status}`);
      expect(result.failure).toBeUndefined();
      expect(result.rows.map((row) => row.urgency).sort()).toEqual(['expired', 'within60']);
      for (const row of result.rows) {
        expect(row).toMatchObject({ skuId: KAIZALA_SKU, education: false, usersOnKaizala: 3 });
        expect(row.review).toBeUndefined();
        expect(row.unknowns).toEqual([{ what: 'education', reason: expect.stringContaining(`qualifications unknown: Partner Center HTTP ${status} ${code}`) }]);
      }
      expect(result.warnings).toEqual([expect.stringContaining(`HTTP ${status}`)]);
    }
  });

  it('keeps the last known education answer when the qualifications fail on a later scan', async () => {
    const tenant = kaizalaTenant(ID, 'Bellows College');
    tenant.qualificationsError = apiError('partnerCenter', 404, '600', 'not found');
    const backend = new FakeBackend([tenant]);
    const scanner = new CustomerScanner({ partnerCenter: backend.partnerCenter, graph: backend.graph, calendar, reuseWithinMs: 86_400_000 });
    const { result: earlier } = await scan(kaizalaTenant(ID, 'Bellows College'));
    if (earlier.kind !== 'scanned') throw new Error('expected rows');
    // Approved then, identified two days ago: too old to reuse, so the qualifications are read again (and fail).
    const previousRows = earlier.rows.map((row) => ({ ...row, education: true, identifiedAt: '2026-11-21T10:00:00Z' }));
    const result = await scanner.scan({ customer: tenant.customer, previousRows, migrating: new Set(), now });
    if (result.kind !== 'scanned') throw new Error('expected rows');
    expect(result.rows[0]).toMatchObject({ education: true, unknowns: [{ what: 'education', reason: expect.stringContaining('offered as the last scan found them') }] });
  });

  it('still confirms Kaizala Pro from Graph and the offer when provisioning status fails, saying what failed', async () => {
    const tenant = kaizalaTenant(ID, 'Contoso Ltd');
    tenant.subscriptions[0].offerId = '00000000-0000-4000-8000-000000c0de01';
    tenant.offers = { '00000000-0000-4000-8000-000000c0de01': KAIZALA_SKU };
    tenant.provisioningError = apiError('partnerCenter', 500, '500', 'internal');
    tenant.customer.billingProfile = { defaultAddress: { country: 'DE' } };
    const { result, backend } = await scan(tenant);
    if (result.kind !== 'scanned') throw new Error('expected rows');
    expect(result.rows).toHaveLength(1);
    expect(result.rows[0]).toMatchObject({ skuId: KAIZALA_SKU, usersOnKaizala: 3 });
    expect(result.rows[0].review).toBeUndefined();
    expect(result.rows[0].unknowns).toBeUndefined();
    expect(result.warnings).toEqual([expect.stringMatching(/provisioning status of .* unknown: Partner Center HTTP 500/)]);
    expect(backend.offerCountries).toEqual(['DE']);
  });

  it('reports the subscription with its SKU unknown, and every reason, when provisioning status, offer and subscribed SKUs all fail', async () => {
    const tenant = kaizalaTenant(ID, 'Contoso Ltd');
    tenant.subscriptions[0].offerId = '00000000-0000-4000-8000-000000c0de01';
    tenant.graphError = apiError('graph', 503, 'ServiceUnavailable', 'busy');
    tenant.partnerCenterUserError = apiError('partnerCenter', 500, '500', 'internal');
    tenant.offerError = apiError('partnerCenter', 404, '1000', 'offer gone');
    const { result } = await scan(tenant);
    if (result.kind !== 'scanned') throw new Error('expected rows');
    expect(result.failure).toBeUndefined();
    expect(result.rows).toHaveLength(1);
    expect(result.rows[0]).toMatchObject({ skuId: '', review: { reason: 'skuUnknown' }, usersSource: 'consumedUnits' });
    const [unknown] = result.rows[0].unknowns ?? [];
    expect(unknown.what).toBe('sku');
    expect(unknown.reason).toMatch(/subscribed SKUs unknown: Graph HTTP 503.*Partner Center HTTP 500/);
    expect(unknown.reason).toMatch(/provisioning status of .* unknown: Partner Center HTTP 500/);
    expect(unknown.reason).toMatch(/offer 00000000-0000-4000-8000-000000c0de01 unknown: Partner Center HTTP 404 1000/);
  });

  it('counts users from consumed seats when Graph cannot list them, and says so on the row', async () => {
    const tenant = kaizalaTenant(ID, 'Contoso Ltd', { holders: 5 });
    tenant.graphUsersError = apiError('graph', 504, 'GatewayTimeout', 'slow');
    const { result } = await scan(tenant);
    if (result.kind !== 'scanned') throw new Error('expected rows');
    expect(result.rows[0]).toMatchObject({ usersOnKaizala: 5, usersSource: 'consumedUnits', unknowns: [{ what: 'users', reason: expect.stringContaining('Graph HTTP 504') }] });
  });

  it('reports a Kaizala subscription that fails the discovery test (auto-renew on) and says so', async () => {
    const tenant = kaizalaTenant(ID, 'Contoso Ltd');
    tenant.subscriptions[0].autoRenewEnabled = true;
    const { result } = await scan(tenant);
    if (result.kind !== 'scanned') throw new Error('expected rows');
    expect(result.rows[0]).toMatchObject({ discoveryTestMet: false, autoRenewEnabled: true });
    expect(result.warnings).toEqual([expect.stringContaining("fails Microsoft's discovery test")]);
    const normal = await scan(kaizalaTenant(ID, 'Contoso Ltd'));
    if (normal.result.kind !== 'scanned') throw new Error('expected rows');
    expect(normal.result.rows[0].discoveryTestMet).toBe(true);
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
