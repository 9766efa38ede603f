import { ConversationState, MemoryStorage, TestAdapter, type Activity } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { createAlertCommandModule } from '../../dialogs/alertCommands';
import { RootDialog } from '../../dialogs/rootDialog';
import { Assignments } from '../../services/alerts/assignments';
import { AlertPreferences } from '../../services/alerts/preferences';
import { CustomerDirectory } from '../../services/alerts/customerDirectory';
import { openSqliteStore } from '../../services/store/sqliteStore';
import type { Store } from '../../services/store/store';
import { ADELE, MEGAN, TODAY, row, saveRows } from './support';

const CONTOSO = row({ customerName: 'Contoso Ltd', customerDomain: 'contoso.onmicrosoft.com' });
const CONTOSO_BETA = row({ customerName: 'Contoso Beta GmbH' });
const FABRIKAM = row({ customerName: 'Fabrikam Inc' });
const FABRIKAM_SECOND_SUBSCRIPTION = { ...FABRIKAM, subscriptionId: '50000000-0000-4000-8000-fabrikam0002' };
const HOSTILE = row({ customerName: 'Evil [x](http://e) *Corp*' });

/** A conversation as data: what the user says, what the bot answers (string = exact, RegExp = must match). */
type Turn = [says: string, replies: string | RegExp];

/** People the bot can reach, each with their Teams language; what they were told is kept. */
class Inboxes {
  readonly told: { aadObjectId: string; text: string }[] = [];
  constructor(private readonly reachable: Record<string, 'en' | 'de'>) {}
  tellPerson = async (aadObjectId: string, render: (locale: 'en' | 'de') => string) => {
    const locale = this.reachable[aadObjectId];
    if (!locale) return undefined;
    this.told.push({ aadObjectId, text: render(locale) });
    return { conversationKey: aadObjectId, activityId: String(this.told.length) };
  };
}

function conversation(store: Store, locale = 'en-US', inboxes?: Inboxes) {
  const root = new RootDialog([
    createAlertCommandModule({
      assignments: new Assignments(store),
      customers: new CustomerDirectory(store),
      preferences: new AlertPreferences(store),
      tellPerson: inboxes?.tellPerson,
      now: () => TODAY,
    }),
  ]);
  const state = new ConversationState(new MemoryStorage());
  const dialogState = state.createProperty<DialogState>('dialogState');
  const adapter = new TestAdapter(async (context) => {
    await root.run(context, dialogState);
    await state.saveChanges(context);
  });
  const from = { id: '29:megan', name: MEGAN.name, aadObjectId: MEGAN.aadObjectId };
  return async (turns: Turn[]) => {
    let flow = adapter as unknown as ReturnType<TestAdapter['send']>;
    for (const [says, replies] of turns) {
      flow = flow.send({ type: 'message', text: says, from, locale } as Partial<Activity>).assertReply((activity) => {
        if (typeof replies === 'string') expect(activity.text).toBe(replies);
        else expect(activity.text).toMatch(replies);
      });
    }
    await flow;
  };
}

describe('alert commands', () => {
  let store: Store;
  beforeEach(async () => {
    store = openSqliteStore(':memory:');
    await saveRows(store, CONTOSO, CONTOSO_BETA, FABRIKAM, FABRIKAM_SECOND_SUBSCRIPTION, HOSTILE);
  });
  afterEach(async () => {
    await store.close();
  });

  it('assign … to me, by exact name in any case, by id, by domain, or by the start of the name', async () => {
    await conversation(store)([
      ['assign contoso ltd to me', 'You are now the account manager of Contoso Ltd.'],
      ['assign Contoso Ltd to me', 'You already look after Contoso Ltd.'],
      [`assign ${FABRIKAM.customerId} to me`, 'You are now the account manager of Fabrikam Inc.'],
      ['unassign contoso.onmicrosoft.com', 'Contoso Ltd no longer has an account manager; it was Megan Bowen.'],
      ['assign contoso b to me', 'You are now the account manager of Contoso Beta GmbH.'],
    ]);
    expect((await new Assignments(store).get(CONTOSO_BETA.customerId))?.accountManager).toEqual({ aadObjectId: MEGAN.aadObjectId, name: MEGAN.name });
  });

  it('lists the matches when a name is ambiguous, and says so clearly when nothing matches', async () => {
    await conversation(store)([
      ['assign contoso to me', new RegExp(`^"contoso" matches 2 customers: Contoso Beta GmbH · ${CONTOSO_BETA.customerId}; Contoso Ltd · ${CONTOSO.customerId}\\. Type more`)],
      ['assign Northwind to me', 'I know no customer with Kaizala Pro called "Northwind". Try its name, the start of its name, or its id.'],
    ]);
    expect(await new Assignments(store).all()).toEqual([]);
  });

  it('takes a customer over from another account manager, saying from whom, and tells them in their language', async () => {
    await new Assignments(store).set(FABRIKAM.customerId, FABRIKAM.customerName, ADELE, 'csv');
    const inboxes = new Inboxes({ [ADELE.aadObjectId]: 'de' });
    await conversation(store, 'en-US', inboxes)([
      ['assign fabrikam to me', 'You are now the account manager of Fabrikam Inc, instead of Adele Vance. Adele Vance has been told.'],
    ]);
    expect(inboxes.told).toEqual([{ aadObjectId: ADELE.aadObjectId, text: expect.stringMatching(/^Megan Bowen betreut jetzt Fabrikam Inc anstelle von Ihnen/) }]);
  });

  it('says so when the previous account manager cannot be told, and tells nobody when unassigning their own customer', async () => {
    await new Assignments(store).set(FABRIKAM.customerId, FABRIKAM.customerName, ADELE, 'csv');
    const inboxes = new Inboxes({});
    await conversation(store, 'en-US', inboxes)([
      ['assign fabrikam to me', /instead of Adele Vance\. Adele Vance could not be told \(they have not used the bot yet\): please let them know\.$/],
      ['unassign fabrikam', 'Fabrikam Inc no longer has an account manager; it was Megan Bowen.'],
    ]);
    await new Assignments(store).set(CONTOSO.customerId, CONTOSO.customerName, ADELE, 'csv');
    const reachable = new Inboxes({ [ADELE.aadObjectId]: 'en' });
    await conversation(store, 'en-US', reachable)([['unassign contoso ltd', 'Contoso Ltd no longer has an account manager; it was Adele Vance. Adele Vance has been told.']]);
    expect(reachable.told.map((m) => m.text)).toEqual(['Megan Bowen removed you as the account manager of Contoso Ltd: you will no longer get its expiry alerts as its account manager.']);
  });

  it('unassign says when nobody had the customer', async () => {
    await conversation(store)([['unassign fabrikam', 'Fabrikam Inc had no account manager.']]);
  });

  it('my customers lists mine (each customer once), literally', async () => {
    await new Assignments(store).set(CONTOSO_BETA.customerId, CONTOSO_BETA.customerName, ADELE, 'csv');
    await conversation(store)([
      ['my customers', 'You look after no customers yet. Type: assign <customer> to me'],
      ['assign fabrikam to me', /Fabrikam Inc/],
      ['assign evil to me', 'You are now the account manager of Evil [x]\u2060(http:\u2060//e) ∗Corp∗.'],
      ['my customers', `You look after 2 customers:\n- Evil [x]\u2060(http:\u2060//e) ∗Corp∗ · ${HOSTILE.customerId}\n- Fabrikam Inc · ${FABRIKAM.customerId}`],
    ]);
  });

  it('alerts all | mine | off sets the preference; alerts alone tells it (default mine)', async () => {
    const preferences = new AlertPreferences(store);
    await conversation(store)([
      ['alerts', /^Your expiry alerts are set to mine\./],
      ['alerts all', /^You will now get the expiry alerts of every customer/],
      ['ALERTS OFF', /^You will get no expiry alerts\./],
    ]);
    expect(await preferences.mode(MEGAN.aadObjectId)).toBe('off');
    await conversation(store)([['alerts mine', 'You will now get expiry alerts for your own customers only.']]);
    expect(await preferences.mode(MEGAN.aadObjectId)).toBe('mine');
  });

  it('answers in German to a German Teams client', async () => {
    await conversation(store, 'de-DE')([
      ['assign fabrikam to me', 'Sie betreuen jetzt Fabrikam Inc.'],
      ['alerts off', /^Sie erhalten keine Ablaufwarnungen\./],
    ]);
  });
});
