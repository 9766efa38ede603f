import { approverObjectIds, requestCardFor, TeamsApprovalNotifier } from '../../bot/approvalNotifier';
import { Approvers } from '../../services/approvals';
import type { MigrationRequest } from '../../services/domain/request';
import { ADELE, ALEX, cardText, FakeMessenger, MEGAN } from '../wizard/support';

const REQUEST: MigrationRequest = {
  id: 'MR-7K2Q9XW4PD',
  version: 1,
  status: 'pending',
  customerId: 'c0000000-0000-4000-8000-000000000001',
  customerName: 'Contoso Ltd',
  tenantId: 'c0000000-0000-4000-8000-000000000001',
  kaizalaSubscriptionId: 'b9a3f0c2-61d4-4c55-8a0e-2f4d9c7e1a36',
  kaizalaSkuId: '00000000-0000-4000-8000-00000000c0de',
  commitmentEndDate: '2026-06-30T00:00:00Z',
  plan: { planId: 'o365-e1', title: 'Office 365 E1', skuId: '18181a46-0d4e-45cd-891e-60aabd171b4e', family: 'enterprise' },
  quantity: 1200,
  userIds: Array.from({ length: 25 }, (_, i) => `u${i}`),
  usersPreview: Array.from({ length: 20 }, (_, i) => ({ displayName: `User ${i}`, userPrincipalName: `user${i}@contoso.example` })),
  monthlyCost: { amount: 12000, currency: 'EUR' },
  requester: { aadObjectId: ALEX.aadObjectId, name: ALEX.name },
  requesterLocale: 'en-US',
  createdAt: '2026-05-21T09:00:00.000Z',
  expiresAt: '2026-05-28T09:00:00.000Z',
};

describe('TeamsApprovalNotifier', () => {
  const approvers = new Approvers([MEGAN.aadObjectId, 'adele@partner.example', ALEX.aadObjectId]);
  const people = { findByUserPrincipalName: async (upn: string) => (upn === 'adele@partner.example' ? { aadObjectId: ADELE.aadObjectId } : undefined) };

  it('sends to approvers by object id or by a UPN the bot has learnt, and says when it cannot', async () => {
    const messenger = new FakeMessenger();
    const notifier = new TeamsApprovalNotifier(messenger, approvers, people);
    expect(await notifier.sendApprovalRequest(MEGAN.aadObjectId, REQUEST)).toEqual({ aadObjectId: MEGAN.aadObjectId, message: expect.any(Object) });
    expect(await notifier.sendApprovalRequest('adele@partner.example', REQUEST)).toMatchObject({ aadObjectId: ADELE.aadObjectId });
    expect(await notifier.sendApprovalRequest('nobody@partner.example', REQUEST)).toBeUndefined();
    messenger.unknown.add('00000000-0000-0000-0000-0000000000ff');
    expect(await notifier.sendApprovalRequest('00000000-0000-0000-0000-0000000000ff', REQUEST)).toBeUndefined();
  });

  it('renders the approval card in the approver’s language with German number formats', async () => {
    const messenger = new FakeMessenger();
    messenger.locales.set(MEGAN.aadObjectId, 'de');
    await new TeamsApprovalNotifier(messenger, approvers, people).sendApprovalRequest(MEGAN.aadObjectId, REQUEST);
    const text = cardText(messenger.sent[0].content);
    expect(text).toContain('Eine Kaizala-Pro-Migration genehmigen?');
    expect(text).toContain('1.200 × Office 365 E1');
    expect(text).toContain('12.000,00\u00a0€ pro Monat');
    expect(text).toContain('… und weitere Benutzer: 5');
  });

  it('tells the requester only once the request is decided', async () => {
    const messenger = new FakeMessenger();
    const notifier = new TeamsApprovalNotifier(messenger, approvers, people);
    await notifier.tellRequester(REQUEST);
    expect(messenger.sent).toEqual([]);
    await notifier.tellRequester({ ...REQUEST, status: 'expired', version: 2, decidedAt: '2026-05-28T09:00:00.000Z' });
    expect(messenger.sent.map((s) => s.aadObjectId)).toEqual([ALEX.aadObjectId]);
    expect(cardText(messenger.sent[0].content)).toContain('Expired: nobody decided in time');
  });
});

describe('requestCardFor', () => {
  const approvers = new Approvers([MEGAN.aadObjectId, ADELE.aadObjectId, ALEX.aadObjectId]);

  it('refreshes the approval card for the approvers named by object id, never for the requester', () => {
    expect(approverObjectIds(approvers, REQUEST)).toEqual([MEGAN.aadObjectId, ADELE.aadObjectId]);
    const card = requestCardFor(REQUEST, 'approver', { approvers, approversReached: 0 }, 'en');
    expect(card.refresh).toEqual({
      action: { type: 'Action.Execute', verb: 'approvalRefresh', data: { requestId: REQUEST.id, version: 1 } },
      userIds: [MEGAN.aadObjectId, ADELE.aadObjectId],
    });
  });

  it.each(['approved', 'rejected', 'withdrawn', 'expired'] as const)('a %s request is the same button-less card for everyone', (status) => {
    const decided = { ...REQUEST, status, version: 2, decidedAt: '2026-05-22T10:00:00.000Z', decidedBy: { aadObjectId: MEGAN.aadObjectId, name: MEGAN.name }, rejectReason: 'No' };
    const forApprover = requestCardFor(decided, 'approver', { approvers, approversReached: 2 }, 'en');
    const forRequester = requestCardFor(decided, 'requester', { approvers, approversReached: 2 }, 'en');
    expect(forApprover).toEqual(forRequester);
    expect(forApprover.actions).toBeUndefined();
    expect(forApprover.refresh).toBeUndefined();
  });
});
