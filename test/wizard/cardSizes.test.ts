import { renderCard } from '../../cards/cards';
import { createCardValidator } from '../../cards/schemaValidator';
import { MAX_SELECTABLE_USERS, planChoiceCard, planUsersCard, USER_LIST_PAGE_SIZE, userListCards } from '../../dialogs/migrationWizardCards';
import { customerFacts, recommendPlans } from '../../services/catalog';
import { makeUsers, subscriptionRow } from './support';

// Teams refuses messages over about 28 KB; our card test allows 40 KB, the wizard's cards stay under Teams' limit.
const LIMIT = 28 * 1024;
const validate = createCardValidator();

/** Users with the longest names and titles Entra allows in practice, to size the cards for the worst case. */
const longUsers = (count: number) =>
  makeUsers('a', count, (i) => ({
    displayName: `Maximiliane Alexandra von Hohenzollern-Sigmaringen ${i}`,
    userPrincipalName: `maximiliane.alexandra.vonhohenzollern${i}@fachhochschule-sigmaringen.onmicrosoft.com`,
    jobTitle: 'Wissenschaftliche Mitarbeiterin Lehrstuhl',
    kind: i % 2 ? 'student' : 'faculty',
  }));

describe('the wizard’s largest cards', () => {
  const school = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000004', customerName: 'Fachhochschule für Gestaltung und Technik Sigmaringen', education: true });

  it.each(['en', 'de'] as const)('every plan of an education customer, priced, fits a card (%s)', (locale) => {
    const options = recommendPlans(customerFacts(true, longUsers(200), {}));
    expect(options).toHaveLength(16);
    const data = planChoiceCard({ wizardId: 'w1', subscription: school, usersOnKaizala: 200, options, quantity: 200, priceOf: () => ({ amount: 12345.67, currency: 'EUR' }), locale });
    const card = renderCard('planChoice', data, locale);
    expect(validate(card).errors).toEqual([]);
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(LIMIT);
  });

  it.each(['en', 'de'] as const)('a users card with the most selectable users and a full list page fit (%s)', (locale) => {
    const users = longUsers(MAX_SELECTABLE_USERS);
    const picker = renderCard('planUsers', planUsersCard({ wizardId: 'w1', customerName: school.customerName, planTitle: 'Office 365 A1', users, selectedUserIds: users.map((u) => u.id), locale }), locale);
    expect(Buffer.byteLength(JSON.stringify(picker))).toBeLessThan(LIMIT);
    const pages = userListCards(school.customerName, longUsers(USER_LIST_PAGE_SIZE + 1), locale);
    expect(pages.map((p) => [p.from, p.to])).toEqual([[1, 100], [101, 101]]);
    for (const page of pages) expect(Buffer.byteLength(JSON.stringify(renderCard('planUserList', page, locale)))).toBeLessThan(LIMIT);
  });

  it('a customer with more users than a card can list gets no multi-select', () => {
    const data = planUsersCard({ wizardId: 'w1', customerName: 'x', planTitle: 'y', users: longUsers(MAX_SELECTABLE_USERS + 1), selectedUserIds: [], locale: 'en' });
    expect(data).toMatchObject({ selectable: false, users: [], userCount: MAX_SELECTABLE_USERS + 1 });
  });
});
