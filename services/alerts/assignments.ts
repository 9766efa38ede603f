import type { Person } from '../domain/people';
import { StoreConflictError, type Store, type StoredItem } from '../store/store';

const TABLE = 'assignments';

/** Who looks after a customer (table `assignments`, key = customer id). */
export interface Assignment {
  customerId: string;
  customerName: string;
  accountManager: Person;
  assignedAt: string;
  /** How it came about: a command, a "Take it" click, or a CSV import. */
  source: 'command' | 'takeIt' | 'csv';
}

export type TakeResult =
  | { outcome: 'taken'; assignment: Assignment }
  | { outcome: 'alreadyYours'; assignment: Assignment }
  | { outcome: 'takenByOther'; assignment: Assignment };

export type SetResult = { outcome: 'assigned' | 'unchanged'; previous?: Person };

/** Customer → account manager, every change compare-and-set so that two clicks or two instances cannot both win. */
export class Assignments {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(customerId: string): Promise<Assignment | undefined> {
    return (await this.store.get<Assignment>(TABLE, customerId))?.value;
  }

  async all(): Promise<Assignment[]> {
    return (await this.store.list<Assignment>(TABLE)).map((item) => item.value);
  }

  async customersOf(aadObjectId: string): Promise<Assignment[]> {
    const wanted = aadObjectId.toLowerCase();
    return (await this.all()).filter((a) => a.accountManager.aadObjectId.toLowerCase() === wanted);
  }

  /** First come, first served: only an unassigned customer can be taken; otherwise says who has it. */
  async take(customerId: string, customerName: string, person: Person): Promise<TakeResult> {
    const assignment = this.assignment(customerId, customerName, person, 'takeIt');
    try {
      await this.store.insert(TABLE, customerId, assignment);
      return { outcome: 'taken', assignment };
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
    }
    const holder = await this.get(customerId);
    // Deleted in between: nobody holds it now, so try once more rather than report a phantom holder.
    if (!holder) return this.take(customerId, customerName, person);
    const mine = holder.accountManager.aadObjectId.toLowerCase() === person.aadObjectId.toLowerCase();
    return { outcome: mine ? 'alreadyYours' : 'takenByOther', assignment: holder };
  }

  /** Sets the account manager whoever had the customer before (an explicit command or an import). */
  async set(customerId: string, customerName: string, person: Person, source: Assignment['source']): Promise<SetResult> {
    for (;;) {
      const current = await this.store.get<Assignment>(TABLE, customerId);
      if (current && sameManager(current, person) && current.value.customerName === customerName) return { outcome: 'unchanged' };
      const next = this.assignment(customerId, customerName, person, source);
      try {
        if (current) await this.store.replace(TABLE, customerId, next, current.version);
        else await this.store.insert(TABLE, customerId, next);
        const previous = current && !sameManager(current, person) ? current.value.accountManager : undefined;
        return { outcome: 'assigned', previous };
      } catch (error) {
        if (!(error instanceof StoreConflictError)) throw error;
      }
    }
  }

  /** Removes the assignment; returns who had it, or undefined if nobody did. */
  async remove(customerId: string): Promise<Person | undefined> {
    for (;;) {
      const current = await this.store.get<Assignment>(TABLE, customerId);
      if (!current) return undefined;
      try {
        await this.store.delete(TABLE, customerId, current.version);
        return current.value.accountManager;
      } catch (error) {
        if (!(error instanceof StoreConflictError)) throw error;
      }
    }
  }

  private assignment(customerId: string, customerName: string, person: Person, source: Assignment['source']): Assignment {
    return { customerId, customerName, accountManager: person, assignedAt: this.now().toISOString(), source };
  }
}

function sameManager(current: StoredItem<Assignment>, person: Person): boolean {
  return current.value.accountManager.aadObjectId.toLowerCase() === person.aadObjectId.toLowerCase();
}
