import { EDUCATION_SKU_KINDS, TEAMS_STANDALONE_SKU_IDS, type UserKind } from './plans';

/** A user who holds the Kaizala Pro license, as the wizard shows and moves them. */
export interface KaizalaUser {
  /** Graph object id. */
  id: string;
  displayName: string;
  userPrincipalName: string;
  jobTitle?: string;
  /** Faculty or student at an education customer (kept on the new plan); `any` elsewhere. */
  kind: UserKind;
  /** Already holds a Teams standalone (Teams Enterprise or Teams EEA): needs no Teams seat next to a no-Teams suite. */
  hasTeams?: boolean;
}

/** What the recommendation and the seat limits are decided on. */
export interface CustomerFacts {
  /** Education-qualified (`Approved`): the only customers offered A plans. */
  education: boolean;
  /** Users holding Kaizala Pro (all of them move by default). */
  kaizalaUsers: number;
  /** Of those, users whose job title names frontline work (see `isFrontlineJobTitle`). */
  frontlineUsers: number;
  /** Of those, students of an education customer (their seats are priced and bought as student SKUs). */
  studentUsers: number;
  /** Seats the tenant already holds per Entra skuId, from every partner and channel (Graph subscribedSkus). */
  seatsBySku: Readonly<Record<string, number>>;
  /** The customer's market (billing country, ISO 3166 alpha-2), which decides the suite variant; unknown = not EEA. */
  market?: string;
  /** Of the users who move, those already holding a Teams standalone. */
  usersWithTeams?: number;
}

/**
 * Words of frontline job titles, English and German. The sandbox and most directories fill Entra's `jobTitle`;
 * a customer whose users have none simply never looks frontline, and the account manager still sees F3 offered.
 */
const FRONTLINE_WORDS = [
  'associate', 'cashier', 'clerk', 'courier', 'driver', 'field', 'nurse', 'operator', 'picker', 'retail', 'shift',
  'store', 'technician', 'warehouse', 'worker', 'crew', 'caregiver', 'mechanic', 'attendant',
  'fahrer', 'kassierer', 'lager', 'pflege', 'schicht', 'techniker', 'verkäufer', 'monteur', 'filiale', 'außendienst',
];
const STUDENT_WORDS = ['student', 'pupil', 'learner', 'schüler', 'studierende'];

export function isFrontlineJobTitle(jobTitle: string | undefined | null): boolean {
  const words = (jobTitle ?? '').toLowerCase();
  return FRONTLINE_WORDS.some((word) => words.includes(word));
}

/**
 * An education user's kind: the kind of the education license they already hold, else their job title, else
 * faculty (a faculty license serves a student, not the other way round).
 */
export function educationKindOf(assignedSkuIds: readonly string[], jobTitle: string | undefined | null): 'faculty' | 'student' {
  for (const skuId of assignedSkuIds) {
    const kind = EDUCATION_SKU_KINDS.get(skuId.toLowerCase());
    if (kind === 'faculty' || kind === 'student') return kind;
  }
  const title = (jobTitle ?? '').toLowerCase();
  return STUDENT_WORDS.some((word) => title.includes(word)) ? 'student' : 'faculty';
}

/** Facts from the users to move, the tenant's seats and the customer's market. */
export function customerFacts(
  education: boolean,
  users: readonly KaizalaUser[],
  seatsBySku: Readonly<Record<string, number>>,
  market?: string,
): CustomerFacts {
  return {
    education,
    kaizalaUsers: users.length,
    frontlineUsers: users.filter((user) => isFrontlineJobTitle(user.jobTitle)).length,
    studentUsers: users.filter((user) => user.kind === 'student').length,
    seatsBySku,
    ...(market ? { market: market.toUpperCase() } : {}),
    usersWithTeams: users.filter((user) => user.hasTeams).length,
  };
}

/** Whether any of the Entra skuIds is a Teams standalone. */
export function holdsTeamsStandalone(skuIds: readonly string[]): boolean {
  return skuIds.some((skuId) => TEAMS_STANDALONE_SKU_IDS.has(skuId.toLowerCase()));
}
