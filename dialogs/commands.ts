import { Dialog, DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { CommandHelp } from '../cards/cards';
import { Locale, StringKey, t } from '../cards/i18n';

/** One text command: how it is typed, how it is recognised, and its line on the help card. */
export interface CommandSpec {
  readonly id: string;
  /** How the command is typed, shown on the help card. */
  readonly usage: string;
  /** How the command is typed in German, for the German help card (the pattern accepts both); default `usage`. */
  readonly usageDe?: string;
  /** Matched against the trimmed text with single spaces; capture groups become the handler's args. */
  readonly pattern: RegExp;
  readonly help: StringKey;
}

/**
 * A feature's commands. The root dialog matches the text, then calls `handle` from inside its waterfall step,
 * so a handler can answer directly or begin one of its `dialogs` (which the root dialog registers).
 */
export interface CommandModule {
  readonly commands: readonly CommandSpec[];
  readonly dialogs?: readonly Dialog[];
  handle(commandId: string, args: string[], step: WaterfallStepContext): Promise<DialogTurnResult>;
}

export interface ParsedCommand {
  spec: CommandSpec;
  module: CommandModule;
  /** The pattern's capture groups, trimmed. */
  args: string[];
}

/** Matches message text against every module's commands, in order. */
export function parseCommand(modules: readonly CommandModule[], text: string): ParsedCommand | undefined {
  const normalized = text.trim().replace(/\s+/g, ' ');
  for (const module of modules) {
    for (const spec of module.commands) {
      const match = spec.pattern.exec(normalized);
      if (match) return { spec, module, args: match.slice(1).map((a) => (a ?? '').trim()) };
    }
  }
  return undefined;
}

export function commandHelp(modules: readonly CommandModule[], locale: Locale): CommandHelp[] {
  return modules.flatMap((m) => m.commands.map((spec) => ({ command: locale === 'de' ? (spec.usageDe ?? spec.usage) : spec.usage, description: t(locale, spec.help) })));
}
