import type { MigrationRequest } from '../../services/domain/request';
import type { LicenseDirectory, SkuSeats } from '../../services/migration/licenseDirectory';
import { newRun, type MigrationRun } from '../../services/migration/run';
import type { RunContext } from '../../services/migration/runContext';
import { seatBalance } from '../../services/migration/steps/provisioning';

const KAIZALA = '00000000-0000-4000-8000-00000000c0de';
const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';

/** The Partner Center path as the seat check sees it: subscribed SKUs, and per-user reads that are counted. */
class PartnerCenterTenant implements Pick<LicenseDirectory, 'path' | 'seats' | 'holdersAmong'> {
  readonly path = 'partnerCenter' as const;
  userReads = 0;
  constructor(
    private readonly sku: SkuSeats | undefined,
    private readonly holders: readonly string[] = [],
  ) {}
  async seats(): Promise<SkuSeats | undefined> {
    return this.sku;
  }
  /** As PartnerCenterLicenseDirectory does it: one licenses call per user. */
  async holdersAmong(_skuId: string, userIds: readonly string[]): Promise<Set<string>> {
    this.userReads += userIds.length;
    return new Set(userIds.filter((id) => this.holders.includes(id)));
  }
}

function runOf(users: number): MigrationRun {
  const userIds = Array.from({ length: users }, (_, i) => `u${i}`);
  const request = {
    id: 'MR-1',
    customerId: 'c1',
    customerName: 'Contoso',
    tenantId: 'c1',
    kaizalaSubscriptionId: 's1',
    kaizalaSkuId: KAIZALA,
    commitmentEndDate: '2030-01-01T00:00:00Z',
    plan: { planId: 'o365-e3', title: 'Office 365 E3', skuId: E3, family: 'enterprise' },
    quantity: users,
    userIds,
    createdAt: '2029-01-01T00:00:00Z',
  } as MigrationRequest;
  return newRun(request, 'partnerCenter', '2029-01-01T00:00:00Z');
}

/** seatBalance reads only the run and its license directory. */
const contextFor = (run: MigrationRun, tenant: PartnerCenterTenant) => ({ run, clients: { licenses: tenant } }) as unknown as RunContext;

describe('the seat check on the Partner Center path', () => {
  it('while the order is not provisioned, reads the subscribed SKUs only and waits', async () => {
    const run = runOf(300);
    for (const sku of [undefined, { enabled: 0, consumed: 0 }, { enabled: 120, consumed: 0 }]) {
      const tenant = new PartnerCenterTenant(sku);
      const { free, needed } = await seatBalance(contextFor(run, tenant), run.lines[0]);
      expect(free).toBeLessThan(needed);
      expect(tenant.userReads).toBe(0);
    }
  });

  it('once the seats are there for everyone, goes on without reading any user', async () => {
    const run = runOf(300);
    const tenant = new PartnerCenterTenant({ enabled: 300, consumed: 0 });
    const { free, needed } = await seatBalance(contextFor(run, tenant), run.lines[0]);
    expect(free).toBeGreaterThanOrEqual(needed);
    expect(tenant.userReads).toBe(0);
  });

  it('counts users who already hold the plan only when the seats alone fall short', async () => {
    // Three users were moved before a crash, but the run had not saved them yet: they consume three seats.
    const run = runOf(10);
    const tenant = new PartnerCenterTenant({ enabled: 10, consumed: 3 }, ['u0', 'u1', 'u2']);
    const { free, needed } = await seatBalance(contextFor(run, tenant), run.lines[0]);
    expect({ free, needed }).toEqual({ free: 7, needed: 7 });
    expect(tenant.userReads).toBe(10);
  });

  it('leaves users already done out of the count', async () => {
    const run = runOf(10);
    const partlyDone: MigrationRun = { ...run, users: run.users.map((user, i) => (i < 4 ? { ...user, state: 'done' } : user)) };
    const tenant = new PartnerCenterTenant({ enabled: 10, consumed: 4 });
    expect(await seatBalance(contextFor(partlyDone, tenant), partlyDone.lines[0])).toEqual({ free: 6, needed: 6 });
    expect(tenant.userReads).toBe(0);
  });
});
