import { CommandHelp } from '../cards/cards';
import { Locale, StringKey, t } from '../cards/i18n';

/** The text commands the bot understands; the help card is generated from this table. */
export interface CommandSpec {
  readonly id: CommandId;
  /** How the command is typed, shown on the help card. */
  readonly usage: string;
  readonly pattern: RegExp;
  readonly help: StringKey;
}

export type CommandId = 'help';

export const COMMANDS: readonly CommandSpec[] = [
  { id: 'help', usage: 'help', pattern: /^(?:help|hilfe|\?)$/i, help: 'cmdHelp' },
];

export interface ParsedCommand {
  id: CommandId;
  /** The pattern's capture groups, trimmed. */
  args: string[];
}

/** Matches normalized message text against the command table. */
export function parseCommand(text: string): ParsedCommand | undefined {
  const normalized = text.trim().replace(/\s+/g, ' ');
  for (const spec of COMMANDS) {
    const match = spec.pattern.exec(normalized);
    if (match) return { id: spec.id, args: match.slice(1).map((a) => (a ?? '').trim()) };
  }
  return undefined;
}

export function commandHelp(locale: Locale): CommandHelp[] {
  return COMMANDS.map((spec) => ({ command: spec.usage, description: t(locale, spec.help) }));
}
