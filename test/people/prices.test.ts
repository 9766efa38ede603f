/**
 * Prices and recommendations as an account manager and an approver read them: the price is the partner's price from
 * the price list and says so, the approver sees what the whole term costs, a mostly-frontline customer is told the
 * split, and a subset of users can be picked beyond 60.
 */
import { renderCard } from '../../cards/cards';
import { cardSize, TEAMS_CARD_LIMITS } from '../../cards/render';
import { t } from '../../cards/i18n';
import { canPickFrom, costWithTermTotal, MAX_DETAILED_CHOICES, planChoiceCard, planUsersCard, reasonText } from '../../dialogs/migrationWizardCards';
import { customerFacts, recommendPlans } from '../../services/catalog';
import { parseUsersChoice } from '../../dialogs/migrationWizardValidators';
import { makeUsers, subscriptionRow } from '../wizard/support';

describe('prices', () => {
  it('the monthly figure is labelled as the partner price from the price list', () => {
    expect(t('en', 'revMonthlyCost')).toBe('Partner price (price list), per month');
    expect(t('de', 'revMonthlyCost')).toBe('Partnerpreis (Preisliste), pro Monat');
  });

  it('the review and approval cards give the term total: monthly × 12 months, with the seats', () => {
    expect(costWithTermTotal({ amount: 306, currency: 'USD' }, 25, 'en')).toBe('$306.00 per month · $3,672.00 for 25 seats over the one-year term');
    expect(costWithTermTotal({ amount: 1234.5, currency: 'EUR' }, 198, 'de').replace(/\u00a0/g, ' ')).toContain('14.814,00 € für 198 Lizenzen über die Laufzeit von einem Jahr');
    expect(costWithTermTotal(undefined, 25, 'en')).toBe('');
  });
});

describe('an education customer whose qualification is in review', () => {
  it('gets the recommended plan with a hint that education plans appear once Microsoft approves it', () => {
    const subscription = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-00000000000e', customerName: 'Lakeshore Community College', education: false, educationInReview: true, usersOnKaizala: 70 });
    const options = recommendPlans(customerFacts(false, makeUsers('e', 70), {}));
    const data = planChoiceCard({ wizardId: 'w1', subscription, usersOnKaizala: 70, options, quantity: 70, locale: 'en' });
    expect(data.plans[0].note).toContain('Education qualification in review: education plans appear once Microsoft approves it.');
    expect(data.plans.slice(1).some((plan) => plan.note.includes('in review'))).toBe(false);
    const approved = planChoiceCard({ wizardId: 'w1', subscription: { ...subscription, educationInReview: undefined }, usersOnKaizala: 70, options, quantity: 70, locale: 'en' });
    expect(approved.plans[0].note).not.toContain('in review');
  });
});

describe('a mostly-frontline customer', () => {
  const users = makeUsers('f', 198, (i) => ({ jobTitle: i < 165 ? 'Warehouse picker' : 'Finance manager' }));

  it('gets F3 recommended with the split named: how many are frontline and what the others may need', () => {
    const [recommended] = recommendPlans(customerFacts(false, users, {}));
    expect(recommended.plan.planId).toBe('o365-f3');
    const text = reasonText(recommended.reason!, 'en');
    expect(text).toContain('165 of 198 users have frontline job titles: F3 fits them.');
    expect(text).toContain('The 33 others may need a full plan (for example E3)');
    expect(reasonText(recommended.reason!, 'de')).toContain('Die 33 anderen brauchen vielleicht einen vollen Plan');
  });

  it('all frontline: no split to name', () => {
    const everyone = makeUsers('g', 10, () => ({ jobTitle: 'Driver' }));
    const [recommended] = recommendPlans(customerFacts(false, everyone, {}));
    expect(reasonText(recommended.reason!, 'en')).toBe('10 of 10 users have frontline job titles.');
  });
});

describe('picking users beyond 60', () => {
  it('198 users can be picked (names only beyond 60), and the card still fits Teams', () => {
    const users = makeUsers('p', 198, (i) => ({ displayName: `Employee Number ${i}` }));
    expect(users.length).toBeGreaterThan(MAX_DETAILED_CHOICES);
    expect(canPickFrom(users)).toBe(true);
    const data = planUsersCard({ wizardId: 'w1', customerName: 'Contoso', planTitle: 'Office 365 F3', users, selectedUserIds: users.map((u) => u.id), locale: 'en' });
    expect(data.selectable).toBe(true);
    expect(data.users).toHaveLength(198);
    expect(data.users[0].detail).toBe('');
    const card = renderCard('planUsers', data, 'en');
    const size = cardSize(card);
    expect(size.utf16Bytes).toBeLessThanOrEqual(TEAMS_CARD_LIMITS.utf16Bytes);
    expect(size.utf8Bytes).toBeLessThanOrEqual(TEAMS_CARD_LIMITS.utf8Bytes);
    const choices = JSON.stringify(card);
    expect(choices).toContain('"title":"Employee Number 197"');
    // A subset of 100 of the 198, as the card submits it, is accepted.
    const subset = users.slice(0, 100).map((u) => u.id);
    const answer = parseUsersChoice({ text: '', value: { userIds: subset.join(',') } }, 'selected', users.map((u) => u.id));
    expect(answer).toEqual({ kind: 'value', value: { kind: 'selected', userIds: subset } });
  });

  it('up to 60 users, each choice also shows the address', () => {
    const users = makeUsers('q', 3);
    const card = renderCard('planUsers', planUsersCard({ wizardId: 'w1', customerName: 'C', planTitle: 'P', users, selectedUserIds: [], locale: 'en' }), 'en');
    expect(JSON.stringify(card)).toContain(` · ${users[0].userPrincipalName}`);
  });
});
