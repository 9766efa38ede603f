import type { SandboxDb } from './db';
import type { Knobs } from './knobs';
import { PortfolioWriter, type CustomerSpec } from './portfolio';
import { SeededRandom } from './rng';

/**
 * The demo portfolio: 44 fictional customers with standalone Kaizala Pro ending from already expired to 200 days
 * ahead. Special cases are named in `note` comments so a reader can find the customer that exercises a path.
 * Access is gdap.ts defaultAccess (a GDAP relationship with the standard roles) unless `access` says otherwise, except
 * that app-only consent is Microsoft's default under GDAP: none, but for the few customers in APP_ONLY_CONSENTED.
 */
export const DEMO_CUSTOMERS: CustomerSpec[] = [
  // E3 also carries a Kaizala plan: identification must rely on the standalone SKU, not the plan.
  { companyName: 'Contoso Ltd', users: 48, kaizala: [{ endInDays: 12 }], usersWithoutUsageLocation: 1, extras: [{ partNumber: 'SPE_E3', quantity: 20, holders: 15 }] },
  { companyName: 'Fabrikam Inc', users: 120, kaizala: [{ endInDays: 45 }, { endInDays: 160 }] },
  { companyName: 'Northwind Traders', profile: 'frontline', users: 360, kaizala: [{ endInDays: 30 }] },
  { companyName: 'Adventure Works Cycles', users: 75, kaizala: [{ endInDays: 7 }] },
  { companyName: 'Tailspin Toys', profile: 'frontline', users: 220, kaizala: [{ endInDays: 90 }], extras: [{ partNumber: 'DESKLESSPACK', quantity: 30, holders: 25 }] },
  { companyName: 'Wide World Importers', profile: 'frontline', users: 310, kaizala: [{ endInDays: 60 }, { endInDays: 175 }] },
  { companyName: 'Alpine Ski House', users: 25, kaizala: [{ endInDays: -20 }] },
  { companyName: 'Coho Winery', users: 12, kaizala: [{ endInDays: 1 }] },
  { companyName: 'Fourth Coffee', profile: 'frontline', users: 140, kaizala: [{ endInDays: 14 }] },
  { companyName: 'Litware Inc', users: 60, kaizala: [{ endInDays: 120 }], extras: [{ partNumber: 'O365_BUSINESS_ESSENTIALS', quantity: 20, holders: 20 }] },
  { companyName: 'Proseware Inc', users: 35, kaizala: [{ endInDays: 200 }] },
  // E5 carries KAIZALA_STANDALONE itself, next to Exchange: the "no Exchange or Office plans" signal matters.
  { companyName: 'Woodgrove Bank', users: 390, kaizala: [{ endInDays: 75 }], extras: [{ partNumber: 'SPE_E5', quantity: 50, holders: 50 }] },
  { companyName: 'Lucerne Publishing', users: 18, kaizala: [{ endInDays: 3 }] },
  { companyName: "Margie's Travel", users: 22, kaizala: [{ endInDays: 21 }] },
  // EEA and enterprise-size (over the 300-seat Business cap), no enterprise suite yet: a new Enterprise customer in
  // the EEA buys an EEA "(no Teams)" suite and Microsoft Teams EEA, both in one cart.
  { companyName: 'Blue Yonder Airlines', country: 'NL', users: 340, kaizalaHolderShare: 0.95, kaizala: [{ endInDays: 150 }] },
  // Half migrated: Business Standard bought three days ago, 30 of 60 holders already moved.
  { companyName: 'Trey Research', users: 64, kaizalaHolderShare: 60 / 64, kaizala: [{ endInDays: 40, seats: 60 }], migration: { partNumber: 'O365_BUSINESS_PREMIUM', quantity: 60, movedUsers: 30 } },
  // No GDAP relationship at all (and no app-only consent): every path refuses (403), the bot must name what is missing.
  { companyName: 'Humongous Insurance', users: 80, kaizala: [{ endInDays: 55 }], access: { graphConsent: false, gdapRoles: [] } },
  { companyName: 'Graphic Design Institute', profile: 'education', qualification: 'Approved', users: 150, kaizala: [{ endInDays: 35 }], extras: [{ partNumber: 'STANDARDWOFFPACK_FACULTY', quantity: 40, holders: 30 }, { partNumber: 'STANDARDWOFFPACK_STUDENT', quantity: 200, holders: 120 }] },
  { companyName: 'School of Fine Art', profile: 'education', qualification: 'Approved', users: 95, kaizala: [{ endInDays: 100 }], extras: [{ partNumber: 'STANDARDWOFFPACK_FACULTY', quantity: 25, holders: 19 }, { partNumber: 'STANDARDWOFFPACK_STUDENT', quantity: 100, holders: 76 }] },
  // Also holds a Minecraft (license group 2) subscription: mixed groups in one licenseupdates call are refused.
  { companyName: 'Bellows College', profile: 'education', qualification: 'Approved', users: 380, kaizala: [{ endInDays: 25 }], extras: [{ partNumber: 'MEE_SANDBOX_PLACEHOLDER', quantity: 50, holders: 10, channel: 'legacy' }] },
  // Education qualification still in review: education plans must not be offered.
  { companyName: 'Lakeshore Community College', profile: 'education', qualification: 'InReview', users: 70, kaizala: [{ endInDays: 80 }] },
  { companyName: 'Southridge Video', users: 40, kaizala: [{ endInDays: 0 }] },
  { companyName: 'Wingtip Toys', users: 30, kaizala: [{ endInDays: 170 }] },
  // 250 Business Basic seats bought through another partner: the pooled cap leaves 50 (10015 availableQuantity).
  { companyName: 'VanArsdel Ltd', users: 55, kaizala: [{ endInDays: 110 }], extras: [{ partNumber: 'O365_BUSINESS_ESSENTIALS', quantity: 250, holders: 0, partnerVisible: false }] },
  { companyName: 'Relecloud', users: 45, kaizala: [{ endInDays: 65 }] },
  { companyName: 'First Up Consultants', users: 15, kaizala: [{ endInDays: 5 }] },
  { companyName: 'Consolidated Messenger', profile: 'frontline', users: 180, kaizala: [{ endInDays: 130 }] },
  // The GDAP relationship grants Directory Readers only: the tenant can be read, licenses cannot be moved (License
  // Administrator missing).
  { companyName: "Munson's Pickles and Preserves Farm", users: 10, kaizala: [{ endInDays: 190 }], access: { gdapRoles: ['Directory Readers'] } },
  { companyName: 'Nod Publishers', users: 28, kaizala: [{ endInDays: 85 }] },
  { companyName: 'Fincher Architects', users: 20, kaizala: [{ endInDays: -5 }] },
  // GDAP roles, but the partner's app has neither app-only nor delegated consent in the tenant: Graph is out of
  // reach by either path, so tenant facts and licenses go through Partner Center App+User.
  { companyName: 'Lamna Healthcare', profile: 'frontline', users: 260, kaizala: [{ endInDays: 50 }], access: { graphConsent: false, delegatedConsent: false } },
  { companyName: 'Tasmanian Traders', users: 33, kaizala: [{ endInDays: 95 }], usersWithoutUsageLocation: 3 },
  { companyName: 'The Phone Company', users: 70, kaizala: [{ endInDays: 140 }] },
  // Enterprise-size, and every user already holds Microsoft Teams Enterprise: the "(no Teams)" suite needs no Teams line.
  { companyName: 'City Power & Light', users: 340, kaizalaHolderShare: 0.95, kaizala: [{ endInDays: 180 }], extras: [{ partNumber: 'Microsoft_Teams_Enterprise_New', quantity: 340, holders: 340 }] },
  // One holder inherits Kaizala from a group; legacy Office 365 E3 next to it.
  { companyName: 'Adatum Corporation', users: 85, kaizala: [{ endInDays: 10 }], groupInheritedKaizala: 1, extras: [{ partNumber: 'ENTERPRISEPACK', quantity: 40, holders: 40, channel: 'legacy' }] },
  // Untrusted text: must be escaped wherever it is shown.
  { companyName: 'Contoso [Beta] *Ltd* <script>', users: 14, kaizala: [{ endInDays: 28 }] },
  { companyName: 'Müller & Söhne GmbH', country: 'DE', users: 42, kaizala: [{ endInDays: 33 }] },
  { companyName: 'Datum Corporation', users: 90, kaizala: [{ endInDays: 70 }] },
  { companyName: 'Best For You Organics', users: 26, kaizala: [{ endInDays: 115 }] },
  // Three Kaizala subscriptions: one already ended, two running.
  { companyName: 'Contoso Pharmaceuticals', users: 110, kaizala: [{ endInDays: -10 }, { endInDays: 20 }, { endInDays: 160 }] },
  { companyName: 'Fabrikam Residences', users: 16, kaizala: [{ endInDays: 2 }] },
  { companyName: 'Northwind Health', profile: 'frontline', users: 150, kaizala: [{ endInDays: 125 }] },
  { companyName: 'Maple Grove School District', profile: 'education', qualification: 'Approved', users: 200, kaizala: [{ endInDays: 62 }], extras: [{ partNumber: 'STANDARDWOFFPACK_FACULTY', quantity: 40, holders: 40 }, { partNumber: 'STANDARDWOFFPACK_STUDENT', quantity: 160, holders: 160 }] },
  { companyName: 'Alpenblick Reisen GmbH', country: 'AT', users: 37, kaizala: [{ endInDays: 185 }] },
];

/**
 * The demo customers that granted the partner's app app-only consent. Under GDAP Microsoft supports no app-only
 * consent for CSP partners' apps (learn.microsoft.com/partner-center/developer/gdap-and-secure-application-model), so
 * every other demo customer is reached with the partner admin's delegated token; these few keep the app-only path
 * exercised.
 */
export const APP_ONLY_CONSENTED: ReadonlySet<string> = new Set(['Contoso Ltd', 'Fabrikam Inc', 'Woodgrove Bank']);

export function seedDemo(db: SandboxDb, nowMs: number, knobs: Knobs): void {
  const writer = new PortfolioWriter(db, new SeededRandom('kaizala-demo'), nowMs, knobs);
  db.transaction(() => {
    for (const spec of DEMO_CUSTOMERS) writer.addCustomer({ ...spec, access: { graphConsent: APP_ONLY_CONSENTED.has(spec.companyName), ...spec.access } });
  });
}

const NAME_STEMS = [
  'Contoso', 'Fabrikam', 'Northwind', 'Litware', 'Proseware', 'Tailspin', 'Woodgrove', 'Adatum', 'Relecloud', 'Wingtip',
  'Alpine', 'Coho', 'Fourth', 'Lucerne', 'Trey', 'Humongous', 'Blue Yonder', 'Wide World', 'Southridge', 'VanArsdel',
  'Lamna', 'Nod', 'Fincher', 'Consolidated', 'Bellows', 'Datum', 'Graphic', 'Tasmanian', 'Maple', 'Alpenblick',
];
const NAME_INDUSTRIES = [
  'Logistics', 'Retail', 'Health', 'Foods', 'Energy', 'Media', 'Consulting', 'Manufacturing', 'Travel', 'Finance',
  'Software', 'Design', 'Motors', 'Outdoor', 'Pharma', 'Legal', 'Builders', 'Farms',
];
const NAME_SUFFIXES = ['Ltd', 'Inc', 'GmbH', 'Group', 'Holdings', 'Partners', 'LLC', 'AG', 'BV', 'Co'];
const COUNTRIES = ['US', 'US', 'US', 'GB', 'DE', 'DE', 'AT', 'NL', 'FR', 'CH'];

function generatedUserCount(random: SeededRandom): number {
  const roll = random.next();
  if (roll < 0.75) return random.int(2, 25);
  if (roll < 0.93) return random.int(26, 100);
  if (roll < 0.99) return random.int(101, 300);
  return random.int(301, 500);
}

/** A large deterministic portfolio (e.g. 5000 customers) for scale tests and benchmarks. */
export function generatedCustomerSpecs(count: number): CustomerSpec[] {
  const random = new SeededRandom(`kaizala-portfolio-${count}`);
  const names = new Set<string>();
  const specs: CustomerSpec[] = [];
  for (let index = 0; index < count; index++) {
    let name = `${random.pick(NAME_STEMS)} ${random.pick(NAME_INDUSTRIES)} ${random.pick(NAME_SUFFIXES)}`;
    for (let n = 2; names.has(name); n++) name = `${name.replace(/ \d+$/, '')} ${n}`;
    names.add(name);
    const roll = random.next();
    const profile = roll < 0.05 ? 'education' : roll < 0.15 ? 'frontline' : 'commercial';
    const users = generatedUserCount(random);
    const kaizalaCount = random.chance(0.1) ? 2 : 1;
    const spec: CustomerSpec = {
      companyName: name,
      country: random.pick(COUNTRIES),
      profile,
      users,
      kaizala: Array.from({ length: kaizalaCount }, () => ({ endInDays: random.int(-30, 365) })),
      kaizalaHolderShare: 0.6 + random.next() * 0.4,
      usersWithoutUsageLocation: random.chance(0.05) ? 1 : 0,
    };
    if (profile === 'education') spec.qualification = random.chance(0.9) ? 'Approved' : 'InReview';
    if (random.chance(0.2)) {
      spec.extras = [{ partNumber: random.pick(['SPE_E3', 'O365_BUSINESS_ESSENTIALS', 'ENTERPRISEPACK']), quantity: Math.max(1, Math.round(users / 3)), holders: Math.round(users / 4) }];
    }
    specs.push(spec);
  }
  return specs;
}

export function seedGenerated(db: SandboxDb, count: number, nowMs: number, knobs: Knobs): void {
  const writer = new PortfolioWriter(db, new SeededRandom(`kaizala-portfolio-ids-${count}`), nowMs, knobs);
  const specs = generatedCustomerSpecs(count);
  db.transaction(() => {
    for (const spec of specs) writer.addCustomer(spec);
  });
}
