import type { ChosenPlan } from '../domain/request';
import type { CustomerFacts } from './facts';

/** The replacement plans Microsoft names for standalone Kaizala Pro, grouped as its procedure groups them. */
export type PlanFamily = ChosenPlan['family'];

/** Which education users a SKU is for; commercial SKUs (and Microsoft 365 A1) are for everyone. */
export type UserKind = 'any' | 'faculty' | 'student';

/** One Entra SKU that sells a plan. Education plans have a faculty and a student SKU; each user keeps their kind. */
export interface PlanSku {
  kind: UserKind;
  /** Entra skuId: what Graph assigns and what the run resolves to a catalog item (provisioningId). */
  skuId: string;
  skuPartNumber: string;
  /** The product title as Partner Center's catalog and price list spell it. */
  title: string;
}

/**
 * Which member of a suite's SKU family is sold: the suite with Teams, the worldwide "(no Teams)" suite, or the
 * EEA "(no Teams)" suite (EEA and Switzerland). The two without Teams are bought together with a Teams standalone.
 */
export type TeamsVariant = 'withTeams' | 'noTeams' | 'eeaNoTeams';

export interface PlanDefinition {
  /** Our stable id: lower-case letters, digits and dashes, so it survives card data untouched. */
  planId: string;
  title: string;
  family: PlanFamily;
  /** The SKUs bought for the plan: the with-Teams family member in PLANS, the chosen variant's after `planFor`. */
  skus: readonly PlanSku[];
  /** Most seats one customer tenant may hold of each SKU (Business: 300, pooled across partners and channels). */
  seatCap: number;
  /** The cap counts seats the tenant already holds of the SKU (partner-center.md §6, "Business cap"). */
  capIsPooled: boolean;
  /**
   * Enterprise suites: the family members without Teams (partner-center.md §6). Only ids found in Microsoft's
   * licensing reference are listed; a member left out is never sold (see there for which and why).
   */
  withoutTeams?: { noTeams?: PlanSku; eeaNoTeams?: PlanSku };
  /** Microsoft 365 A1 carries no mailbox, Teams or Kaizala plan: it cannot replace Kaizala for a user. */
  noMailOrTeams?: boolean;
  /** Set by `planFor`: the family member chosen for this customer. */
  variant?: TeamsVariant;
  /** Set by `planFor` for a variant without Teams: the Teams standalone bought in the same cart. */
  teams?: PlanSku;
  /** Set by `planFor`: of the users who move, how many already hold a Teams standalone (no Teams seat for them). */
  usersWithTeams?: number;
  /** Set by `planFor`: why this family member, in words the card can say. */
  variantReason?: VariantReason;
}

/** Why a plan is sold in the variant `planFor` chose (the eea-teams-licensing rules, partner-center.md §6). */
export type VariantReason =
  /** Business, Frontline and education plans: sold with Teams everywhere. */
  | { code: 'includesTeams' }
  /** Microsoft 365 A1: no mailbox, Teams or Kaizala plan. */
  | { code: 'noMailOrTeams' }
  /** The tenant already holds an enterprise suite with Teams: an existing subscriber keeps that variant. */
  | { code: 'existingTeamsSuite'; suite: string }
  /** A new enterprise customer in the EEA or Switzerland (since 2023-10-01), or anywhere else (since 2024-04-01). */
  | { code: 'eeaMarket' | 'newEnterpriseCustomer'; market?: string; teams?: string; usersWithTeams: number };

/** NCE Business SKUs: `maximumQuantity: 300`, pooled per customer tenant (partner-center.md §6). */
export const BUSINESS_SEAT_CAP = 300;
/**
 * A sanity bound for the other plans. The catalog's own `maximumQuantity` is read when the run builds the cart;
 * the wizard only stops obvious typos (an extra zero) here.
 */
export const LARGE_PLAN_SEAT_CAP = 10_000;

/** Seats above this multiple of the users who move are flagged on the review (spares for joiners are normal). */
export const SEAT_WARNING_RATIO = 1.5;
/** Seats above this multiple need an explicit confirmation before approval can be requested (an extra zero…). */
export const SEAT_CONFIRM_RATIO = 3;

/** How a seat count compares with the users who move and the tenant's size. */
export interface SeatSanity {
  level: 'ok' | 'warning' | 'confirm';
  /** Seats per user who moves (users counted as at least 1). */
  ratio: number;
  /** More seats than the tenant has licensed users (when known). */
  exceedsTenant: boolean;
}

/**
 * A warning above SEAT_WARNING_RATIO × the users who move or above the tenant's licensed users, and a required
 * confirmation above SEAT_CONFIRM_RATIO ×. The quantity itself is never changed: the person decides.
 */
export function seatSanity(quantity: number, usersMoving: number, tenantUsers?: number): SeatSanity {
  const ratio = quantity / Math.max(1, usersMoving);
  const exceedsTenant = tenantUsers !== undefined && tenantUsers > 0 && quantity > tenantUsers;
  const level = ratio > SEAT_CONFIRM_RATIO ? 'confirm' : ratio > SEAT_WARNING_RATIO || exceedsTenant ? 'warning' : 'ok';
  return { level, ratio, exceedsTenant };
}

/**
 * The tenant's size as far as licences tell: its Kaizala Pro users and seats, and the seats it holds of any plan we
 * sell. (Free and trial SKUs with huge counts are left out on purpose: they say nothing about people.)
 */
export function licensedUsers(facts: Pick<CustomerFacts, 'kaizalaUsers' | 'seatsBySku'>, kaizalaSeats = 0): number {
  const held = Object.entries(facts.seatsBySku)
    .filter(([skuId]) => PLAN_SKU_IDS.has(skuId.toLowerCase()))
    .map(([, seats]) => seats);
  return Math.max(facts.kaizalaUsers, kaizalaSeats, ...held);
}

const any = (skuId: string, skuPartNumber: string, title: string): PlanSku => ({ kind: 'any', skuId, skuPartNumber, title });
const faculty = (skuId: string, skuPartNumber: string, title: string): PlanSku => ({ kind: 'faculty', skuId, skuPartNumber, title });
const student = (skuId: string, skuPartNumber: string, title: string): PlanSku => ({ kind: 'student', skuId, skuPartNumber, title });

function business(planId: string, sku: PlanSku): PlanDefinition {
  return { planId, title: sku.title, family: 'business', skus: [sku], seatCap: BUSINESS_SEAT_CAP, capIsPooled: true };
}

function single(planId: string, family: PlanFamily, sku: PlanSku): PlanDefinition {
  return { planId, title: sku.title, family, skus: [sku], seatCap: LARGE_PLAN_SEAT_CAP, capIsPooled: false };
}

/** An enterprise suite as a SKU family: with Teams, and the members without Teams that Microsoft's reference lists. */
function suite(planId: string, withTeams: PlanSku, withoutTeams: { noTeams?: PlanSku; eeaNoTeams?: PlanSku }): PlanDefinition {
  return { ...single(planId, 'enterprise', withTeams), withoutTeams };
}

function education(planId: string, title: string, skus: PlanSku[]): PlanDefinition {
  return { planId, title, family: 'education', skus, seatCap: LARGE_PLAN_SEAT_CAP, capIsPooled: false };
}

/** SKU ids from partner-center.md §6 (Microsoft's licensing service plan reference). Order = card order. */
export const PLANS: readonly PlanDefinition[] = [
  business('business-basic', any('3b555118-da6a-4418-894f-7df1e2096870', 'O365_BUSINESS_ESSENTIALS', 'Microsoft 365 Business Basic')),
  business('business-standard', any('f245ecc8-75af-4f8e-b61f-27d8114de5f3', 'O365_BUSINESS_PREMIUM', 'Microsoft 365 Business Standard')),
  business('business-premium', any('cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46', 'SPB', 'Microsoft 365 Business Premium')),
  single('o365-f3', 'frontline', any('4b585984-651b-448a-9e53-3b10f069cf7f', 'DESKLESSPACK', 'Office 365 F3')),
  single('m365-f3', 'frontline', any('66b55226-6b4f-492c-910c-a3b7a3c9d993', 'SPE_F1', 'Microsoft 365 F3')),
  suite('o365-e1', any('18181a46-0d4e-45cd-891e-60aabd171b4e', 'STANDARDPACK', 'Office 365 E1'), {
    noTeams: any('f8ced641-8e17-4dc5-b014-f5a2d53f6ac8', 'Office_365_E1_(no_Teams)', 'Office 365 E1 (no Teams)'),
    eeaNoTeams: any('b57282e3-65bd-4252-9502-c0eae1e5ab7f', 'Office_365_w/o_Teams_Bundle_E1', 'Office 365 E1 EEA (no Teams)'),
  }),
  suite('o365-e3', any('6fd2c87f-b296-42f0-b197-1e91e994b900', 'ENTERPRISEPACK', 'Office 365 E3'), {
    noTeams: any('46c3a859-c90d-40b3-9551-6178a48d5c18', 'Office_365_E3_(no_Teams)', 'Office 365 E3 (no Teams)'),
    eeaNoTeams: any('d711d25a-a21c-492f-bd19-aae1e8ebaf30', 'O365_w/o_Teams_Bundle_E3', 'Office 365 E3 EEA (no Teams)'),
  }),
  suite('m365-e3', any('05e9a617-0261-4cee-bb44-138d3ef5d965', 'SPE_E3', 'Microsoft 365 E3'), {
    noTeams: any('dcf0408c-aaec-446c-afd4-43e3683943ea', 'Microsoft_365_E3_(no_Teams)', 'Microsoft 365 E3 (no Teams)'),
    eeaNoTeams: any('c2fe850d-fbbb-4858-b67d-bd0c6e746da3', 'O365_w/o Teams Bundle_M3', 'Microsoft 365 E3 EEA (no Teams)'),
  }),
  // The worldwide E5 "(no Teams)" suites are not in Microsoft's reference as read (partner-center.md §6): left out.
  suite('o365-e5', any('c7df2760-2c81-4ef7-b578-5b5392b571df', 'ENTERPRISEPREMIUM', 'Office 365 E5'), {
    eeaNoTeams: any('cf50bae9-29e8-4775-b07c-56ee10e3776d', 'Office_365_w/o_Teams_Bundle_E5', 'Office 365 E5 EEA (no Teams)'),
  }),
  suite('m365-e5', any('06ebc4ee-1bb5-47dd-8120-11324bc54e06', 'SPE_E5', 'Microsoft 365 E5'), {
    eeaNoTeams: any('3271cf8e-2be5-4a09-a549-70fd05baaa17', 'O365_w/o_Teams_Bundle_M5', 'Microsoft 365 E5 EEA (no Teams)'),
  }),
  education('o365-a1', 'Office 365 A1', [
    faculty('94763226-9b3c-4e75-a931-5c89701abe66', 'STANDARDWOFFPACK_FACULTY', 'Office 365 A1 for faculty'),
    student('314c4481-f395-4525-be8b-2ec4bb1e9d91', 'STANDARDWOFFPACK_STUDENT', 'Office 365 A1 for students'),
  ]),
  { ...education('m365-a1', 'Microsoft 365 A1', [any('b17653a4-2443-4e8c-a550-18249dda78bb', 'M365EDU_A1', 'Microsoft 365 A1')]), noMailOrTeams: true },
  education('o365-a3', 'Office 365 A3', [
    faculty('e578b273-6db4-4691-bba0-8d691f4da603', 'ENTERPRISEPACKPLUS_FACULTY', 'Office 365 A3 for faculty'),
    student('98b6e773-24d4-4c0d-a968-6e787a1f8204', 'ENTERPRISEPACKPLUS_STUDENT', 'Office 365 A3 for students'),
  ]),
  education('m365-a3', 'Microsoft 365 A3', [
    faculty('4b590615-0888-425a-a965-b3bf7789848d', 'M365EDU_A3_FACULTY', 'Microsoft 365 A3 for faculty'),
    student('7cfd9a2b-e110-4c39-bf20-c6a3f36a3121', 'M365EDU_A3_STUDENT', 'Microsoft 365 A3 for students'),
  ]),
  education('o365-a5', 'Office 365 A5', [
    faculty('a4585165-0533-458a-97e3-c400570268c4', 'ENTERPRISEPREMIUM_FACULTY', 'Office 365 A5 for faculty'),
    student('ee656612-49fa-43e5-b67e-cb1fdf7699df', 'ENTERPRISEPREMIUM_STUDENT', 'Office 365 A5 for students'),
  ]),
  education('m365-a5', 'Microsoft 365 A5', [
    faculty('e97c048c-37a4-45fb-ab50-922fbf07a370', 'M365EDU_A5_FACULTY', 'Microsoft 365 A5 for faculty'),
    student('46c119d4-0379-4a9d-85e4-97c66d3f909e', 'M365EDU_A5_STUDENT', 'Microsoft 365 A5 for students'),
  ]),
];

const BY_ID = new Map(PLANS.map((plan) => [plan.planId, plan]));
const PLAN_SKU_IDS: ReadonlySet<string> = new Set(
  PLANS.flatMap((plan) => [...plan.skus, ...Object.values(plan.withoutTeams ?? {})].map((sku) => sku.skuId.toLowerCase())),
);

export function findPlan(planId: string): PlanDefinition | undefined {
  return BY_ID.get(planId);
}

/** Every Entra skuId of the education catalog, by the kind of user it is for (to tell a user's kind). */
export const EDUCATION_SKU_KINDS: ReadonlyMap<string, UserKind> = new Map(
  PLANS.filter((plan) => plan.family === 'education').flatMap((plan) => plan.skus.map((sku) => [sku.skuId, sku.kind] as const)),
);

/**
 * The SKU of `plan` a user of `kind` receives: the one for their kind, else the plan's only SKU. Faculty is the
 * fallback for users whose kind is unknown, because a faculty license covers a student's needs and not vice versa.
 */
export function skuForUser(plan: PlanDefinition, kind: UserKind): PlanSku {
  return plan.skus.find((sku) => sku.kind === kind) ?? plan.skus.find((sku) => sku.kind !== 'student') ?? plan.skus[0];
}

/** The plan as a request stores it; `skuId` is the plan's first SKU (education and Teams lines are per-SKU lines). */
export function toChosenPlan(plan: PlanDefinition): ChosenPlan {
  return { planId: plan.planId, title: plan.title, skuId: plan.skus[0].skuId, family: plan.family };
}

/** Teams standalones bought next to a suite without Teams (Microsoft's licensing reference, partner-center.md §6). */
export const TEAMS_ENTERPRISE: PlanSku = any('7e31c0d9-9551-471d-836f-32ee72be4a01', 'Microsoft_Teams_Enterprise_New', 'Microsoft Teams Enterprise');
export const TEAMS_EEA: PlanSku = any('7e74bd05-2c47-404e-829a-ba95c66fe8e5', 'Microsoft_Teams_EEA_New', 'Microsoft Teams EEA');
export const TEAMS_STANDALONE_SKU_IDS: ReadonlySet<string> = new Set([TEAMS_ENTERPRISE.skuId, TEAMS_EEA.skuId]);

/**
 * Enterprise suites that include Teams. A tenant holding one subscribed before the split and may keep buying them
 * ("Enterprise customers already subscribed … will continue to be able to use, renew, upgrade": eea-teams-licensing).
 */
export const ENTERPRISE_SUITES_WITH_TEAMS: ReadonlyMap<string, string> = new Map([
  ...PLANS.filter((plan) => plan.withoutTeams).map((plan) => [plan.skus[0].skuId, plan.skus[0].title] as const),
  ['cd2925a3-5076-4233-8931-638a8c94f773', 'Microsoft 365 E5 without Audio Conferencing'],
  ['26d45bd9-adf1-46cd-a9e1-51e9a5524128', 'Office 365 E5 without Audio Conferencing'],
]);

/** The European Economic Area and Switzerland, where the EEA "(no Teams)" suites are sold since 2023-10-01. */
export const EEA_MARKETS: ReadonlySet<string> = new Set([
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL',
  'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO', 'CH',
]);

export function isEeaMarket(market: string | undefined): boolean {
  return market !== undefined && EEA_MARKETS.has(market.toUpperCase());
}
