import { CardDataMap } from './cards';

/** Realistic sample data for every card: used by the card tests and `npm run cards:render`. */
export const CARD_SAMPLES: { [K in keyof CardDataMap]: CardDataMap[K] } = {
  welcome: {
    localMode: true,
    commands: [
      { command: 'help', description: 'List the commands' },
    ],
  },
  help: {
    commands: [
      { command: 'help', description: 'List the commands' },
    ],
  },
};
