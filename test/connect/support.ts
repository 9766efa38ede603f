import { ConversationState, TestAdapter, type ConversationReference } from 'botbuilder';
import { createConnectionHandlers } from '../../bot/connectionHandlers';
import { ConversationRecorder } from '../../bot/proactive/conversationRecorder';
import { ConversationReferences } from '../../bot/proactive/conversationReferences';
import { StoreBackedStorage } from '../../bot/storeBackedStorage';
import { KaizalaBot } from '../../bot/teamsBot';
import { connectCommandsModule, type SignInDeps } from '../../dialogs/connectCommands';
import type { ConversationNotifier } from '../../dialogs/expiringCommands';
import { RootDialog } from '../../dialogs/rootDialog';
import type { PeopleDirectory } from '../../services/approvals/ports';
import { PartnerAdmins } from '../../services/auth/connectionAlerts';
import type { DeviceCodeChallenge, PartnerConnection, PartnerConnectionStatus } from '../../services/auth/partnerConnection';
import { BackgroundWork } from '../../services/background';
import { silentLogger } from '../../services/logging';
import { IN_MEMORY, openSqliteStore } from '../../services/store/sqliteStore';
import type { Store } from '../../services/store/store';

export const DAY_MS = 24 * 60 * 60_000;
/** The test's "now": 2026-12-03 12:00 UTC. */
export const T0 = Date.UTC(2026, 11, 3, 12, 0, 0);

/** A PartnerConnection whose state the test sets, whose sign-ins the test finishes, and whose changes it emits. */
export class FakePartnerConnection implements PartnerConnection {
  current: PartnerConnectionStatus = { state: 'notConnected', mfa: false };
  readonly signIns: { challenge: DeviceCodeChallenge; finish(status: PartnerConnectionStatus): void; fail(error: Error): void }[] = [];
  /** Set to make connect() itself fail (the identity endpoint unreachable). */
  connectError?: Error;
  private readonly listeners = new Set<(status: PartnerConnectionStatus) => void>();

  constructor(private readonly now: () => number = () => T0) {}

  async status(): Promise<PartnerConnectionStatus> {
    return this.current;
  }

  async connect(): Promise<{ challenge: DeviceCodeChallenge; done: Promise<PartnerConnectionStatus> }> {
    if (this.connectError) throw this.connectError;
    const number = this.signIns.length + 1;
    const challenge: DeviceCodeChallenge = {
      userCode: `CODE-${number}${number}${number}`,
      verificationUri: 'https://microsoft.com/devicelogin',
      message: `To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code CODE-${number}${number}${number} to authenticate.`,
      expiresAt: this.now() + 15 * 60_000,
    };
    let finish!: (status: PartnerConnectionStatus) => void;
    let fail!: (error: Error) => void;
    const done = new Promise<PartnerConnectionStatus>((resolve, reject) => {
      finish = (status) => {
        this.current = status;
        resolve(status);
        this.emit(status);
      };
      fail = reject;
    });
    this.signIns.push({ challenge, finish, fail });
    return { challenge, done };
  }

  onChange(listener: (status: PartnerConnectionStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What the real connection does after each redemption. */
  emit(status: PartnerConnectionStatus): void {
    this.current = status;
    for (const listener of this.listeners) listener(status);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}

/** People the bot knows by UPN (what the conversation recorder learns from Teams). */
export class FakePeople implements PeopleDirectory {
  readonly upns = new Map<string, string>();

  async userPrincipalNameOf(aadObjectId: string): Promise<string | undefined> {
    return this.upns.get(aadObjectId.toLowerCase());
  }

  async objectIdOf(userPrincipalName: string): Promise<string | undefined> {
    for (const [id, upn] of this.upns) if (upn.toLowerCase() === userPrincipalName.toLowerCase()) return id;
    return undefined;
  }
}

/** Proactive texts sent into a conversation (the sign-in confirmation), with the conversation they went to. */
export class FakeConversationNotifier implements ConversationNotifier {
  readonly sent: { conversationId: string | undefined; text: string }[] = [];

  async send(reference: Partial<ConversationReference>, text: string): Promise<void> {
    this.sent.push({ conversationId: reference.conversation?.id, text });
  }
}

export interface ConnectWorld {
  store: Store;
  connection: FakePartnerConnection;
  people: FakePeople;
  admins: PartnerAdmins;
  notifier: FakeConversationNotifier;
  background: BackgroundWork;
  deps: SignInDeps;
  adapter: TestAdapter;
  /** Waits until a finished sign-in's confirmation has been sent. */
  settle(): Promise<void>;
}

/** The real bot (thin handler, root dialog, the connect commands and the Reconnect handler) with fakes at its edges. */
export function connectWorld(adminEntries: readonly string[]): ConnectWorld {
  const store = openSqliteStore(IN_MEMORY);
  const connection = new FakePartnerConnection();
  const people = new FakePeople();
  const admins = new PartnerAdmins(adminEntries, people);
  const notifier = new FakeConversationNotifier();
  const background = new BackgroundWork(silentLogger);
  const deps: SignInDeps = { connection, admins, notifier, background, logger: silentLogger, now: () => T0 };
  const bot = new KaizalaBot({
    conversationState: new ConversationState(new StoreBackedStorage(store)),
    rootDialog: new RootDialog([connectCommandsModule(deps)]),
    invokeHandlers: createConnectionHandlers(deps),
    conversationRecorder: new ConversationRecorder(new ConversationReferences(store), silentLogger, async () => undefined),
    store,
    logger: silentLogger,
    localMode: true,
    allowedTenantIds: [],
  });
  const adapter = new TestAdapter((context) => bot.run(context));
  const settle = async () => {
    // The confirmation is queued when `done` settles (a promise callback), then sent as background work.
    await new Promise((resolve) => setImmediate(resolve));
    await background.idle();
  };
  return { store, connection, people, admins, notifier, background, deps, adapter, settle };
}

/** A connected partner admin's status: signed in `daysAgo` days before T0 and not redeemed since. */
export function connectedStatus(daysAgo: number, overrides: Partial<PartnerConnectionStatus> = {}): PartnerConnectionStatus {
  const issued = T0 - daysAgo * DAY_MS;
  return { state: 'connected', userPrincipalName: 'pc.admin@partner.example', mfa: true, tokenIssuedAt: issued, lastRedeemedAt: issued, ...overrides };
}

/** Action.Execute verbs (and OpenUrl targets) of a rendered card. */
export function actionsOf(card: unknown): { type: string; title: string; verb?: string; url?: string; data?: unknown }[] {
  const actions = (card as { actions?: { type: string; title: string; verb?: string; url?: string; data?: unknown }[] }).actions;
  return actions ?? [];
}
