import { fullJitterDelayMs, DEFAULT_RETRY_POLICY } from '../../services/http/backoff';
import { parseErrorBody, parseErrorData } from '../../services/http/errorBody';
import { ApiError, errorNamesOf, redactSecrets } from '../../services/http/errors';
import { licenseErrorReason, understandFailure } from '../../services/migration/steps/moveLicenses';
import { loggablePath } from '../../services/http/logger';
import { headerValue, parseRetryAfterHeader, parseTryAgainMessage } from '../../services/http/retryAfter';
import { buildUrl, resolveLink } from '../../services/partnerCenter/links';

describe('Retry-After parsing', () => {
  const now = Date.parse('2026-05-02T09:00:00Z');
  it.each([
    ['5', 5_000],
    [' 0 ', 0],
    ['1.5', 1_500],
    ['Sat, 02 May 2026 09:01:00 GMT', 60_000],
    ['Sat, 02 May 2026 08:00:00 GMT', 0],
    ['soon', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('reads %p as %p ms', (value, expected) => {
    expect(parseRetryAfterHeader(value, now)).toBe(expected);
  });

  it('reads Partner Center 429 messages', () => {
    expect(parseTryAgainMessage('Rate limit is exceeded. Try again in 57 seconds.')).toBe(57_000);
    expect(parseTryAgainMessage('Try again in 1 second')).toBe(1_000);
    expect(parseTryAgainMessage('Rate limit is exceeded.')).toBeUndefined();
  });

  it('finds headers whatever their casing', () => {
    expect(headerValue({ 'retry-after': '3' }, 'Retry-After')).toBe('3');
    expect(headerValue({ 'RETRY-AFTER': 4 }, 'retry-after')).toBe('4');
    expect(headerValue(undefined, 'Retry-After')).toBeUndefined();
  });
});

describe('error bodies', () => {
  it('reads the three shapes and falls back to the status', () => {
    expect(parseErrorBody(400, { code: 2055, description: 'stale', source: 'PartnerFD', data: [] })).toEqual({ code: '2055', description: 'stale', source: 'PartnerFD', data: [] });
    expect(parseErrorBody(429, { statusCode: 429, message: 'Rate limit is exceeded. Try again in 9 seconds.' })).toEqual({
      code: '429',
      description: 'Rate limit is exceeded. Try again in 9 seconds.',
      messageRetryAfterMs: 9_000,
    });
    expect(parseErrorBody(404, { error: { code: 'Request_ResourceNotFound', message: 'gone' } })).toEqual({ code: 'Request_ResourceNotFound', description: 'gone' });
    expect(parseErrorBody(502, '<html>Bad gateway</html>')).toEqual({ code: '502', description: '<html>Bad gateway</html>' });
    expect(parseErrorBody(400, JSON.stringify({ code: '800065', description: 'submitted' })).code).toBe('800065');
    expect(parseErrorBody(400, { code: 1, description: 'x'.repeat(5_000) }).description.length).toBeLessThanOrEqual(1_025);
  });

  it('redacts bearer tokens and JWTs', () => {
    expect(redactSecrets('got Bearer abc.def-123 here')).toBe('got Bearer [redacted] here');
    expect(redactSecrets('token eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ4In0. end')).toBe('token [redacted-jwt] end');
  });
});

/** The documented 60012 body (assign-licenses-to-a-user, "license isn't available"). */
const DOCUMENTED_NO_SEATS = {
  code: 60012,
  description: "We're sorry, it looks like you've run out of licenses. Buy more licenses, and then try again.",
  data: ['LicenseQuotaExceededException : Subscription with Account 0c39d6d5-c70d-4c55-bc02-f620844f3fd1 and SKU f8a1db68-be16-40ed-86d5-cb42ce701560 does not have any available licenses left.'],
  source: 'PartnerFD',
};

/** As ApiHttp would build it; `retryable` is what ApiHttp decided from the status and `isRetryable`. */
function licenseError(body: Record<string, unknown>, status = 400, retryable = false): ApiError {
  const parsed = parseErrorBody(status, body);
  return new ApiError({
    service: 'partnerCenter', status, code: parsed.code, description: parsed.description, retryable, method: 'POST',
    path: '/v1/customers/c/users/u/licenseupdates', requestId: 'r', correlationId: 'c', data: parsed.data, errorName: parsed.errorName,
    serverRetryable: parsed.isRetryable,
  });
}

describe('license error data', () => {
  it('reads the documented "Name : message" entries, bare names and objects', () => {
    expect(parseErrorData(DOCUMENTED_NO_SEATS.data)).toEqual([
      { name: 'LicenseQuotaExceededException', message: expect.stringMatching(/^Subscription with Account 0c39d6d5.* does not have any available licenses left\.$/) },
    ]);
    expect(parseErrorData(['LicenseQuotaExceededException'])).toEqual([{ name: 'LicenseQuotaExceededException', message: '' }]);
    expect(parseErrorData([{ errorName: 'LicenseQuotaExceeded', message: 'none left' }, { code: 60012 }, 'no name here.', 7])).toEqual([
      { name: 'LicenseQuotaExceeded', message: 'none left' },
      { name: '60012', message: '' },
      { name: '', message: 'no name here.' },
      { name: '', message: '7' },
    ]);
    expect(parseErrorData(undefined)).toEqual([]);
  });

  it('keeps errorName and isRetryable of newer bodies, and names an error by errorName then its data', () => {
    const parsed = parseErrorBody(400, { ...DOCUMENTED_NO_SEATS, errorName: 'LicenseQuotaExceeded', isRetryable: false });
    expect(parsed).toMatchObject({ code: '60012', errorName: 'LicenseQuotaExceeded', isRetryable: false });
    expect(errorNamesOf(licenseError({ ...DOCUMENTED_NO_SEATS, errorName: 'LicenseQuotaExceeded' }))).toEqual(['LicenseQuotaExceeded', 'LicenseQuotaExceededException']);
    expect(parseErrorBody(400, { code: 1, description: 'x', isRetryable: 'yes' }).isRetryable).toBeUndefined();
  });

  it.each([
    ['the documented 60012 body', DOCUMENTED_NO_SEATS, 'noSeats'],
    ['an errorName only', { code: 60000, description: 'failed', errorName: 'LicenseQuotaExceeded' }, 'noSeats'],
    ['an object data entry', { code: 60000, description: 'failed', data: [{ name: 'LicenseQuotaExceededException', message: 'none left' }] }, 'noSeats'],
    ['the observed usage-location text', { code: 60000, description: 'License assignment cannot be done for user with invalid usage location.' }, 'noUsageLocation'],
    ['a group-inherited removal', { code: 60000, description: 'failed', data: ['LicenseRemovalFailed : the license is inherited from a group'] }, 'groupInherited'],
    ['anything else', { code: 60000, description: 'The customer license migration failed.' }, undefined],
  ])('maps %s to %p', (_name, body, reason) => {
    expect(licenseErrorReason(licenseError(body))).toBe(reason);
  });
});

describe('license call failures in the move step', () => {
  const failure = licenseError;

  it("lets the service's isRetryable decide between a transient error and one the read-back settles", () => {
    expect(understandFailure(failure({ code: 60000, description: 'busy', isRetryable: true }, 409, true))).toMatchObject({ transient: true });
    expect(understandFailure(failure({ code: 60000, description: 'failed', isRetryable: false }, 500, false))).toMatchObject({ transient: false });
  });

  it('stops on no seats and names user problems whatever isRetryable says', () => {
    expect(understandFailure(failure({ ...DOCUMENTED_NO_SEATS, isRetryable: true }, 400, true))).toMatchObject({ noSeats: true });
    expect(understandFailure(failure({ code: 60000, description: 'License assignment cannot be done for user with invalid usage location.' }, 400, false))).toMatchObject({
      problem: 'noUsageLocation',
    });
  });

  it('rethrows authorization failures and anything that is not an API error', () => {
    expect(() => understandFailure(failure({ code: 900308, description: 'no GDAP role' }, 403, false))).toThrow(ApiError);
    expect(() => understandFailure(new TypeError('bug'))).toThrow(TypeError);
  });
});

describe('Partner Center links', () => {
  const base = 'https://api.partnercenter.microsoft.com/v1';
  it.each([
    ['/v1/customers?size=40&seekOperation=Next', 'https://api.partnercenter.microsoft.com/v1/customers?size=40&seekOperation=Next'],
    ['/customers/c1/subscriptions/s1', 'https://api.partnercenter.microsoft.com/v1/customers/c1/subscriptions/s1'],
    ['customers/c1', 'https://api.partnercenter.microsoft.com/v1/customers/c1'],
    ['https://elsewhere.test/v1/x', 'https://elsewhere.test/v1/x'],
  ])('resolves %s', (uri, expected) => {
    expect(resolveLink(base, uri)).toBe(expected);
  });

  it('resolves against a sandbox base with a port', () => {
    expect(resolveLink('http://127.0.0.1:3979/v1/', '/v1/customers')).toBe('http://127.0.0.1:3979/v1/customers');
    expect(resolveLink('http://127.0.0.1:3979/v1', '/v1x/customers')).toBe('http://127.0.0.1:3979/v1/v1x/customers');
  });

  it('encodes path segments and skips undefined query values', () => {
    expect(buildUrl(`${base}/`, ['customers', 'a/b'], { size: 10, filter: undefined, q: 'x y' })).toBe(`${base}/customers/a%2Fb?size=10&q=x%20y`);
  });
});

describe('mechanics helpers', () => {
  it('computes full-jitter backoff within the doubling, capped ceiling', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(fullJitterDelayMs(policy, 1, () => 0.999)).toBe(99);
    expect(fullJitterDelayMs(policy, 3, () => 0.5)).toBe(200);
    expect(fullJitterDelayMs(policy, 10, () => 0.5)).toBe(500);
    expect(fullJitterDelayMs(policy, 2, () => 0)).toBe(0);
  });

  it('masks token-like query values in logged paths', () => {
    expect(loggablePath('https://graph.microsoft.com/v1.0/users?$top=999&$skiptoken=abc&sig=zzz')).toBe('/v1.0/users?$top=999&$skiptoken=***&sig=***');
  });
});
