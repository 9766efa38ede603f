import { PartnerCalendar, classifyExpiry, endDateOf, isValidTimeZone, urgencyFor } from '../../services/scan';

const UTC = new PartnerCalendar('UTC');
const BERLIN = new PartnerCalendar('Europe/Berlin');
const LOS_ANGELES = new PartnerCalendar('America/Los_Angeles');

function classify(endDate: string, nowIso: string, calendar: PartnerCalendar) {
  return classifyExpiry(endDate, new Date(nowIso), calendar);
}

describe('the partner calendar', () => {
  it.each([
    // Berlin switches to summer time at 01:00 UTC on 29 March 2026: 22:30 UTC that evening is already 00:30 on the 30th.
    ['Europe/Berlin', '2026-03-29T22:30:00Z', '2026-03-30'],
    ['Europe/Berlin', '2026-03-29T21:30:00Z', '2026-03-29'],
    // Back to winter time at 01:00 UTC on 25 October 2026: 22:30 UTC is 23:30 local, still the 25th.
    ['Europe/Berlin', '2026-10-25T22:30:00Z', '2026-10-25'],
    ['Europe/Berlin', '2026-10-25T23:00:00Z', '2026-10-26'],
    // Los Angeles starts summer time at 10:00 UTC on 8 March 2026: 07:30 UTC on the 9th is 00:30 local on the 9th.
    ['America/Los_Angeles', '2026-03-09T07:30:00Z', '2026-03-09'],
    ['America/Los_Angeles', '2026-03-09T06:30:00Z', '2026-03-08'],
    // It ends at 09:00 UTC on 1 November 2026: 07:30 UTC on the 2nd is 23:30 local on the 1st.
    ['America/Los_Angeles', '2026-11-02T07:30:00Z', '2026-11-01'],
    ['America/Los_Angeles', '2026-11-02T08:00:00Z', '2026-11-02'],
    ['UTC', '2028-02-29T23:59:59Z', '2028-02-29'],
  ])('in %s at %s the local date is %s', (zone, instant, expected) => {
    expect(new PartnerCalendar(zone).localDate(new Date(instant))).toBe(expected);
  });

  it('refuses a zone name the runtime does not know, naming it', () => {
    expect(() => new PartnerCalendar('Europe/Atlantis')).toThrow(/Europe\/Atlantis/);
    expect(isValidTimeZone('Europe/Atlantis')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(isValidTimeZone('America/Los_Angeles')).toBe(true);
  });
});

describe('days left and urgency', () => {
  it.each([
    [-1, 'expired'],
    [0, 'within7'],
    [7, 'within7'],
    [8, 'within30'],
    [30, 'within30'],
    [31, 'within60'],
    [60, 'within60'],
    [61, 'within90'],
    [90, 'within90'],
    [91, 'later'],
  ] as const)('%i days left is %s', (days, urgency) => {
    expect(urgencyFor(days)).toBe(urgency);
  });

  it('counts the end date itself as the last day: 0 days left all through it, expired right after', () => {
    expect(classify('2026-12-05T00:00:00Z', '2026-12-05T00:00:00Z', UTC)).toEqual({ daysLeft: 0, urgency: 'within7' });
    expect(classify('2026-12-05T00:00:00Z', '2026-12-05T23:59:59.999Z', UTC)).toEqual({ daysLeft: 0, urgency: 'within7' });
    expect(classify('2026-12-05T00:00:00Z', '2026-12-06T00:00:00Z', UTC)).toEqual({ daysLeft: -1, urgency: 'expired' });
  });

  it('counts whole calendar days, whatever the time of day', () => {
    expect(classify('2026-12-05T00:00:00Z', '2026-11-05T00:00:01Z', UTC).daysLeft).toBe(30);
    expect(classify('2026-12-05T00:00:00Z', '2026-11-05T23:59:59Z', UTC).daysLeft).toBe(30);
    expect(classify('2026-12-05T00:00:00Z', '2026-11-04T23:59:59Z', UTC)).toEqual({ daysLeft: 31, urgency: 'within60' });
  });

  it('reports a subscription that ended weeks ago as expired with a negative count', () => {
    expect(classify('2026-11-03T00:00:00Z', '2026-11-23T12:00:00Z', UTC)).toEqual({ daysLeft: -20, urgency: 'expired' });
  });

  it('counts from the Berlin date after the spring switch (a fixed +1 h offset would say 11)', () => {
    expect(classify('2026-04-09T00:00:00Z', '2026-03-29T22:30:00Z', BERLIN).daysLeft).toBe(10);
  });

  it('counts from the Berlin date after the autumn switch (a fixed +2 h offset would say 9)', () => {
    expect(classify('2026-11-04T00:00:00Z', '2026-10-25T22:30:00Z', BERLIN).daysLeft).toBe(10);
  });

  it('counts from the Los Angeles date after the spring switch (a fixed −8 h offset would say 11)', () => {
    expect(classify('2026-03-19T00:00:00Z', '2026-03-09T07:30:00Z', LOS_ANGELES).daysLeft).toBe(10);
  });

  it('counts from the Los Angeles date after the autumn switch (a fixed −7 h offset would say 9)', () => {
    expect(classify('2026-11-11T00:00:00Z', '2026-11-02T07:30:00Z', LOS_ANGELES).daysLeft).toBe(10);
  });

  it('in Berlin, just after local midnight of the day after the end date, the term still runs in UTC: 0, not −1', () => {
    // 23:30 UTC on 5 December is 00:30 on the 6th in Berlin; the term ends at 24:00 UTC.
    expect(classify('2026-12-05T00:00:00Z', '2026-12-05T23:30:00Z', BERLIN)).toEqual({ daysLeft: 0, urgency: 'within7' });
    expect(classify('2026-12-05T00:00:00Z', '2026-12-06T00:00:00Z', BERLIN)).toEqual({ daysLeft: -1, urgency: 'expired' });
  });

  it('in Los Angeles, on the evening of the end date, the term has already ended in UTC: expired, not 0', () => {
    // 03:00 UTC on 6 December is 19:00 on the 5th in Los Angeles.
    expect(classify('2026-12-05T00:00:00Z', '2026-12-05T23:59:00Z', LOS_ANGELES)).toEqual({ daysLeft: 0, urgency: 'within7' });
    expect(classify('2026-12-05T00:00:00Z', '2026-12-06T03:00:00Z', LOS_ANGELES)).toEqual({ daysLeft: -1, urgency: 'expired' });
    expect(classify('2026-12-05T00:00:00Z', '2026-12-07T03:00:00Z', LOS_ANGELES).daysLeft).toBe(-1);
    expect(classify('2026-12-05T00:00:00Z', '2026-12-07T09:00:00Z', LOS_ANGELES).daysLeft).toBe(-2);
  });

  it('handles an end date on a leap day', () => {
    expect(classify('2028-02-29T00:00:00Z', '2028-02-28T12:00:00Z', UTC).daysLeft).toBe(1);
    expect(classify('2028-02-29T00:00:00Z', '2028-02-29T12:00:00Z', UTC).daysLeft).toBe(0);
    expect(classify('2028-02-29T00:00:00Z', '2028-03-01T00:00:00Z', UTC).urgency).toBe('expired');
    expect(classify('2028-02-29T00:00:00Z', '2027-03-01T00:00:00Z', UTC).daysLeft).toBe(365);
    expect(classify('2028-02-29T00:00:00Z', '2028-01-30T12:00:00Z', BERLIN)).toEqual({ daysLeft: 30, urgency: 'within30' });
    expect(classify('2028-02-29T00:00:00Z', '2028-01-29T12:00:00Z', LOS_ANGELES)).toEqual({ daysLeft: 31, urgency: 'within60' });
  });

  it('counts across a leap day in between', () => {
    expect(classify('2028-03-01T00:00:00Z', '2028-02-28T10:00:00Z', BERLIN).daysLeft).toBe(2);
    expect(classify('2027-03-01T00:00:00Z', '2027-02-28T10:00:00Z', BERLIN).daysLeft).toBe(1);
  });

  it('reads end dates written with an offset or without a time by their UTC day', () => {
    expect(endDateOf('2026-12-05T00:00:00Z')).toBe('2026-12-05');
    expect(endDateOf('2026-12-05')).toBe('2026-12-05');
    expect(endDateOf('2026-12-05T20:00:00-08:00')).toBe('2026-12-06');
    expect(endDateOf('9999-12-31T00:00:00Z')).toBeUndefined();
    expect(endDateOf('not a date')).toBeUndefined();
    expect(endDateOf(undefined)).toBeUndefined();
  });
});
