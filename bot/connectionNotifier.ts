import { renderCard } from '../cards/cards';
import { alertCardData } from '../dialogs/connectCommands';
import type { ConnectionAlert, ConnectionAlertNotifier } from '../services/auth/connectionAlerts';
import type { ProactiveMessenger } from './proactive/messenger';

/** The connection alerts' port on the proactive messenger: the status card with Reconnect, in the admin's language. */
export class TeamsConnectionNotifier implements ConnectionAlertNotifier {
  constructor(
    private readonly messenger: ProactiveMessenger,
    private readonly now: () => number = () => Date.now(),
  ) {}

  async sendConnectionAlert(aadObjectId: string, alert: ConnectionAlert): Promise<boolean> {
    const at = this.now();
    const sent = await this.messenger.sendToPerson(aadObjectId, (locale) => renderCard('connectStatus', alertCardData(alert, locale, at), locale));
    return sent !== undefined;
  }
}
