import { IN_MEMORY, openSqliteStore } from '../../services/store';
import type { MigrationRequest } from '../../services/domain/request';
import {
  approvalWorld,
  BUSINESS_BASIC_SKU,
  Conversation,
  converse,
  makeUsers,
  seedSubscription,
  subscriptionRow,
  testPricing,
  wizardBot,
  type WizardWorld,
} from './support';

const CONTOSO = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000001', customerName: 'Contoso Ltd', usersOnKaizala: 20 });
const UNREADABLE = "I could not read that card's data, so nothing was changed.";

async function world(): Promise<WizardWorld> {
  const w = approvalWorld(openSqliteStore(IN_MEMORY), { pricing: testPricing() });
  await seedSubscription(w.store, CONTOSO);
  w.directory.set(CONTOSO.tenantId, makeUsers('a', 20), { [BUSINESS_BASIC_SKU]: 10 });
  return w;
}

describe('hostile Action.Submit data in the wizard', () => {
  let w: WizardWorld;
  let alex: Conversation;
  let wizard: string;
  beforeEach(async () => {
    w = await world();
    alex = new Conversation(wizardBot(w, testPricing()));
    await converse(alex, [['migrate Contoso Ltd', ['Choose the new plan']]]);
    wizard = (alex.latestCard()?.actions?.[0] as { data: { wizard: string } }).data.wizard;
  });

  it('gets a clear message for each hostile value, and the wizard goes on from the same step', async () => {
    const plan = { wizard, stage: 'plan', action: 'next' };
    await converse(alex, [
      [{ value: { ...plan, stage: 'approve-everything' } }, [UNREADABLE, '!Which users move?']],
      [{ value: { ...plan, wizard: 42 } }, [UNREADABLE]],
      [{ value: { ...plan, wizard: 'w'.repeat(10_000) } }, [UNREADABLE]],
      [{ value: { ...plan, planId: 'business-basic', note: 'x'.repeat(20_000) } }, [UNREADABLE, '!Which users move?']],
      [{ value: JSON.parse(`{"__proto__": {"planId": "business-basic"}, "wizard": "${wizard}", "stage": "plan", "action": "next"}`) }, [UNREADABLE]],
      [{ value: { ...plan, constructor: { prototype: { planId: 'business-basic' } } } }, [UNREADABLE]],
      [{ value: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field${i}`, i])) }, [UNREADABLE]],
      [{ value: { ...plan, planId: 5 } }, ['Choose one of the listed plans.']],
      [{ value: { ...plan, planId: ['business-basic'] } }, ['Choose one of the listed plans.']],
      [{ value: { ...plan, action: 'approve' } }, ['That card belongs to an earlier step']],
      [{ value: ['not', 'a', 'record'] }, ['Choose one of the listed plans.']],
      [{ value: 'a string', text: 12345 }, ['Choose one of the listed plans.']],
      [{ press: 'Next', with: { planId: 'business-basic' } }, ['Which users move?']],
      [{ press: 'Move all users' }, ['How many seats?']],
      [{ press: 'Next', with: { quantity: { $gt: 0 } } }, ['Please enter a whole number of seats from 20 to 290.']],
      [{ press: 'Next', with: { quantity: Number.MAX_VALUE } }, ['Please enter a whole number of seats from 20 to 290.']],
      [{ press: 'Next', with: { quantity: '24' } }, ['Review the migration', '24 × Microsoft 365 Business Basic']],
      [{ press: 'Request approval' }, ['Approval requested']],
    ]);
    const requests = (await w.store.list<MigrationRequest>('requests')).map((item) => item.value);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ quantity: 24, plan: { planId: 'business-basic' }, status: 'pending' });
    expect(({} as Record<string, unknown>).planId).toBeUndefined();
  });

  it('a Start migration button with hostile ids does not restart the wizard', async () => {
    await converse(alex, [
      [{ value: { command: 'migrate', customerId: '../../requests', subscriptionId: CONTOSO.subscriptionId } }, ['!Contoso Ltd']],
      [{ press: 'Next', with: { planId: 'o365-e1' } }, ['Which users move?']],
    ]);
  });
});
