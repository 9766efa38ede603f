/**
 * The sandbox's product world: Entra SKUs (ids from Microsoft's licensing reference), their service plans, and
 * the Partner Center catalog entries that sell them. Catalog ids are the documented ones where Microsoft gives
 * them and obviously fake (SBX…) otherwise. The standalone Kaizala Pro SKU is unpublished, so it is fake too.
 */

export interface ServicePlan {
  id: string;
  name: string;
}

export type Segment = 'commercial' | 'education';

export interface SkuDefinition {
  /** Entra skuId, lower case. */
  skuId: string;
  skuPartNumber: string;
  title: string;
  segment: Segment;
  /** license group: group1 = Entra, group2 = Minecraft. */
  licenseGroupId: 'group1' | 'group2';
  servicePlans: ServicePlan[];
  /** NCE catalog entry; absent for SKUs sold only as legacy offers (Kaizala). */
  nce?: { productId: string; catalogSkuId: string; availabilityId: string; maximumQuantity: number; pooledCap: boolean };
  legacyOfferId: string;
  /** fictional list price per seat and month, also used by pricelist.sample.csv. */
  unitPriceUsd: number;
  kind?: 'faculty' | 'student';
  /**
   * Where the catalog sells it: the EEA "(no Teams)" suites and Teams EEA only in the EEA and Switzerland, the
   * worldwide "(no Teams)" suites and Teams Enterprise only elsewhere; everything else everywhere.
   */
  markets?: 'eea' | 'outsideEea';
  /** An enterprise suite with Teams: an EEA customer buys it only while already holding one (existing subscriber). */
  enterpriseWithTeams?: boolean;
  /** The availability's terms as [duration, billingCycle]; default P1Y monthly, P1Y annual, P1M monthly. */
  terms?: readonly (readonly [string, string])[];
}

/** The European Economic Area and Switzerland (the markets of the EEA "(no Teams)" suites). */
export const EEA_COUNTRIES: ReadonlySet<string> = new Set([
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL',
  'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO', 'CH',
]);

const DEFAULT_TERMS = [['P1Y', 'monthly'], ['P1M', 'monthly'], ['P1Y', 'annual']] as const;

/** The availability's terms as [duration, billingCycle], the preferred one first. */
export function termsOf(definition: SkuDefinition): readonly (readonly [string, string])[] {
  return definition.terms ?? DEFAULT_TERMS;
}

/** Whether the catalog of `country` sells the SKU at all. */
export function soldInMarket(definition: SkuDefinition, country: string): boolean {
  if (!definition.markets) return true;
  const eea = EEA_COUNTRIES.has(country.toUpperCase());
  return definition.markets === 'eea' ? eea : !eea;
}

const plan = (id: string, name: string): ServicePlan => ({ id, name });

const KAIZALA_STANDALONE = plan('0898bdbb-73b0-471a-81e5-20f1fe4dd66e', 'KAIZALA_STANDALONE');
const KAIZALA_O365_P1 = plan('73b2a583-6a59-42e3-8e83-54db46bc3278', 'KAIZALA_O365_P1');
const KAIZALA_O365_P2 = plan('54fc630f-5a40-48ee-8965-af0503c1386e', 'KAIZALA_O365_P2');
const KAIZALA_O365_P3 = plan('aebd3021-9f8f-4bf8-bbe3-0ed2f4f047a1', 'KAIZALA_O365_P3');
const EXCHANGE_S_STANDARD = plan('9aaf7827-d63c-4b61-89c3-182f06f82e5c', 'EXCHANGE_S_STANDARD');
const EXCHANGE_S_ENTERPRISE = plan('efb87545-963c-4e0d-99df-69c6916d9eb0', 'EXCHANGE_S_ENTERPRISE');
const EXCHANGE_S_DESKLESS = plan('4a82b400-a79f-41a4-b4e2-e94f5787b113', 'EXCHANGE_S_DESKLESS');
/** Hidden plumbing many standalone SKUs carry (Stream, Intune Device, Power Automate …): no mailbox. */
const EXCHANGE_S_FOUNDATION = plan('113feb6c-3fe4-4440-bddc-54d774bf0318', 'EXCHANGE_S_FOUNDATION');
const TEAMS1 = plan('57ff2da0-773e-42df-b2af-ffb7a2317929', 'TEAMS1');
const SHAREPOINTSTANDARD = plan('c7699d2e-19aa-44de-8edf-1736da088ca1', 'SHAREPOINTSTANDARD');
const SHAREPOINTENTERPRISE = plan('5dbe027f-2339-4123-9542-606e4d348a72', 'SHAREPOINTENTERPRISE');
const SHAREPOINTDESKLESS = plan('902b47e5-dcb2-4fdc-858b-c63a90a2bdb9', 'SHAREPOINTDESKLESS');
const SHAREPOINTWAC = plan('e95bec33-7c88-4a70-8e19-b10bd9d0c014', 'SHAREPOINTWAC');
const OFFICESUBSCRIPTION = plan('43de0ff5-c92c-492b-9116-175376d08c38', 'OFFICESUBSCRIPTION');
const OFFICE_BUSINESS = plan('094e7854-93fc-4d55-b2c0-3ab5369ebdc1', 'OFFICE_BUSINESS');
const MINECRAFT_EDUCATION = plan('00000000-0000-4000-8000-0000000ec0de', 'MINECRAFT_EDUCATION_EDITION');
const MCOSTANDARD = plan('0feaeb32-d00e-4d66-bd5a-43b5b83db82c', 'MCOSTANDARD');
const MCOIMP = plan('afc06cb0-b4f4-4473-8286-d644f70d8faf', 'MCOIMP');
// Microsoft 365 A1's plans per Microsoft's reference: device management only, no mailbox, Teams or Kaizala.
const AAD_EDU = plan('3a3976ce-de18-4a87-a78e-5e9245e252df', 'AAD_EDU');
const INTUNE_EDU = plan('da24caf9-af8e-485c-b7c8-e73336da2693', 'INTUNE_EDU');
const INTUNE_A = plan('c1ec4a95-1f05-45b3-a911-aa3fa01094f5', 'INTUNE_A');
const WINDOWS_STORE = plan('a420f25f-a7b3-4ff5-a9d0-5d58f73b537d', 'WINDOWS_STORE');

const BASIC = [EXCHANGE_S_STANDARD, TEAMS1, SHAREPOINTSTANDARD, SHAREPOINTWAC];
const ENTERPRISE = [EXCHANGE_S_ENTERPRISE, TEAMS1, SHAREPOINTENTERPRISE, SHAREPOINTWAC];
const BASIC_NO_TEAMS = [EXCHANGE_S_STANDARD, MCOSTANDARD, SHAREPOINTSTANDARD, SHAREPOINTWAC];
const ENTERPRISE_NO_TEAMS = [EXCHANGE_S_ENTERPRISE, MCOSTANDARD, SHAREPOINTENTERPRISE, SHAREPOINTWAC, OFFICESUBSCRIPTION];
/** What the Teams standalones carry (Microsoft's reference): Teams, a kiosk mailbox, Office for the web. */
const TEAMS_STANDALONE = [TEAMS1, EXCHANGE_S_DESKLESS, SHAREPOINTWAC, MCOIMP];
const FRONTLINE = [EXCHANGE_S_DESKLESS, TEAMS1, SHAREPOINTDESKLESS, SHAREPOINTWAC, KAIZALA_O365_P1];

export const KAIZALA_SKU_ID = '00000000-0000-4000-8000-00000000c0de';
export const KAIZALA_SKU_PART_NUMBER = 'KAIZALA_PRO_SANDBOX_PLACEHOLDER';
export const KAIZALA_OFFER_ID = '00000000-0000-4000-8000-000000c0de01';
export const KAIZALA_OFFER_NAME = 'Microsoft Kaizala Pro';

/** Documented catalog items (§4.7); the rest are fake SBX ids. */
export const DOCUMENTED_CATALOG_ITEMS = {
  businessBasic: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971',
  businessPremium: 'CFQ7TTC0LCHC:0002:CFQ7TTC0KFFN',
  office365E5NoAudioConferencing: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H',
} as const;

function fakeLegacyOfferId(index: number): string {
  return `00000000-0000-4000-8000-0000${(index + 1).toString(16).padStart(8, '0')}`;
}

function nce(
  catalogItemId: string,
  maximumQuantity: number,
  pooledCap = false,
): NonNullable<SkuDefinition['nce']> {
  const [productId, catalogSkuId, availabilityId] = catalogItemId.split(':');
  return { productId, catalogSkuId, availabilityId, maximumQuantity, pooledCap };
}

type SkuDraft = Omit<SkuDefinition, 'legacyOfferId' | 'licenseGroupId'> & Partial<SkuDefinition>;

function sku(definition: SkuDraft): SkuDraft {
  return definition;
}

const DRAFTS: SkuDraft[] = [
  sku({
    skuId: KAIZALA_SKU_ID,
    skuPartNumber: KAIZALA_SKU_PART_NUMBER,
    title: KAIZALA_OFFER_NAME,
    segment: 'commercial',
    // The variant the bot must not mistake for a suite: whether the real SKU carries EXCHANGE_S_FOUNDATION is unpublished.
    servicePlans: [KAIZALA_STANDALONE, EXCHANGE_S_FOUNDATION],
    legacyOfferId: KAIZALA_OFFER_ID,
    unitPriceUsd: 3,
  }),
  sku({
    skuId: '3b555118-da6a-4418-894f-7df1e2096870',
    skuPartNumber: 'O365_BUSINESS_ESSENTIALS',
    title: 'Microsoft 365 Business Basic',
    segment: 'commercial',
    // Microsoft's reference lists no Kaizala plan in Business Basic (Standard, Premium, E1 and O365 A1 carry P2).
    servicePlans: [...BASIC],
    nce: nce(DOCUMENTED_CATALOG_ITEMS.businessBasic, 300, true),
    unitPriceUsd: 6,
  }),
  sku({
    skuId: 'f245ecc8-75af-4f8e-b61f-27d8114de5f3',
    skuPartNumber: 'O365_BUSINESS_PREMIUM',
    title: 'Microsoft 365 Business Standard',
    segment: 'commercial',
    servicePlans: [...BASIC, OFFICE_BUSINESS, KAIZALA_O365_P2],
    nce: nce('SBXBSTD00001:0001:SBXAVBSTD001', 300, true),
    unitPriceUsd: 12.5,
  }),
  sku({
    skuId: 'cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46',
    skuPartNumber: 'SPB',
    title: 'Microsoft 365 Business Premium',
    segment: 'commercial',
    servicePlans: [...BASIC, OFFICE_BUSINESS, KAIZALA_O365_P2],
    nce: nce(DOCUMENTED_CATALOG_ITEMS.businessPremium, 300, true),
    unitPriceUsd: 22,
  }),
  sku({
    skuId: '66b55226-6b4f-492c-910c-a3b7a3c9d993',
    skuPartNumber: 'SPE_F1',
    title: 'Microsoft 365 F3',
    segment: 'commercial',
    servicePlans: FRONTLINE,
    nce: nce('SBXM365F3001:0001:SBXAVM365F31', 10000),
    unitPriceUsd: 8,
  }),
  sku({
    skuId: '4b585984-651b-448a-9e53-3b10f069cf7f',
    skuPartNumber: 'DESKLESSPACK',
    title: 'Office 365 F3',
    segment: 'commercial',
    servicePlans: FRONTLINE,
    nce: nce('SBXO365F3001:0001:SBXAVO365F31', 10000),
    unitPriceUsd: 4,
  }),
  sku({
    skuId: '18181a46-0d4e-45cd-891e-60aabd171b4e',
    skuPartNumber: 'STANDARDPACK',
    title: 'Office 365 E1',
    segment: 'commercial',
    servicePlans: [...BASIC, KAIZALA_O365_P2],
    enterpriseWithTeams: true,
    nce: nce('SBXO365E1001:0001:SBXAVO365E11', 10000),
    unitPriceUsd: 10,
  }),
  sku({
    skuId: '05e9a617-0261-4cee-bb44-138d3ef5d965',
    skuPartNumber: 'SPE_E3',
    title: 'Microsoft 365 E3',
    segment: 'commercial',
    servicePlans: [...ENTERPRISE, OFFICESUBSCRIPTION, KAIZALA_O365_P3],
    enterpriseWithTeams: true,
    nce: nce('SBXM365E3001:0001:SBXAVM365E31', 10000),
    unitPriceUsd: 36,
  }),
  sku({
    skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900',
    skuPartNumber: 'ENTERPRISEPACK',
    title: 'Office 365 E3',
    segment: 'commercial',
    servicePlans: [...ENTERPRISE, OFFICESUBSCRIPTION, KAIZALA_O365_P3],
    enterpriseWithTeams: true,
    nce: nce('SBXO365E3001:0001:SBXAVO365E31', 10000),
    unitPriceUsd: 23,
  }),
  sku({
    skuId: '06ebc4ee-1bb5-47dd-8120-11324bc54e06',
    skuPartNumber: 'SPE_E5',
    title: 'Microsoft 365 E5',
    segment: 'commercial',
    servicePlans: [...ENTERPRISE, OFFICESUBSCRIPTION, KAIZALA_STANDALONE],
    enterpriseWithTeams: true,
    nce: nce('SBXM365E5001:0001:SBXAVM365E51', 10000),
    unitPriceUsd: 57,
  }),
  sku({
    skuId: 'c7df2760-2c81-4ef7-b578-5b5392b571df',
    skuPartNumber: 'ENTERPRISEPREMIUM',
    title: 'Office 365 E5',
    segment: 'commercial',
    servicePlans: [...ENTERPRISE, OFFICESUBSCRIPTION, KAIZALA_STANDALONE],
    enterpriseWithTeams: true,
    nce: nce('SBXO365E5001:0001:SBXAVO365E51', 10000),
    unitPriceUsd: 38,
  }),
  sku({
    skuId: '26d45bd9-adf1-46cd-a9e1-51e9a5524128',
    skuPartNumber: 'ENTERPRISEPREMIUM_NOPSTNCONF',
    title: 'Office 365 E5 (no Teams audio conferencing)',
    segment: 'commercial',
    servicePlans: [...ENTERPRISE, OFFICESUBSCRIPTION, KAIZALA_STANDALONE],
    enterpriseWithTeams: true,
    nce: nce(DOCUMENTED_CATALOG_ITEMS.office365E5NoAudioConferencing, 10000),
    unitPriceUsd: 35,
  }),
  ...educationSkus(),
  sku({
    skuId: '00000000-0000-4000-8000-00000000ec01',
    skuPartNumber: 'MEE_SANDBOX_PLACEHOLDER',
    title: 'Minecraft: Education Edition (sandbox)',
    segment: 'education',
    licenseGroupId: 'group2',
    servicePlans: [MINECRAFT_EDUCATION],
    unitPriceUsd: 5,
  }),
  // Appended after the others so that their fake legacy offer ids (by position) stay what they were.
  ...withoutTeamsSkus(),
];

/**
 * The suites without Teams and the Teams standalones (ids from Microsoft's reference, partner-center.md §6). Teams
 * EEA's availability offers no annual billing: a cart line asking for a term its availability lacks is refused.
 */
function withoutTeamsSkus(): SkuDraft[] {
  const rows: [string, string, string, string, ServicePlan[], number, 'eea' | 'outsideEea'][] = [
    ['f8ced641-8e17-4dc5-b014-f5a2d53f6ac8', 'Office_365_E1_(no_Teams)', 'Office 365 E1 (no Teams)', 'SBXO365E1NT1', [...BASIC_NO_TEAMS, KAIZALA_O365_P2], 7.75, 'outsideEea'],
    ['46c3a859-c90d-40b3-9551-6178a48d5c18', 'Office_365_E3_(no_Teams)', 'Office 365 E3 (no Teams)', 'SBXO365E3NT1', [...ENTERPRISE_NO_TEAMS, KAIZALA_O365_P3], 20.75, 'outsideEea'],
    ['dcf0408c-aaec-446c-afd4-43e3683943ea', 'Microsoft_365_E3_(no_Teams)', 'Microsoft 365 E3 (no Teams)', 'SBXM365E3NT1', [...ENTERPRISE_NO_TEAMS, KAIZALA_O365_P3], 33.75, 'outsideEea'],
    ['b57282e3-65bd-4252-9502-c0eae1e5ab7f', 'Office_365_w/o_Teams_Bundle_E1', 'Office 365 E1 EEA (no Teams)', 'SBXO365E1EE1', [...BASIC_NO_TEAMS, KAIZALA_O365_P2], 8, 'eea'],
    ['d711d25a-a21c-492f-bd19-aae1e8ebaf30', 'O365_w/o_Teams_Bundle_E3', 'Office 365 E3 EEA (no Teams)', 'SBXO365E3EE1', [...ENTERPRISE_NO_TEAMS, KAIZALA_O365_P3], 21, 'eea'],
    ['c2fe850d-fbbb-4858-b67d-bd0c6e746da3', 'O365_w/o Teams Bundle_M3', 'Microsoft 365 E3 EEA (no Teams)', 'SBXM365E3EE1', [...ENTERPRISE_NO_TEAMS, KAIZALA_O365_P3], 34, 'eea'],
    ['cf50bae9-29e8-4775-b07c-56ee10e3776d', 'Office_365_w/o_Teams_Bundle_E5', 'Office 365 E5 EEA (no Teams)', 'SBXO365E5EE1', [...ENTERPRISE_NO_TEAMS, KAIZALA_STANDALONE], 33, 'eea'],
    ['3271cf8e-2be5-4a09-a549-70fd05baaa17', 'O365_w/o_Teams_Bundle_M5', 'Microsoft 365 E5 EEA (no Teams)', 'SBXM365E5EE1', [...ENTERPRISE_NO_TEAMS, KAIZALA_STANDALONE], 52, 'eea'],
    ['7e31c0d9-9551-471d-836f-32ee72be4a01', 'Microsoft_Teams_Enterprise_New', 'Microsoft Teams Enterprise', 'SBXTEAMSENT1', TEAMS_STANDALONE, 5.25, 'outsideEea'],
    ['7e74bd05-2c47-404e-829a-ba95c66fe8e5', 'Microsoft_Teams_EEA_New', 'Microsoft Teams EEA', 'SBXTEAMSEEA1', TEAMS_STANDALONE, 5, 'eea'],
  ];
  return rows.map(([skuId, skuPartNumber, title, productId, servicePlans, unitPriceUsd, markets]) =>
    sku({
      skuId,
      skuPartNumber,
      title,
      segment: 'commercial',
      servicePlans,
      nce: nce(`${productId}:0001:SBXAV${productId.slice(3, 10)}`, 10000),
      unitPriceUsd,
      markets,
      ...(skuPartNumber === 'Microsoft_Teams_EEA_New' ? { terms: [['P1M', 'monthly'], ['P1Y', 'monthly']] as const } : {}),
    }),
  );
}

export const SKUS: readonly SkuDefinition[] = DRAFTS.map((draft, index) => ({
  licenseGroupId: 'group1',
  legacyOfferId: fakeLegacyOfferId(index),
  ...draft,
}));

function educationSkus(): SkuDraft[] {
  const rows: [string, string, string, string, ServicePlan[], number, 'faculty' | 'student'][] = [
    ['b17653a4-2443-4e8c-a550-18249dda78bb', 'M365EDU_A1', 'Microsoft 365 A1', 'SBXM365A1001', [AAD_EDU, INTUNE_EDU, INTUNE_A, WINDOWS_STORE], 0, 'faculty'],
    ['4b590615-0888-425a-a965-b3bf7789848d', 'M365EDU_A3_FACULTY', 'Microsoft 365 A3 for faculty', 'SBXM365A3F01', [...ENTERPRISE, OFFICESUBSCRIPTION, KAIZALA_O365_P3], 8, 'faculty'],
    ['7cfd9a2b-e110-4c39-bf20-c6a3f36a3121', 'M365EDU_A3_STUDENT', 'Microsoft 365 A3 for students', 'SBXM365A3S01', [...ENTERPRISE, OFFICESUBSCRIPTION, KAIZALA_O365_P3], 6, 'student'],
    ['e97c048c-37a4-45fb-ab50-922fbf07a370', 'M365EDU_A5_FACULTY', 'Microsoft 365 A5 for faculty', 'SBXM365A5F01', [...ENTERPRISE, OFFICESUBSCRIPTION, KAIZALA_STANDALONE], 15, 'faculty'],
    ['46c119d4-0379-4a9d-85e4-97c66d3f909e', 'M365EDU_A5_STUDENT', 'Microsoft 365 A5 for students', 'SBXM365A5S01', [...ENTERPRISE, OFFICESUBSCRIPTION, KAIZALA_STANDALONE], 11, 'student'],
    ['94763226-9b3c-4e75-a931-5c89701abe66', 'STANDARDWOFFPACK_FACULTY', 'Office 365 A1 for faculty', 'SBXO365A1F01', [...BASIC, KAIZALA_O365_P2], 0, 'faculty'],
    ['314c4481-f395-4525-be8b-2ec4bb1e9d91', 'STANDARDWOFFPACK_STUDENT', 'Office 365 A1 for students', 'SBXO365A1S01', [...BASIC, KAIZALA_O365_P2], 0, 'student'],
    ['78e66a63-337a-4a9a-8959-41c6654dfb56', 'STANDARDWOFFPACK_IW_FACULTY', 'Office 365 A1 Plus for faculty', 'SBXO365A1PF1', [...BASIC, OFFICESUBSCRIPTION, KAIZALA_O365_P2], 0, 'faculty'],
    ['e82ae690-a2d5-4d76-8d30-7c6e01e6022e', 'STANDARDWOFFPACK_IW_STUDENT', 'Office 365 A1 Plus for students', 'SBXO365A1PS1', [...BASIC, OFFICESUBSCRIPTION, KAIZALA_O365_P2], 0, 'student'],
    ['e578b273-6db4-4691-bba0-8d691f4da603', 'ENTERPRISEPACKPLUS_FACULTY', 'Office 365 A3 for faculty', 'SBXO365A3F01', [...ENTERPRISE, OFFICESUBSCRIPTION, KAIZALA_O365_P3], 3.25, 'faculty'],
    ['98b6e773-24d4-4c0d-a968-6e787a1f8204', 'ENTERPRISEPACKPLUS_STUDENT', 'Office 365 A3 for students', 'SBXO365A3S01', [...ENTERPRISE, OFFICESUBSCRIPTION, KAIZALA_O365_P3], 2.5, 'student'],
    ['a4585165-0533-458a-97e3-c400570268c4', 'ENTERPRISEPREMIUM_FACULTY', 'Office 365 A5 for faculty', 'SBXO365A5F01', [...ENTERPRISE, OFFICESUBSCRIPTION, KAIZALA_STANDALONE], 8, 'faculty'],
    ['ee656612-49fa-43e5-b67e-cb1fdf7699df', 'ENTERPRISEPREMIUM_STUDENT', 'Office 365 A5 for students', 'SBXO365A5S01', [...ENTERPRISE, OFFICESUBSCRIPTION, KAIZALA_STANDALONE], 6, 'student'],
  ];
  return rows.map(([skuId, skuPartNumber, title, productId, servicePlans, unitPriceUsd, kind]) =>
    sku({
      skuId,
      skuPartNumber,
      title,
      segment: 'education',
      servicePlans,
      nce: nce(`${productId}:0001:SBXAV${productId.slice(3, 10)}`, 100000),
      unitPriceUsd,
      kind,
    }),
  );
}

const BY_SKU_ID = new Map(SKUS.map((definition) => [definition.skuId, definition]));
const BY_PART_NUMBER = new Map(SKUS.map((definition) => [definition.skuPartNumber, definition]));

export function skuById(skuId: string): SkuDefinition | undefined {
  return BY_SKU_ID.get(skuId.toLowerCase());
}

export function skuByPartNumber(partNumber: string): SkuDefinition {
  const definition = BY_PART_NUMBER.get(partNumber);
  if (!definition) throw new Error(`no sandbox SKU ${partNumber}`);
  return definition;
}

export function skuByLegacyOfferId(offerId: string): SkuDefinition | undefined {
  return SKUS.find((definition) => definition.legacyOfferId === offerId.toLowerCase());
}

/** The availability id of a SKU in the current generation (bumping the generation "rotates" them). */
export function availabilityIdFor(definition: SkuDefinition, generation: number): string | undefined {
  if (!definition.nce) return undefined;
  if (generation === 0) return definition.nce.availabilityId;
  const suffix = generation.toString(36).toUpperCase().padStart(3, '0');
  return `${definition.nce.availabilityId.slice(0, -3)}${suffix}`;
}

export function catalogItemIdFor(definition: SkuDefinition, generation: number): string | undefined {
  const nceEntry = definition.nce;
  if (!nceEntry) return undefined;
  return `${nceEntry.productId}:${nceEntry.catalogSkuId}:${availabilityIdFor(definition, generation)}`;
}

export function skuByProduct(productId: string, catalogSkuId: string): SkuDefinition | undefined {
  return SKUS.find(
    (definition) =>
      definition.nce?.productId.toLowerCase() === productId.toLowerCase() && definition.nce.catalogSkuId === catalogSkuId,
  );
}

export function productsOf(productId: string): SkuDefinition[] {
  return SKUS.filter((definition) => definition.nce?.productId.toLowerCase() === productId.toLowerCase());
}

/** Parses PRODUCT:SKU:AVAILABILITY; the availability must be the current one. */
export function resolveCatalogItem(
  catalogItemId: string,
  generation: number,
): { definition: SkuDefinition; current: boolean } | undefined {
  const [productId, catalogSkuId, availabilityId] = catalogItemId.split(':');
  if (!productId || !catalogSkuId || !availabilityId) return undefined;
  const definition = skuByProduct(productId, catalogSkuId);
  if (!definition) return undefined;
  const current = availabilityIdFor(definition, generation)?.toLowerCase() === availabilityId.toLowerCase();
  return { definition, current };
}

export function isKaizala(skuId: string): boolean {
  return skuId.toLowerCase() === KAIZALA_SKU_ID;
}
