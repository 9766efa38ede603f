import type { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { t, toLocale, type Locale } from '../cards/i18n';
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
  now?: () => Date;
}

const COMMANDS: readonly CommandSpec[] = [
  { id: 'assignToMe', usage: 'assign <customer> to me', pattern: /^assign (.+) to me$/i, help: 'cmdAssignToMe' },
  { id: 'unassign', usage: 'unassign <customer>', pattern: /^unassign (.+)$/i, help: 'cmdUnassign' },
  { id: 'myCustomers', usage: 'my customers', pattern: /^my customers$/i, help: 'cmdMyCustomers' },
  { id: 'alerts', usage: 'alerts all | mine | off', pattern: /^alerts(?: (all|mine|off))?$/i, help: 'cmdAlerts' },
];

/** Shown when a name matches several customers; more would not help the reader. */
const MAX_MATCHES_LISTED = 10;

/** Who looks after which customer, and which expiry alerts each person gets. Replies are plain sentences. */
export function createAlertCommandModule(deps: AlertCommandDeps): CommandModule {
  const now = deps.now ?? (() => new Date());

  const handlers: Record<string, (args: string[], actor: Person, locale: Locale) => Promise<string>> = {
    assignToMe: async ([query], actor, locale) => {
      const customer = await resolveOrExplain(deps.customers, query, locale);
      if (typeof customer === 'string') return customer;
      const result = await deps.assignments.set(customer.customerId, customer.customerName, actor, 'command');
      const name = inert(customer.customerName, TEXT_CAPS.name);
      if (result.outcome === 'unchanged') return t(locale, 'assignAlreadyYours', { customer: name });
      return result.previous
        ? t(locale, 'assignDoneReplacing', { customer: name, previous: inert(displayName(result.previous), TEXT_CAPS.name) })
        : t(locale, 'assignDone', { customer: name });
    },

    unassign: async ([query], _actor, locale) => {
      const customer = await resolveOrExplain(deps.customers, query, locale);
      if (typeof customer === 'string') return customer;
      const previous = await deps.assignments.remove(customer.customerId);
      const name = inert(customer.customerName, TEXT_CAPS.name);
      return previous
        ? t(locale, 'unassignDone', { customer: name, previous: inert(displayName(previous), TEXT_CAPS.name) })
        : t(locale, 'unassignNobody', { customer: name });
    },

    myCustomers: async (_args, actor, locale) => {
      const mine = (await deps.assignments.customersOf(actor.aadObjectId)).sort((a, b) => a.customerName.localeCompare(b.customerName));
      if (mine.length === 0) return t(locale, 'myCustomersNone');
      const lines = mine.map((a) => `- ${inert(a.customerName, TEXT_CAPS.name)} · ${a.customerId}`);
      return [t(locale, 'myCustomersList', { count: mine.length }), ...lines].join('\n');
    },

    alerts: async ([mode], actor, locale) => {
      if (!mode) return t(locale, 'alertsModeCurrent', { mode: await deps.preferences.mode(actor.aadObjectId) });
      const chosen = mode.toLowerCase() as AlertMode;
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
        ? await handlers[commandId](args, { aadObjectId, name: activity.from.name ?? '' }, locale)
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
