import type { LicenseDirectory, UserLicenses } from '../../services/migration/licenseDirectory';
import { newRun, targetSkus, type MigrationRun } from '../../services/migration/run';
import type { RunContext } from '../../services/migration/runContext';
import { inspectKaizala, isClear } from '../../services/migration/steps/verify';
import type { MigrationRequest } from '../../services/domain/request';

const KAIZALA = '00000000-0000-4000-8000-00000000c0de';
const SUITE = 'b57282e3-65bd-4252-9502-c0eae1e5ab7f';
const TEAMS = '7e74bd05-2c47-404e-829a-ba95c66fe8e5';

/** A tenant as a license directory: who holds which SKU; seats consumed follow the holders. */
class Tenant implements Pick<LicenseDirectory, 'path' | 'seats' | 'holdersAmong' | 'allHolders' | 'readUser'> {
  readonly path = 'graph' as const;
  constructor(private readonly held: Record<string, string[]>) {}
  private holders(skuId: string): string[] {
    return Object.entries(this.held).filter(([, skus]) => skus.includes(skuId)).map(([id]) => id);
  }
  async readUser(userId: string): Promise<UserLicenses> {
    return { exists: true, skuIds: new Set(this.held[userId] ?? []), inheritedOnly: new Set(), usageLocation: 'NL' };
  }
  async seats(skuId: string) {
    const consumed = this.holders(skuId).length;
    return { enabled: consumed + 5, consumed };
  }
  async holdersAmong(skuId: string, userIds: readonly string[]) {
    return new Set(this.holders(skuId).filter((id) => userIds.includes(id)));
  }
  async allHolders(skuId: string) {
    return this.holders(skuId).map((id) => ({ id }));
  }
}

function twoLineRun(): MigrationRun {
  const userIds = ['u1', 'u2'];
  const request = {
    id: 'MR-1',
    customerId: 'c1',
    customerName: 'EEA customer',
    tenantId: 'c1',
    kaizalaSubscriptionId: 's1',
    kaizalaSkuId: KAIZALA,
    commitmentEndDate: '2030-01-01T00:00:00Z',
    plan: { planId: 'o365-e1', title: 'Office 365 E1 EEA (no Teams) + Microsoft Teams EEA', skuId: SUITE, family: 'enterprise' },
    quantity: 2,
    userIds,
    lines: [
      { skuId: SUITE, skuPartNumber: 'Office_365_w/o_Teams_Bundle_E1', title: 'Office 365 E1 EEA (no Teams)', quantity: 2, userIds },
      { skuId: TEAMS, skuPartNumber: 'Microsoft_Teams_EEA_New', title: 'Microsoft Teams EEA', quantity: 2, userIds },
    ],
    createdAt: '2029-01-01T00:00:00Z',
  } as MigrationRequest;
  return newRun(request, 'graph', '2029-01-01T00:00:00Z');
}

/** inspectKaizala reads only the run and its license directory. */
const contextFor = (run: MigrationRun, tenant: Tenant) => ({ run, clients: { licenses: tenant } }) as unknown as RunContext;

describe('verification of a suite bought with its Teams standalone', () => {
  it('gives each user both SKUs as targets, and lists each user once', () => {
    const run = twoLineRun();
    expect(targetSkus(run).get('u1')).toEqual([SUITE, TEAMS]);
    expect(run.users.map((user) => user.id)).toEqual(['u1', 'u2']);
  });

  it('sends back a user who holds the suite but not Teams, even though Kaizala is gone', async () => {
    const tenant = new Tenant({ u1: [SUITE], u2: [SUITE, TEAMS] });
    const check = await inspectKaizala(contextFor(twoLineRun(), tenant));
    expect(check.runUsersToMove).toEqual(['u1']);
    expect(isClear(check)).toBe(false);
  });

  it('sends back a user who holds Teams but not the suite', async () => {
    const tenant = new Tenant({ u1: [SUITE, TEAMS], u2: [TEAMS] });
    expect((await inspectKaizala(contextFor(twoLineRun(), tenant))).runUsersToMove).toEqual(['u2']);
  });

  it('is clear only when every user holds both SKUs and nobody holds Kaizala', async () => {
    expect(isClear(await inspectKaizala(contextFor(twoLineRun(), new Tenant({ u1: [SUITE, TEAMS], u2: [SUITE, TEAMS] }))))).toBe(true);
    expect(isClear(await inspectKaizala(contextFor(twoLineRun(), new Tenant({ u1: [SUITE, TEAMS], u2: [SUITE, TEAMS, KAIZALA] }))))).toBe(false);
  });
});
