import type { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { t, toLocale, type Locale, type StringKey } from '../cards/i18n';
import { plural } from '../cards/format';
import { inert, TEXT_CAPS } from '../cards/literal';
import type { Assignments } from '../services/alerts/assignments';
import type { CustomerDirectory, KnownCustomer } from '../services/alerts/customerDirectory';
import { type AlertMode, type AlertPreferences } from '../services/alerts/preferences';
import type { Person } from '../services/domain/people';
import type { CommandModule, CommandSpec } from './commands';

export interface AlertCommandDeps {
  assignments: Assignments;
  customers: CustomerDirectory;
  preferences: AlertPreferences;
  /**
   * Tells someone other than the actor, in their own language, that a customer was taken from them or unassigned
   * (the proactive messenger's `sendToPerson`); resolves undefined when they cannot be reached (never used the bot).
   */
  tellPerson?: (aadObjectId: string, render: (locale: Locale) => string) => Promise<unknown>;
  now?: () => Date;
}

const COMMANDS: readonly CommandSpec[] = [
  // German forms beside the English ones; the handler takes the one capture group that matched.
  {
    id: 'assignToMe',
    usage: 'assign <customer> to me',
    usageDe: '<Kunde> mir zuweisen',
    pattern: /^(?:assign (.+) to me|(.+) mir zuweisen)$/i,
    help: 'cmdAssignToMe',
  },
  { id: 'unassign', usage: 'unassign <customer>', usageDe: 'austragen <Kunde>', pattern: /^(?:unassign|austragen) (.+)$/i, help: 'cmdUnassign' },
  { id: 'myCustomers', usage: 'my customers', usageDe: 'meine Kunden', pattern: /^(?:my customers|meine kunden)$/i, help: 'cmdMyCustomers' },
  {
    id: 'alerts',
    usage: 'alerts all | mine | off',
    usageDe: 'warnungen alle | meine | aus',
    pattern: /^(?:alerts|warnungen)(?: (all|mine|off|alle|meine|aus))?$/i,
    help: 'cmdAlerts',
  },
];

/** The German mode words, as typed and as said back. */
const MODE_OF_WORD: Readonly<Record<string, AlertMode>> = { all: 'all', mine: 'mine', off: 'off', alle: 'all', meine: 'mine', aus: 'off' };
const MODE_WORDS: Readonly<Record<AlertMode, StringKey>> = { all: 'alertsWordAll', mine: 'alertsWordMine', off: 'alertsWordOff' };

/** Shown when a name matches several customers; more would not help the reader. */
const MAX_MATCHES_LISTED = 10;

/** Who looks after which customer, and which expiry alerts each person gets. Replies are plain sentences. */
export function createAlertCommandModule(deps: AlertCommandDeps): CommandModule {
  const now = deps.now ?? (() => new Date());

  /** True when the person was told; a person who never used the bot, or Teams failing, must not fail the command. */
  const tell = async (person: Person, render: (locale: Locale) => string): Promise<boolean> => {
    if (!deps.tellPerson) return false;
    try {
      return (await deps.tellPerson(person.aadObjectId, render)) !== undefined;
    } catch {
      return false;
    }
  };

  const handlers: Record<string, (args: string[], actor: Person, locale: Locale) => Promise<string>> = {
    assignToMe: async ([query], actor, locale) => {
      const customer = await resolveOrExplain(deps.customers, query, locale);
      if (typeof customer === 'string') return customer;
      const result = await deps.assignments.set(customer.customerId, customer.customerName, actor, 'command');
      const name = inert(customer.customerName, TEXT_CAPS.name);
      if (result.outcome === 'unchanged') return t(locale, 'assignAlreadyYours', { customer: name });
      if (!result.previous) return t(locale, 'assignDone', { customer: name });
      const previous = inert(displayName(result.previous), TEXT_CAPS.name);
      const told = await tell(result.previous, (theirs) => t(theirs, 'assignTakenFromYou', { customer: name, by: inert(displayName(actor), TEXT_CAPS.name) }));
      return `${t(locale, 'assignDoneReplacing', { customer: name, previous })} ${t(locale, told ? 'previousManagerTold' : 'previousManagerNotTold', { previous })}`;
    },

    unassign: async ([query], actor, locale) => {
      const customer = await resolveOrExplain(deps.customers, query, locale);
      if (typeof customer === 'string') return customer;
      const previous = await deps.assignments.remove(customer.customerId);
      const name = inert(customer.customerName, TEXT_CAPS.name);
      if (!previous) return t(locale, 'unassignNobody', { customer: name });
      const previousName = inert(displayName(previous), TEXT_CAPS.name);
      const done = t(locale, 'unassignDone', { customer: name, previous: previousName });
      if (isSamePerson(previous, actor)) return done;
      const told = await tell(previous, (theirs) => t(theirs, 'unassignedFromYou', { customer: name, by: inert(displayName(actor), TEXT_CAPS.name) }));
      return `${done} ${t(locale, told ? 'previousManagerTold' : 'previousManagerNotTold', { previous: previousName })}`;
    },

    myCustomers: async (_args, actor, locale) => {
      const mine = (await deps.assignments.customersOf(actor.aadObjectId)).sort((a, b) => a.customerName.localeCompare(b.customerName));
      if (mine.length === 0) return t(locale, 'myCustomersNone');
      const lines = mine.map((a) => `- ${inert(a.customerName, TEXT_CAPS.name)} · ${a.customerId}`);
      return [plural(locale, 'myCustomersList', mine.length), ...lines].join('\n');
    },

    alerts: async ([mode], actor, locale) => {
      if (!mode) return t(locale, 'alertsModeCurrent', { mode: t(locale, MODE_WORDS[await deps.preferences.mode(actor.aadObjectId)]) });
      const chosen = MODE_OF_WORD[mode.toLowerCase()] ?? 'mine';
      await deps.preferences.setMode(actor, chosen, now());
      return t(locale, chosen === 'all' ? 'alertsModeAll' : chosen === 'mine' ? 'alertsModeMine' : 'alertsModeOff');
    },
  };

  return {
    commands: COMMANDS,
    async handle(commandId: string, args: string[], step: WaterfallStepContext): Promise<DialogTurnResult> {
      const activity = step.context.activity;
      const locale = toLocale(activity.locale);
      const aadObjectId = activity.from?.aadObjectId;
      const reply = aadObjectId
        ? await handlers[commandId](
            args.filter((arg) => arg !== ''),
            { aadObjectId, name: activity.from.name ?? '' },
            locale,
          )
        : t(locale, 'unknownUser');
      await step.context.sendActivity(reply);
      return step.endDialog();
    },
  };
}

/** The customer, or the sentence explaining why there is none (unknown, or which ones match). */
async function resolveOrExplain(customers: CustomerDirectory, query: string, locale: Locale): Promise<KnownCustomer | string> {
  const match = await customers.resolve(query);
  const shownQuery = inert(query, TEXT_CAPS.name);
  if (match.kind === 'found') return match.customer;
  if (match.kind === 'unknown') return t(locale, 'customerUnknown', { query: shownQuery });
  const listed = match.matches.slice(0, MAX_MATCHES_LISTED).map((c) => `${inert(c.customerName, TEXT_CAPS.name)} · ${c.customerId}`);
  if (match.matches.length > MAX_MATCHES_LISTED) listed.push('…');
  return t(locale, 'customerAmbiguous', { query: shownQuery, count: match.matches.length, matches: listed.join('; ') });
}

function displayName(person: Person): string {
  return person.name || person.userPrincipalName || person.aadObjectId;
}

function isSamePerson(a: Person, b: Person): boolean {
  return a.aadObjectId.toLowerCase() === b.aadObjectId.toLowerCase();
}
