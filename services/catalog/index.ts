export {
  BUSINESS_SEAT_CAP,
  EDUCATION_SKU_KINDS,
  EEA_MARKETS,
  ENTERPRISE_SUITES_WITH_TEAMS,
  LARGE_PLAN_SEAT_CAP,
  PLANS,
  SEAT_CONFIRM_RATIO,
  SEAT_WARNING_RATIO,
  TEAMS_EEA,
  TEAMS_ENTERPRISE,
  TEAMS_STANDALONE_SKU_IDS,
  findPlan,
  isEeaMarket,
  licensedUsers,
  seatSanity,
  skuForUser,
  toChosenPlan,
} from './plans';
export type { PlanDefinition, PlanFamily, PlanSku, SeatSanity, TeamsVariant, UserKind, VariantReason } from './plans';
export { customerFacts, educationKindOf, holdsTeamsStandalone, isFrontlineJobTitle } from './facts';
export type { CustomerFacts, KaizalaUser } from './facts';
export { isEligible, maxSeatsFor, planFor, recommendPlans, seatsHeld } from './recommend';
export type { PlanOption, RecommendationReason } from './recommend';
export { estimatedLines, planLines, seatLimits, toRequestLine } from './lines';
export type { PlannedLine, SeatLimits } from './lines';
export { PriceList, PriceListError } from './priceList';
export type { Money, PricedLine } from './priceList';
export { GraphTenantDirectory, billingCountry, toKaizalaUser } from './tenantDirectory';
export type { TenantDirectory } from './tenantDirectory';
