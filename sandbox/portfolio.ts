import { KAIZALA_SKU_ID, skuByPartNumber, SKUS, type SkuDefinition } from './catalog';
import { DAY_MS, isoDay, addYears } from './clock';
import type { SandboxDb } from './db';
import { defaultAccess } from './gdap';
import type { Knobs } from './knobs';
import type {
  CustomerAccess,
  CustomerRecord,
  LicenseAssignment,
  OrderRecord,
  SubscriptionRecord,
  SubscriptionStatus,
  UserRecord,
  VettingStatus,
} from './model';
import type { SeededRandom } from './rng';
import { newEtag } from './subscriptions';

/** A customer to create, in business terms; PortfolioWriter turns it into records. */
export interface CustomerSpec {
  companyName: string;
  country?: string;
  profile?: 'commercial' | 'education' | 'frontline';
  users: number;
  /** Education qualification vetting status (education customers). */
  qualification?: VettingStatus;
  /** Over gdap.ts defaultAccess. */
  access?: Partial<CustomerAccess>;
  /** standalone Kaizala Pro subscriptions by days until their commitment end (negative = already ended). */
  kaizala: { endInDays: number; seats?: number }[];
  /** share of users holding Kaizala (default 0.9). */
  kaizalaHolderShare?: number;
  usersWithoutUsageLocation?: number;
  /** users holding Kaizala only through a group (cannot be removed per user). */
  groupInheritedKaizala?: number;
  /** other subscriptions: holders are taken from the end of the user list so they overlap Kaizala holders. */
  extras?: {
    partNumber: string;
    quantity: number;
    holders: number;
    channel?: 'nce' | 'legacy';
    /** false: bought through another partner (tenant-wide seats, invisible in this partner's lists). */
    partnerVisible?: boolean;
    startedDaysAgo?: number;
  }[];
  /** a migration half done: the target bought, `movedUsers` Kaizala holders already moved to it. */
  migration?: { partNumber: string; quantity: number; movedUsers: number };
}

const GIVEN_NAMES = [
  'Adele', 'Alex', 'Allan', 'Amara', 'Ben', 'Carla', 'Chen', 'Christie', 'Diego', 'Elif', 'Emma', 'Farah', 'Grady',
  'Hana', 'Henrietta', 'Isaiah', 'Jana', 'Johanna', 'Jonas', 'Kenji', 'Lara', 'Lee', 'Lidia', 'Lynne', 'Mai',
  'Megan', 'Miriam', 'Nestor', 'Nia', 'Oskar', 'Patti', 'Pradeep', 'Rosa', 'Sami', 'Sofia', 'Tomás', 'Uma',
  'Vikram', 'Wen', 'Yara', 'Zoë', 'Jürgen', 'Renée', 'Łukasz',
];
const SURNAMES = [
  'Adams', 'Bauer', 'Brennan', 'Castillo', 'Dubois', 'Fernandes', 'Gallagher', 'Haddad', 'Ivanova', 'Jensen',
  'Kowalski', 'Larsen', 'Martins', 'Müller', 'Nakamura', 'Okafor', 'Patel', 'Quinn', 'Rossi', 'Schmidt', 'Singh',
  'Tanaka', 'Umarov', 'Vance', 'Weber', 'Xu', 'Yilmaz', 'Zimmermann', "O'Brien", 'García',
];
const OFFICE_TITLES = ['Account Manager', 'Analyst', 'Engineer', 'Consultant', 'Office Manager', 'Designer', 'Controller'];
const FRONTLINE_TITLES = ['Store Associate', 'Shift Lead', 'Warehouse Operator', 'Driver', 'Field Technician', 'Nurse'];

const CULTURES: Record<string, { culture: string; language: string }> = {
  US: { culture: 'en-US', language: 'en' },
  GB: { culture: 'en-GB', language: 'en' },
  DE: { culture: 'de-DE', language: 'de' },
  AT: { culture: 'de-AT', language: 'de' },
  CH: { culture: 'de-CH', language: 'de' },
  NL: { culture: 'nl-NL', language: 'nl' },
  FR: { culture: 'fr-FR', language: 'fr' },
};

/** ASCII slug for domains and UPNs ("Müller & Söhne" → "mullersohne"). */
export function slug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .replace(/ł/gi, 'l')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/**
 * Writes customers with users, licenses, subscriptions and their orders. Ids come from the seeded generator, so
 * the same seed yields the same portfolio; dates are relative to the sandbox clock at seeding time.
 */
export class PortfolioWriter {
  private readonly usedDomains: Set<string>;

  constructor(
    private readonly db: SandboxDb,
    private readonly random: SeededRandom,
    private readonly nowMs: number,
    private readonly knobs: Knobs,
    existingDomains: Iterable<string> = [],
  ) {
    this.usedDomains = new Set([...existingDomains].map((domain) => domain.replace(/\.onmicrosoft\.com$/, '')));
  }

  addCustomer(spec: CustomerSpec): CustomerRecord {
    const country = spec.country ?? 'US';
    const locale = CULTURES[country] ?? CULTURES.US;
    const customer: CustomerRecord = {
      id: this.random.uuid(),
      companyName: spec.companyName,
      domain: this.uniqueDomain(spec.companyName),
      country,
      culture: locale.culture,
      language: locale.language,
      email: '',
      profile: spec.profile ?? 'commercial',
      qualifications: spec.qualification
        ? [
            {
              qualification: 'Education',
              vettingStatus: spec.qualification,
              ...(spec.qualification === 'InReview' ? { vettingCreatedDate: isoDay(this.nowMs - 3 * DAY_MS) } : {}),
              ...(spec.qualification === 'Denied' ? { vettingReason: 'The organization is not an accredited institution.' } : {}),
            },
          ]
        : [],
      access: { ...defaultAccess(), ...spec.access },
    };
    customer.email = `admin@${customer.domain}`;
    this.db.insertCustomer(customer);
    const users = this.addUsers(customer, spec);
    this.addKaizala(customer, spec, users);
    this.addExtras(customer, spec, users);
    this.addMigration(customer, spec, users);
    return customer;
  }

  private uniqueDomain(companyName: string): string {
    const base = slug(companyName).slice(0, 24) || 'tenant';
    let candidate = base;
    for (let n = 2; this.usedDomains.has(candidate); n++) candidate = `${base}${n}`;
    this.usedDomains.add(candidate);
    return `${candidate}.onmicrosoft.com`;
  }

  private addUsers(customer: CustomerRecord, spec: CustomerSpec): UserRecord[] {
    const users: UserRecord[] = [];
    const upns = new Set<string>();
    const domain = customer.domain;
    const withoutLocation = spec.usersWithoutUsageLocation ?? 0;
    for (let index = 0; index < spec.users; index++) {
      const givenName = this.random.pick(GIVEN_NAMES);
      const surname = this.random.pick(SURNAMES);
      let local = `${slug(givenName)}.${slug(surname)}`;
      for (let n = 2; upns.has(local); n++) local = `${slug(givenName)}.${slug(surname)}${n}`;
      upns.add(local);
      const user: UserRecord = {
        id: this.random.uuid(),
        customerId: customer.id,
        userPrincipalName: `${local}@${domain}`,
        displayName: `${givenName} ${surname}`,
        givenName,
        surname,
        jobTitle: this.jobTitle(spec, index),
        usageLocation: index >= spec.users - withoutLocation ? null : customer.country,
        accountEnabled: true,
        createdDateTime: new Date(this.nowMs - this.random.int(60, 2000) * DAY_MS).toISOString(),
      };
      this.db.insertUser(user);
      users.push(user);
    }
    return users;
  }

  private jobTitle(spec: CustomerSpec, index: number): string {
    if (spec.profile === 'education') return index % 5 === 0 ? 'Teacher' : 'Student';
    if (spec.profile === 'frontline') return index % 6 === 0 ? this.random.pick(OFFICE_TITLES) : this.random.pick(FRONTLINE_TITLES);
    return this.random.pick(OFFICE_TITLES);
  }

  private license(user: UserRecord, skuId: string, groupId: string | null = null): void {
    const assignment: LicenseAssignment = {
      userId: user.id,
      skuId,
      groupId,
      disabledPlans: [],
      assignedAt: new Date(this.nowMs - 200 * DAY_MS).toISOString(),
    };
    this.db.insertLicense(user.customerId, assignment);
  }

  private kaizalaHolders(spec: CustomerSpec, users: UserRecord[]): UserRecord[] {
    const share = spec.kaizalaHolderShare ?? 0.9;
    return users.slice(0, Math.max(1, Math.round(users.length * share)));
  }

  private addKaizala(customer: CustomerRecord, spec: CustomerSpec, users: UserRecord[]): void {
    if (spec.kaizala.length === 0) return;
    const holders = this.kaizalaHolders(spec, users);
    const grouped = Math.min(spec.groupInheritedKaizala ?? 0, holders.length);
    const groupId = grouped > 0 ? this.random.uuid() : null;
    holders.forEach((user, index) => this.license(user, KAIZALA_SKU_ID, index < grouped ? groupId : null));
    const totalSeats = holders.length + this.random.int(0, 5);
    const kaizala = skuByPartNumber('KAIZALA_PRO_SANDBOX_PLACEHOLDER');
    let assigned = 0;
    spec.kaizala.forEach((entry, index) => {
      const isLast = index === spec.kaizala.length - 1;
      const seats = entry.seats ?? (isLast ? Math.max(1, totalSeats - assigned) : Math.max(1, Math.round(totalSeats / spec.kaizala.length)));
      assigned += seats;
      const endMs = this.nowMs + entry.endInDays * DAY_MS;
      const status: SubscriptionStatus = entry.endInDays < 0 ? this.knobs.postEndState : 'active';
      this.addSubscription(customer, kaizala, {
        channel: 'legacy',
        quantity: seats,
        startMs: addYears(endMs, -1) + DAY_MS,
        endMs,
        status,
        autoRenewEnabled: false,
        partnerVisible: true,
      });
    });
  }

  private addExtras(customer: CustomerRecord, spec: CustomerSpec, users: UserRecord[]): void {
    for (const extra of spec.extras ?? []) {
      const definition = skuByPartNumber(extra.partNumber);
      const channel = extra.channel ?? (definition.nce ? 'nce' : 'legacy');
      const startMs = this.nowMs - (extra.startedDaysAgo ?? this.random.int(30, 300)) * DAY_MS;
      this.addSubscription(customer, definition, {
        channel,
        quantity: extra.quantity,
        startMs,
        endMs: addYears(startMs, 1) - DAY_MS,
        status: 'active',
        autoRenewEnabled: channel === 'nce',
        partnerVisible: extra.partnerVisible ?? true,
      });
      const holders = definition.kind
        ? users.filter((user) => (definition.kind === 'faculty') === (user.jobTitle === 'Teacher')).slice(0, extra.holders)
        : users.slice(Math.max(0, users.length - extra.holders));
      for (const user of holders) this.license(user, definition.skuId);
    }
  }

  private addMigration(customer: CustomerRecord, spec: CustomerSpec, users: UserRecord[]): void {
    if (!spec.migration) return;
    const definition = skuByPartNumber(spec.migration.partNumber);
    const startMs = this.nowMs - 3 * DAY_MS;
    this.addSubscription(customer, definition, {
      channel: 'nce',
      quantity: spec.migration.quantity,
      startMs,
      endMs: addYears(startMs, 1) - DAY_MS,
      status: 'active',
      autoRenewEnabled: true,
      partnerVisible: true,
    });
    const moved = this.kaizalaHolders(spec, users)
      .slice(spec.groupInheritedKaizala ?? 0)
      .slice(0, spec.migration.movedUsers);
    for (const user of moved) {
      const kept = this.db.licensesOfUser(user.customerId, user.id).filter((assignment) => assignment.skuId !== KAIZALA_SKU_ID);
      this.db.replaceLicenses(customer.id, user.id, kept);
      this.license(user, definition.skuId);
    }
  }

  addSubscription(
    customer: CustomerRecord,
    definition: SkuDefinition,
    options: {
      channel: 'legacy' | 'nce';
      quantity: number;
      startMs: number;
      endMs: number;
      status: SubscriptionStatus;
      autoRenewEnabled: boolean;
      partnerVisible: boolean;
    },
  ): SubscriptionRecord {
    const orderId = this.random.uuid();
    const subscriptionId = this.random.uuid();
    const nce = options.channel === 'nce' && definition.nce;
    const offerId = nce
      ? `${definition.nce?.productId}:${definition.nce?.catalogSkuId}:${definition.nce?.availabilityId}`
      : definition.legacyOfferId;
    const subscription: SubscriptionRecord = {
      id: subscriptionId,
      customerId: customer.id,
      skuId: definition.skuId,
      channel: nce ? 'nce' : 'legacy',
      offerId,
      offerName: definition.title,
      friendlyName: definition.title,
      quantity: options.quantity,
      status: options.status,
      autoRenewEnabled: options.autoRenewEnabled,
      billingCycle: 'monthly',
      creationDate: new Date(options.startMs).toISOString(),
      effectiveStartDate: isoDay(options.startMs),
      commitmentEndDate: isoDay(options.endMs),
      orderId,
      etag: newEtag(),
      suspendedAt: null,
      // seeded seats exist from the start, or from now for a term that starts later
      provisionedAt: new Date(Math.min(options.startMs, this.nowMs)).toISOString(),
      partnerVisible: options.partnerVisible,
      pendingChange: null,
    };
    if (nce) {
      subscription.termDuration = 'P1Y';
      subscription.cancellationAllowedUntilDate = new Date(options.startMs + this.knobs.nceCancellationWindowDays * DAY_MS).toISOString();
    }
    this.db.putSubscription(subscription);
    if (options.partnerVisible) {
      const order: OrderRecord = {
        id: orderId,
        customerId: customer.id,
        channel: subscription.channel,
        cartId: null,
        requestId: null,
        billingCycle: 'monthly',
        currencyCode: 'USD',
        status: 'completed',
        creationDate: subscription.creationDate,
        dueAt: subscription.creationDate,
        listedFrom: subscription.creationDate,
        seatDelayMs: 0,
        fails: false,
        lineItems: [
          {
            lineItemNumber: 0,
            offerId,
            skuId: definition.skuId,
            quantity: options.quantity,
            ...(subscription.termDuration ? { termDuration: subscription.termDuration } : {}),
            friendlyName: definition.title,
            subscriptionId,
          },
        ],
      };
      this.db.putOrder(order);
    }
    return subscription;
  }
}

/** Resolves a SKU given as skuId or skuPartNumber (admin API convenience). */
export function resolveSku(skuIdOrPartNumber: string): SkuDefinition | undefined {
  return SKUS.find(
    (definition) =>
      definition.skuId === skuIdOrPartNumber.toLowerCase() ||
      definition.skuPartNumber.toLowerCase() === skuIdOrPartNumber.toLowerCase(),
  );
}
