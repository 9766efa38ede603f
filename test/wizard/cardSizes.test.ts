import { renderCard } from '../../cards/cards';
import { cardSize, TEAMS_CARD_LIMITS, type AdaptiveCard } from '../../cards/render';
import { createCardValidator } from '../../cards/schemaValidator';
import { MAX_DETAILED_CHOICES, planChoiceCard, planUsersCard, USER_LIST_PAGE_SIZE, userListCards } from '../../dialogs/migrationWizardCards';
import { customerFacts, recommendPlans } from '../../services/catalog';
import { makeUsers, subscriptionRow } from './support';

const validate = createCardValidator();

/** Within both of Teams' documented limits (see TEAMS_CARD_LIMITS in cards/render.ts). */
function expectFitsTeams(card: AdaptiveCard): void {
  const size = cardSize(card);
  expect(size.utf16Bytes).toBeLessThanOrEqual(TEAMS_CARD_LIMITS.utf16Bytes);
  expect(size.utf8Bytes).toBeLessThanOrEqual(TEAMS_CARD_LIMITS.utf8Bytes);
}

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
    expect(options.length).toBeGreaterThanOrEqual(14);
    const data = planChoiceCard({ wizardId: 'w1', subscription: school, usersOnKaizala: 200, options, quantity: 200, priceOf: () => ({ amount: 12345.67, currency: 'EUR' }), locale });
    expect(data.plans).toHaveLength(options.length);
    const card = renderCard('planChoice', data, locale);
    expect(validate(card).errors).toEqual([]);
    expectFitsTeams(card);
  });

  it.each(['en', 'de'] as const)('a users card with the most selectable users and a full list page fit (%s)', (locale) => {
    const users = longUsers(MAX_DETAILED_CHOICES);
    const picker = renderCard('planUsers', planUsersCard({ wizardId: 'w1', customerName: school.customerName, planTitle: 'Office 365 A1', users, selectedUserIds: users.map((u) => u.id), locale }), locale);
    expectFitsTeams(picker);
    // It fits as it is: the renderer did not have to shorten anyone's address to make it fit.
    expect(JSON.stringify(picker)).toContain(users[users.length - 1].userPrincipalName);
    const pages = userListCards(school.customerName, longUsers(USER_LIST_PAGE_SIZE + 1), locale);
    expect(pages.map((p) => [p.from, p.to])).toEqual([[1, 100], [101, 101]]);
    for (const page of pages) expectFitsTeams(renderCard('planUserList', page, locale));
  });

  it('a customer with more users than a card can list gets no multi-select', () => {
    const data = planUsersCard({ wizardId: 'w1', customerName: 'x', planTitle: 'y', users: longUsers(400), selectedUserIds: [], locale: 'en' });
    expect(data).toMatchObject({ selectable: false, users: [], userCount: 400 });
  });
});
