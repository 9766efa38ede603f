import { randomUUID } from 'node:crypto';
import { TurnContext, type ConversationReference } from 'botbuilder';
import type { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import type { ConnectChallengeCardData, ConnectStatusCardData } from '../cards/cards';
import { t, toLocale, type Locale, type StringKey } from '../cards/i18n';
import {
  daysWithoutRedemption,
  startAdminSignIn,
  type ConnectionAlert,
  type PartnerAdmins,
  type SignInStart,
} from '../services/auth/connectionAlerts';
import type { DeviceCodeChallenge, PartnerConnection, PartnerConnectionStatus } from '../services/auth/partnerConnection';
import type { BackgroundRunner } from '../services/background';
import type { Person } from '../services/domain/people';
import type { Logger } from '../services/logging';
import type { CommandModule, CommandSpec } from './commands';
import type { ConversationNotifier } from './expiringCommands';
import { cardActivity } from './migrationWizard';
import { formatDateTime } from './migrationWizardCards';

/** What starting a sign-in and confirming it later needs; shared by the command and the Reconnect button. */
export interface SignInDeps {
  connection: Pick<PartnerConnection, 'connect' | 'status'>;
  admins: PartnerAdmins;
  /** Sends the confirmation into the conversation the sign-in was started from, once `done` settles. */
  notifier: ConversationNotifier;
  background: BackgroundRunner;
  logger: Logger;
  now?: () => number;
}

export const CONNECT_COMMAND: CommandSpec = {
  id: 'connect',
  usage: 'connect partner center',
  usageDe: 'partner center verbinden',
  pattern: /^(?:connect partner cent(?:er|re)|partner center verbinden|partner-center verbinden)$/i,
  help: 'cmdConnect',
};

export const STATUS_COMMAND: CommandSpec = {
  id: 'status',
  usage: 'status',
  usageDe: 'zustand',
  pattern: /^(?:status|zustand)$/i,
  help: 'cmdStatus',
};

/** What a sign-in attempt leads to in the chat: the code card, or the sentence saying why there is none. */
export type SignInReply = { kind: 'card'; card: ConnectChallengeCardData } | { kind: 'refused' | 'failed'; text: string };

/**
 * Starts a device-code sign-in for `actor` if they are an admin, and arranges the confirmation (sent to `reference`
 * when the sign-in completes, fails or expires). Never throws: a sign-in that cannot start is a sentence with a
 * logged reference.
 */
export async function beginSignIn(deps: SignInDeps, actor: Person, reference: Partial<ConversationReference>, locale: Locale): Promise<SignInReply> {
  const now = deps.now ?? (() => Date.now());
  let started: SignInStart;
  try {
    started = await startAdminSignIn(deps, actor);
  } catch (error) {
    const errorReference = randomUUID().slice(0, 8);
    const reason = error instanceof Error ? error.message : String(error);
    deps.logger.error('Partner Center sign-in could not start', { reference: errorReference, error: reason });
    return { kind: 'failed', text: t(locale, 'connStartFailed', { reason, reference: errorReference }) };
  }
  if (started.kind === 'notAdmin') return { kind: 'refused', text: t(locale, 'connNotAdmin') };
  const confirm = (text: string) => deps.background.run('partner sign-in confirmation', () => deps.notifier.send(reference, text));
  // The admin may take the code's whole lifetime (about 15 minutes): that wait holds nothing up, not even shutdown.
  // Only the confirmation, once there is one, is background work. Neither handler throws.
  void started.done.then(
    (status) => confirm(signInOutcomeText(status, locale)),
    (error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      deps.logger.warn('Partner Center sign-in did not complete', { error: reason });
      confirm(t(locale, 'connNotCompleted', { reason }));
    },
  );
  return { kind: 'card', card: challengeCardData(started.challenge, locale, now()) };
}

/** The sentence that closes a sign-in: connected as whom with or without MFA, or why not and what to do. */
export function signInOutcomeText(status: PartnerConnectionStatus, locale: Locale): string {
  if (status.state === 'connected') {
    const user = status.userPrincipalName ?? t(locale, 'connUnknown');
    return t(locale, status.mfa ? 'connConnected' : 'connConnectedNoMfa', { user });
  }
  return status.lastFailure ? t(locale, 'connNotCompleted', { reason: status.lastFailure.reason }) : t(locale, 'connNotCompletedNoReason');
}

export function challengeCardData(challenge: DeviceCodeChallenge, locale: Locale, now: number): ConnectChallengeCardData {
  const minutes = Math.max(0, Math.round((challenge.expiresAt - now) / 60_000));
  return {
    userCode: challenge.userCode,
    verificationUrl: challenge.verificationUri,
    verificationText: challenge.verificationUri,
    expiresText: t(locale, 'connChallengeExpiresAt', { time: `${new Date(challenge.expiresAt).toISOString().slice(11, 16)} UTC`, minutes }),
  };
}

const STATE_WORDS: Record<PartnerConnectionStatus['state'], StringKey> = {
  connected: 'connStateConnected',
  notConnected: 'connStateNotConnected',
  failing: 'connStateFailing',
  expired: 'connStateExpired',
};

/** The status card's facts and advice; `intro` and `title` are the caller's (status command or an alert). */
export function statusCardData(
  status: PartnerConnectionStatus,
  locale: Locale,
  now: number,
  options: { canReconnect: boolean; title?: string; intro?: string },
): ConnectStatusCardData {
  const at = (epochMs: number) => formatDateTime(new Date(epochMs).toISOString());
  const days = status.state === 'notConnected' ? undefined : daysWithoutRedemption(status, now);
  const tokenAge = status.tokenIssuedAt !== undefined ? Math.max(0, Math.floor((now - status.tokenIssuedAt) / 86_400_000)) : undefined;
  const facts = [
    { title: t(locale, 'connFactState'), value: t(locale, STATE_WORDS[status.state]) },
    { title: t(locale, 'connFactUser'), value: status.userPrincipalName ?? t(locale, 'connNone') },
    { title: t(locale, 'connFactMfa'), value: t(locale, status.mfa ? 'connMfaYes' : 'connMfaNo') },
    { title: t(locale, 'connFactTokenAge'), value: tokenAge !== undefined ? t(locale, 'connDays', { days: tokenAge }) : t(locale, 'connUnknown') },
    { title: t(locale, 'connFactLastRedeemed'), value: status.lastRedeemedAt !== undefined ? at(status.lastRedeemedAt) : t(locale, 'connNever') },
    {
      title: t(locale, 'connFactLastFailure'),
      value: status.lastFailure ? t(locale, 'connFailureAt', { time: at(status.lastFailure.at), reason: status.lastFailure.reason }) : t(locale, 'connNone'),
    },
  ];
  return {
    title: options.title ?? t(locale, 'connStatusTitle'),
    // Readable on white (cards/format.ts): fine is accent, needs attention soon is default, broken is attention.
    color: status.state === 'connected' ? (status.mfa && (days ?? 0) < 60 ? 'accent' : 'default') : 'attention',
    intro: options.intro ?? '',
    facts,
    advice: t(locale, adviceOf(status, days)),
    canReconnect: options.canReconnect,
  };
}

function adviceOf(status: PartnerConnectionStatus, days: number | undefined): StringKey {
  if (status.state === 'notConnected') return 'connAdviceNotConnected';
  if (status.state !== 'connected') return 'connAdviceReconnect';
  if (!status.mfa) return 'connAdviceNoMfa';
  return (days ?? 0) >= 60 ? 'connAdviceAgeing' : 'connAdviceOk';
}

/** An admin's unprompted card: the status card headed by what happened, always with Reconnect. */
export function alertCardData(alert: ConnectionAlert, locale: Locale, now: number): ConnectStatusCardData {
  if (alert.kind === 'ageing') {
    const days = alert.daysWithoutRedemption;
    return statusCardData(alert.status, locale, now, {
      canReconnect: true,
      title: t(locale, 'connAlertAgeingTitle', { days }),
      intro: t(locale, 'connAlertAgeingIntro', { days }),
    });
  }
  return statusCardData(alert.status, locale, now, { canReconnect: true, title: t(locale, 'connAlertFailingTitle'), intro: t(locale, 'connAlertFailingIntro') });
}

/** `connect partner center` (admins: the device code card, then a confirmation) and `status` (anyone). */
export function connectCommandsModule(deps: SignInDeps): CommandModule {
  const now = deps.now ?? (() => Date.now());
  return {
    commands: [CONNECT_COMMAND, STATUS_COMMAND],
    async handle(commandId: string, _args: string[], step: WaterfallStepContext): Promise<DialogTurnResult> {
      const context = step.context;
      const locale = toLocale(context.activity.locale);
      const from = context.activity.from;
      if (!from?.aadObjectId) {
        await context.sendActivity(t(locale, 'unknownUser'));
        return step.endDialog();
      }
      const actor: Person = { aadObjectId: from.aadObjectId, name: from.name ?? '' };
      if (commandId === STATUS_COMMAND.id) {
        const status = await deps.connection.status();
        const canReconnect = await deps.admins.includes(actor);
        await context.sendActivity(cardActivity('connectStatus', statusCardData(status, locale, now(), { canReconnect }), locale));
        return step.endDialog();
      }
      const reply = await beginSignIn(deps, actor, TurnContext.getConversationReference(context.activity), locale);
      await context.sendActivity(reply.kind === 'card' ? cardActivity('connectChallenge', reply.card, locale) : reply.text);
      return step.endDialog();
    },
  };
}
