import { isObjectId } from '../domain/ids';
import type { Person } from '../domain/people';

const UPN = /^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$/;

/** `APPROVERS` split into entries, and the entries that are neither an object id nor a UPN (for the config error). */
export function parseApproverList(raw: string): { entries: string[]; invalid: string[] } {
  const values = raw
    .split(/[,;]/)
    .map((value) => value.trim())
    .filter((value) => value !== '');
  return {
    entries: [...new Set(values.filter(isApproverEntry).map((value) => value.toLowerCase()))],
    invalid: values.filter((value) => !isApproverEntry(value)),
  };
}

export function isApproverEntry(value: string): boolean {
  return isObjectId(value) || UPN.test(value);
}

/** The people who may decide migration requests: Entra object ids or UPNs, compared case-insensitively. */
export class Approvers {
  readonly entries: readonly string[];

  constructor(entries: readonly string[]) {
    const bad = entries.filter((entry) => !isApproverEntry(entry));
    if (bad.length > 0) throw new RangeError(`Not an approver object id or UPN: ${bad.join(', ')}`);
    this.entries = [...new Set(entries.map((entry) => entry.toLowerCase()))];
  }

  /** Whether some entries are UPNs, so a clicker's UPN must be known to recognise them. */
  get hasUpnEntries(): boolean {
    return this.entries.some((entry) => !isObjectId(entry));
  }

  includes(person: Person): boolean {
    return this.entries.some((entry) => isSamePerson(entry, person));
  }
}

/** Whether an approver entry (object id or UPN) names this person. */
export function isSamePerson(entry: string, person: Person): boolean {
  const wanted = entry.toLowerCase();
  return person.aadObjectId.toLowerCase() === wanted || (person.userPrincipalName ?? '').toLowerCase() === wanted;
}
