import { Locale } from './i18n';
import { AdaptiveCard, expandTemplate } from './render';
import welcomeTemplate from './welcome.json';
import helpTemplate from './help.json';

/** One line of the command list shown on the welcome and help cards. */
export interface CommandHelp {
  command: string;
  description: string;
}

export interface WelcomeCardData {
  localMode: boolean;
  commands: CommandHelp[];
}

export interface HelpCardData {
  commands: CommandHelp[];
}

/** Each card's typed data; the key is the template's file name in `cards/`. */
export interface CardDataMap {
  welcome: WelcomeCardData;
  help: HelpCardData;
}
export type CardName = keyof CardDataMap;

const TEMPLATES: Record<CardName, object> = {
  welcome: welcomeTemplate,
  help: helpTemplate,
};

export const CARD_NAMES = Object.keys(TEMPLATES) as CardName[];

/** The one render function: a card template expanded with its typed data in the reader's language. */
export function renderCard<K extends CardName>(name: K, data: CardDataMap[K], locale: Locale): AdaptiveCard {
  return expandTemplate(TEMPLATES[name], data, locale);
}
