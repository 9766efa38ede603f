import { randomUUID } from 'node:crypto';

export const TENANT_ID = '00000000-0000-0000-0000-0000000000a1';
export const BOT_ID = '28:kaizala-bot';

export interface TeamsUser {
  id: string;
  aadObjectId: string;
  name: string;
}

export const ALEX: TeamsUser = { id: '29:alex', aadObjectId: '00000000-0000-0000-0000-000000000020', name: 'Alex Wilber' };

export interface ActivityOptions {
  serviceUrl: string;
  user?: TeamsUser;
  conversationId?: string;
  locale?: string;
  tenantId?: string;
}

/** The fields Teams puts on every activity of a personal chat. */
function base(options: ActivityOptions) {
  const user = options.user ?? ALEX;
  const tenantId = options.tenantId ?? TENANT_ID;
  return {
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    serviceUrl: options.serviceUrl,
    channelId: 'msteams',
    from: { id: user.id, aadObjectId: user.aadObjectId, name: user.name },
    conversation: { id: options.conversationId ?? `a:personal-${user.id}`, conversationType: 'personal', tenantId },
    recipient: { id: BOT_ID, name: 'Kaizala Migration Assistant' },
    locale: options.locale ?? 'en-US',
    channelData: { tenant: { id: tenantId } },
  };
}

export function messageActivity(text: string, options: ActivityOptions, value?: Record<string, unknown>) {
  return { ...base(options), type: 'message', text, ...(value ? { value } : {}) };
}

export function botAddedActivity(options: ActivityOptions) {
  return { ...base(options), type: 'conversationUpdate', membersAdded: [{ id: BOT_ID }], channelData: { ...base(options).channelData, eventType: 'teamMemberAdded' } };
}

export function installationAddActivity(options: ActivityOptions) {
  return { ...base(options), type: 'installationUpdate', action: 'add' };
}

/** Posts an activity to the bot's real /api/messages endpoint. */
export async function postActivity(botUrl: string, activity: object): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${botUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(activity),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** An `Action.Execute` click as Teams sends it: an invoke named adaptiveCard/action. */
export function executeActivity(verb: unknown, data: unknown, options: ActivityOptions) {
  return {
    ...base(options),
    type: 'invoke',
    name: 'adaptiveCard/action',
    value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
  };
}
