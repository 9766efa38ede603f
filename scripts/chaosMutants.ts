/**
 * Test-only mutants of the crash harness's worker, chosen by scripts/chaosWorker.ts from CHAOS_MUTANT: clients that
 * break one promise of the migration run while telling the runner that all went well, so the harness's self-test
 * (test/chaos/mutants.test.ts) shows that its verdict does not take the worker's word for anything. They subclass
 * the real clients and change one behaviour each; the bot never loads this file.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { GraphClient, type AssignLicenseChange, type GraphClientOptions, type GraphUser, type ListUsersOptions, type SubscribedSku, type TenantAccess } from '../services/graph';
import type { Traced } from '../services/http';
import { PartnerCenterClient, type CheckoutResult, type Subscription } from '../services/partnerCenter';

export const MUTANTS = ['skipMove', 'skipSuspend', 'buyTwice'] as const;
export type Mutant = (typeof MUTANTS)[number];

/** Undefined for the real worker; an unknown name is refused, so a typo cannot make a self-test pass vacuously. */
export function parseMutant(value: string | undefined): Mutant | undefined {
  if (value === undefined || value === '') return undefined;
  if ((MUTANTS as readonly string[]).includes(value)) return value as Mutant;
  throw new Error(`CHAOS_MUTANT must be one of ${MUTANTS.join(', ')}; got ${JSON.stringify(value)}`);
}

interface PretendedChange {
  add: Set<string>;
  remove: Set<string>;
}

/**
 * skipMove: license changes are never sent to Graph, yet answered as done, and every later read (the user, the
 * holders of a SKU, the consumed units) shows them as done — so the run verifies, suspends and completes. The
 * swallowed changes are journaled in the data directory: a restarted worker keeps believing them.
 */
export class SkipMoveGraphClient extends GraphClient {
  constructor(
    private readonly mutantOptions: GraphClientOptions,
    private readonly journal: string,
  ) {
    super(mutantOptions);
  }

  /** Stays the mutant when the composition adds tenant access (the base class would return a plain client). */
  override withTenantAccess(access: TenantAccess): GraphClient {
    return new SkipMoveGraphClient({ ...this.mutantOptions, access }, this.journal);
  }

  override async assignLicense(tenantId: string, userId: string, change: AssignLicenseChange): Promise<Traced<GraphUser>> {
    const entry = {
      tenantId,
      userId,
      add: (change.addLicenses ?? []).map((license) => license.skuId.toLowerCase()),
      remove: (change.removeLicenses ?? []).map((skuId) => skuId.toLowerCase()),
    };
    appendFileSync(this.journal, `${JSON.stringify(entry)}\n`);
    return { data: await this.getUser(tenantId, userId), requestId: randomUUID(), correlationId: randomUUID() };
  }

  override async getUser(tenantId: string, idOrUpn: string, select?: readonly string[]): Promise<GraphUser> {
    return this.pretend(this.pretended(tenantId), await super.getUser(tenantId, idOrUpn, select));
  }

  override async listUsers(tenantId: string, options: ListUsersOptions = {}): Promise<GraphUser[]> {
    const changes = this.pretended(tenantId);
    const users = await super.listUsers(tenantId, options);
    if (options.skuId === undefined) return users.map((user) => this.pretend(changes, user));
    const skuId = options.skuId.toLowerCase();
    const listed = users.filter((user) => !changes.get(user.id)?.remove.has(skuId));
    for (const [userId, change] of changes) {
      if (change.add.has(skuId) && !users.some((user) => user.id === userId)) listed.push(await super.getUser(tenantId, userId, options.select));
    }
    return listed.map((user) => this.pretend(changes, user));
  }

  override async listSubscribedSkus(tenantId: string, select?: readonly string[]): Promise<SubscribedSku[]> {
    const changes = this.pretended(tenantId);
    const skus = await super.listSubscribedSkus(tenantId, select);
    const result: SubscribedSku[] = [];
    for (const sku of skus) {
      const skuId = sku.skuId.toLowerCase();
      const touching = [...changes].filter(([, change]) => change.add.has(skuId) || change.remove.has(skuId));
      if (touching.length === 0) {
        result.push(sku);
        continue;
      }
      const holders = new Set((await super.listUsers(tenantId, { skuId, select: ['id'] })).map((user) => user.id));
      let consumedUnits = sku.consumedUnits;
      for (const [userId, change] of touching) {
        if (change.remove.has(skuId) && holders.has(userId)) consumedUnits--;
        if (change.add.has(skuId) && !holders.has(userId)) consumedUnits++;
      }
      result.push({ ...sku, consumedUnits });
    }
    return result;
  }

  private pretended(tenantId: string): Map<string, PretendedChange> {
    const changes = new Map<string, PretendedChange>();
    if (!existsSync(this.journal)) return changes;
    for (const line of readFileSync(this.journal, 'utf8').split('\n')) {
      if (!line) continue;
      const entry = JSON.parse(line) as { tenantId: string; userId: string; add: string[]; remove: string[] };
      if (entry.tenantId !== tenantId) continue;
      const change = changes.get(entry.userId) ?? { add: new Set<string>(), remove: new Set<string>() };
      for (const skuId of entry.add) {
        change.add.add(skuId);
        change.remove.delete(skuId);
      }
      for (const skuId of entry.remove) {
        change.remove.add(skuId);
        change.add.delete(skuId);
      }
      changes.set(entry.userId, change);
    }
    return changes;
  }

  private pretend(changes: Map<string, PretendedChange>, user: GraphUser): GraphUser {
    const change = changes.get(user.id);
    if (!change) return user;
    const kept = (user.assignedLicenses ?? []).filter((license) => !change.remove.has(license.skuId.toLowerCase()));
    const added = [...change.add].filter((skuId) => !kept.some((license) => license.skuId.toLowerCase() === skuId));
    const pretended: GraphUser = { ...user, assignedLicenses: [...kept, ...added.map((skuId) => ({ skuId, disabledPlans: [] }))] };
    if (user.licenseAssignmentStates) {
      pretended.licenseAssignmentStates = [
        ...user.licenseAssignmentStates.filter((state) => !change.remove.has(state.skuId.toLowerCase())),
        ...added.map((skuId) => ({ skuId, assignedByGroup: null, state: 'Active' })),
      ];
    }
    return pretended;
  }
}

/** skipSuspend: the suspension is never sent, yet answered with the subscription as suspended. */
export class SkipSuspendPartnerCenterClient extends PartnerCenterClient {
  override async suspendSubscription(customerId: string, subscriptionId: string, requestId?: string): Promise<Traced<Subscription>> {
    const current = await this.getSubscription(customerId, subscriptionId);
    return { data: { ...current, status: 'suspended' }, requestId: requestId ?? randomUUID(), correlationId: randomUUID() };
  }
}

/** buyTwice: every checkout first buys a copy of the cart in a second cart, then checks out the run's own. */
export class BuyTwicePartnerCenterClient extends PartnerCenterClient {
  override async checkoutCart(customerId: string, cartId: string, requestId: string): Promise<Traced<CheckoutResult>> {
    const cart = await this.getCart(customerId, cartId);
    const copy = await this.createCart(
      customerId,
      cart.lineItems.map((line) => ({
        catalogItemId: line.catalogItemId,
        quantity: line.quantity,
        billingCycle: line.billingCycle,
        ...(line.termDuration ? { termDuration: line.termDuration } : {}),
        ...(line.attestationAccepted ? { attestationAccepted: true } : {}),
      })),
      randomUUID(),
      { partnerOnRecordAttestationAccepted: true },
    );
    await super.checkoutCart(customerId, copy.data.id, randomUUID());
    return super.checkoutCart(customerId, cartId, requestId);
  }
}
