/**
 * Client authentication: RFC 6749 §2.3.1 Basic encoding, body and none, and the `auto` probe.
 */
import { describe, expect, it } from 'vitest';
import { basicAuthorization, ErrorCode, formEncode, isClientNotAuthenticated, OAuthError, ResponseError, TokenManager, TokenwardError } from '../src/index.js';
import { answer, type ScriptStep, scriptedFetch, tokenAnswer } from './helpers/scripted-fetch.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
/** What an RFC 6749 server does with the header: base64-decode, split at the first ':', form-decode. */
function decodeBasic(header: string): [string, string] {
  const pair = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('utf8');
  const at = pair.indexOf(':');
  const dec = (s: string) => new URLSearchParams(`v=${s}`).get('v')!;
  return [dec(pair.slice(0, at)), dec(pair.slice(at + 1))];
}

describe('formEncode (WHATWG application/x-www-form-urlencoded)', () => {
  it.each([
    ['abcXYZ019', 'abcXYZ019'],
    ['*-._', '*-._'],
    ['a b', 'a+b'],
    ['a:b', 'a%3Ab'],
    ['100%', '100%25'],
    ['a+b', 'a%2Bb'],
    ['a/b', 'a%2Fb'],
    ['a=b', 'a%3Db'],
    ["~!'()", '%7E%21%27%28%29'],
    ['é', '%C3%A9'],
    ['日本', '%E6%97%A5%E6%9C%AC'],
    ['😀', '%F0%9F%98%80'],
  ])('%j → %j', (raw, encoded) => {
    expect(formEncode(raw)).toBe(encoded);
  });
});

describe('basicAuthorization', () => {
  it("matches Jim2's published sample for TestClientId:password", () => {
    expect(basicAuthorization('TestClientId', 'password')).toBe('Basic VGVzdENsaWVudElkOnBhc3N3b3Jk');
  });

  it('leaves - and _ alone (escaping them broke eBay and Google credentials elsewhere)', () => {
    expect(basicAuthorization('my-app_id.v2', 'se_cr-et*')).toBe(`Basic ${b64('my-app_id.v2:se_cr-et*')}`);
  });

  it.each([
    ['id:with:colons', 'p:w', 'id%3Awith%3Acolons:p%3Aw'],
    ['pct%id', '100%', 'pct%25id:100%25'],
    ['plus+id', 'a+b', 'plus%2Bid:a%2Bb'],
    ['slash/id', 'a/b==', 'slash%2Fid:a%2Fb%3D%3D'],
    ['space id', 'pass word', 'space+id:pass+word'],
    ['clïent', 'sécret☃', 'cl%C3%AFent:s%C3%A9cret%E2%98%83'],
  ])('form-encodes %j / %j before base64, and a server decodes them back', (id, secret, pair) => {
    const header = basicAuthorization(id, secret);
    expect(header).toBe(`Basic ${b64(pair)}`);
    expect(decodeBasic(header)).toEqual([id, secret]);
  });

  it("basicEncoding 'none' sends id and secret raw (UTF-8), for servers that do not form-decode", () => {
    expect(basicAuthorization('client id', 'a+b/c=%:é', 'none')).toBe(`Basic ${b64('client id:a+b/c=%:é')}`);
  });

  it('an empty secret still yields id:', () => {
    expect(basicAuthorization('public', '')).toBe(`Basic ${b64('public:')}`);
  });
});

describe('isClientNotAuthenticated', () => {
  const err = (status: number | undefined, error?: string, code: (typeof ErrorCode)[keyof typeof ErrorCode] = ErrorCode.OAUTH) =>
    new TokenwardError(code, 'x', { ...(status !== undefined ? { status } : {}), ...(error ? { error } : {}) });
  it.each([
    [401, undefined, true],
    // Issue 9 #8: a 401 that carries another OAuth error got past client authentication.
    [401, 'invalid_grant', false],
    [401, 'invalid_scope', false],
    [401, 'invalid_client', true],
    [400, 'invalid_client', true],
    [200, 'invalid_client', true],
    [400, undefined, true],
    [403, undefined, true],
    [400, 'invalid_grant', false],
    [400, 'invalid_scope', false],
    [400, 'invalid_request', false],
    [403, 'access_denied', false],
    [404, undefined, false],
    [429, undefined, false],
    [500, undefined, false],
    [503, 'invalid_client', false],
  ])('status %s, error %s → %s', (status, error, expected) => {
    expect(isClientNotAuthenticated(err(status, error))).toBe(expected);
  });
  it('a network error is never "not authenticated"', () => {
    expect(isClientNotAuthenticated(err(undefined, undefined, ErrorCode.NETWORK))).toBe(false);
    expect(isClientNotAuthenticated(err(undefined, undefined, ErrorCode.TIMEOUT))).toBe(false);
  });
});

describe("clientAuth: 'auto'", () => {
  const tokenUrl = 'https://auth.example.com/token';
  const make = (...steps: ScriptStep[]) => {
    const f = scriptedFetch(...steps);
    const tm = new TokenManager({ tokenUrl, clientId: 'svc', clientSecret: 'pa:ss w0rd', fetch: f.fetch, retry: false });
    return { tm, requests: f.requests };
  };
  const auth = (r: { headers: Record<string, string> }) => (r.headers.authorization ? 'basic' : 'body');

  it('uses Basic first and keeps it when it works', async () => {
    const { tm, requests } = make(tokenAnswer('a'), tokenAnswer('b'));
    await tm.getToken();
    await tm.getToken({ forceRefresh: true });
    expect(requests.map(auth)).toEqual(['basic', 'basic']);
    expect(requests[0]!.headers.authorization).toBe(`Basic ${b64('svc:pa%3Ass+w0rd')}`);
    expect(requests[0]!.body).toBe('grant_type=client_credentials');
    expect(tm.clientAuth).toBe('basic');
  });

  it.each([
    ['401 with no body', answer(401)],
    ['401 with WWW-Authenticate', answer(401, '', { 'www-authenticate': 'Basic realm="token"' })],
    ['400 invalid_client', answer(400, { error: 'invalid_client' })],
    ['400 with an empty body', answer(400)],
    ['403 with an empty body', answer(403)],
    ['400 with an HTML page', answer(400, '<html><body>Bad Request</body></html>', { 'content-type': 'text/html' })],
  ])('falls back to body credentials once on %s, and remembers it', async (_, refusal) => {
    const { tm, requests } = make(refusal, tokenAnswer('a'), tokenAnswer('b'));
    await expect(tm.getToken()).resolves.toMatchObject({ accessToken: 'a' });
    await tm.getToken({ forceRefresh: true });
    expect(requests.map(auth)).toEqual(['basic', 'body', 'body']);
    expect(requests[1]!.body).toBe('grant_type=client_credentials&client_id=svc&client_secret=pa%3Ass+w0rd');
    expect(tm.clientAuth).toBe('body');
  });

  it.each([
    ['invalid_grant', answer(400, { error: 'invalid_grant', error_description: 'bad user' }), ErrorCode.OAUTH],
    ['invalid_scope', answer(400, { error: 'invalid_scope' }), ErrorCode.OAUTH],
    ['unauthorized_client', answer(400, { error: 'unauthorized_client' }), ErrorCode.OAUTH],
    ['a 500', answer(500, 'oops'), ErrorCode.RESPONSE],
    ['a 503 with JSON', answer(503, { Message: 'down' }), ErrorCode.RESPONSE],
    ['a 404', answer(404), ErrorCode.RESPONSE],
  ])('never falls back on %s', async (_, refusal, code) => {
    const { tm, requests } = make(refusal, tokenAnswer());
    const err = await tm.getToken().catch((e: unknown) => e);
    expect(err).toMatchObject({ code });
    expect(requests).toHaveLength(1);
    expect(tm.clientAuth).toBeUndefined();
  });

  it('a 401 invalid_grant to the password grant never re-sends the password with body credentials (issue 9 #8)', async () => {
    // A server that answers a wrong user password with 401 invalid_grant authenticated the client fine:
    // re-sending would double the user's lockout count and teach `auto` the wrong style.
    const f = scriptedFetch(answer(401, { error: 'invalid_grant', error_description: 'wrong password' }), tokenAnswer());
    const tm = new TokenManager({
      tokenUrl,
      clientId: 'svc',
      clientSecret: 'secret-1',
      username: 'u',
      password: 'not-the-password-1',
      fetch: f.fetch,
      retry: false,
    });
    await expect(tm.getToken()).rejects.toMatchObject({ code: ErrorCode.OAUTH, status: 401, error: 'invalid_grant' });
    expect(f.requests).toHaveLength(1);
    expect(f.requests.filter((r) => r.body.includes('password=')).length).toBe(1);
    expect(tm.clientAuth).toBeUndefined();
  });

  it('never falls back on a network error', async () => {
    const { tm, requests } = make(new TypeError('fetch failed'), tokenAnswer());
    await expect(tm.getToken()).rejects.toMatchObject({ code: ErrorCode.NETWORK });
    expect(requests).toHaveLength(1);
    expect(tm.clientAuth).toBeUndefined();
  });

  it('when both ways are refused, the error reports both answers in order', async () => {
    const { tm, requests } = make(
      answer(401, { error: 'invalid_client', error_description: 'Basic not accepted' }),
      answer(400, { error: 'invalid_client', error_description: 'unknown client' }),
    );
    const err = (await tm.getToken().catch((e: unknown) => e)) as TokenwardError;
    expect(requests.map(auth)).toEqual(['basic', 'body']);
    expect(err).toBeInstanceOf(OAuthError);
    expect(err.code).toBe(ErrorCode.OAUTH);
    expect(err.status).toBe(400);
    expect(err.error).toBe('invalid_client');
    expect(err.attempts).toHaveLength(2);
    expect(err.attempts![0]).toMatchObject({ status: 401, error: 'invalid_client', errorDescription: 'Basic not accepted' });
    expect(err.attempts![1]).toMatchObject({ status: 400, error: 'invalid_client', errorDescription: 'unknown client' });
    expect(err.message).toBe(
      'tokenward: client authentication failed both ways: with Basic, 401 invalid_client "Basic not accepted"; with body credentials, 400 invalid_client "unknown client"',
    );
    expect(JSON.parse(JSON.stringify(err)).attempts).toHaveLength(2);
    expect(tm.clientAuth).toBeUndefined();
  });

  it('both refused without OAuth bodies: a ResponseError with both statuses', async () => {
    const { tm } = make(answer(401), answer(403));
    const err = (await tm.getToken().catch((e: unknown) => e)) as TokenwardError;
    expect(err).toBeInstanceOf(ResponseError);
    expect(err.code).toBe(ErrorCode.RESPONSE);
    expect(err.status).toBe(403);
    expect(err.attempts!.map((a) => a.status)).toEqual([401, 403]);
  });

  it('Basic refused, body gets past client authentication but the grant fails: learns body and throws the grant error', async () => {
    const f = scriptedFetch(answer(401), answer(400, { error: 'invalid_grant', error_description: 'wrong password' }), tokenAnswer('ok'));
    const tm = new TokenManager({
      tokenUrl,
      clientId: 'svc',
      clientSecret: 'secret-1',
      username: 'u',
      password: 'not-the-password-1',
      fetch: f.fetch,
      retry: false,
    });
    const err = (await tm.getToken().catch((e: unknown) => e)) as TokenwardError;
    expect(err).toMatchObject({ code: ErrorCode.OAUTH, status: 400, error: 'invalid_grant', errorDescription: 'wrong password' });
    expect(tm.clientAuth).toBe('body');
    await tm.getToken();
    expect(f.requests.map(auth)).toEqual(['basic', 'body', 'body']);
  });

  it('a 5xx on the body try is reported as is and nothing is learned', async () => {
    const { tm, requests } = make(answer(401), answer(502, 'Bad Gateway'), tokenAnswer('x'));
    await expect(tm.getToken()).rejects.toMatchObject({ code: ErrorCode.RESPONSE, status: 502 });
    expect(tm.clientAuth).toBeUndefined();
    await tm.getToken();
    expect(requests.map(auth)).toEqual(['basic', 'body', 'basic']);
  });

  it('without a client secret it sends only client_id in the body (public client), no probing', async () => {
    const f = scriptedFetch(tokenAnswer());
    const tm = new TokenManager({ tokenUrl, clientId: 'public-app', username: 'u', password: 'p', fetch: f.fetch });
    await tm.getToken();
    expect(f.requests[0]!.headers.authorization).toBeUndefined();
    expect(f.requests[0]!.body).toBe('grant_type=password&username=u&password=p&client_id=public-app');
    expect(tm.clientAuth).toBe('none');
  });
});

describe('explicit clientAuth never probes', () => {
  const tokenUrl = 'https://auth.example.com/token';
  it.each([
    ['basic', 'basic'],
    ['client_secret_basic', 'basic'],
    ['body', 'body'],
    ['client_secret_post', 'body'],
    ['none', 'none'],
  ] as const)('%s → one request with %s, and its refusal is final', async (clientAuth, wire) => {
    const f = scriptedFetch(answer(401, { error: 'invalid_client' }), tokenAnswer());
    const tm = new TokenManager({ tokenUrl, clientId: 'svc', clientSecret: 's3cr3t+/=', clientAuth, fetch: f.fetch, retry: false });
    await expect(tm.getToken()).rejects.toMatchObject({ code: ErrorCode.OAUTH, error: 'invalid_client' });
    expect(f.requests).toHaveLength(1);
    expect(tm.clientAuth).toBe(wire);
    const req = f.requests[0]!;
    if (wire === 'basic') {
      expect(req.headers.authorization).toBe(`Basic ${b64('svc:s3cr3t%2B%2F%3D')}`);
      expect(req.body).toBe('grant_type=client_credentials');
    } else if (wire === 'body') {
      expect(req.headers.authorization).toBeUndefined();
      expect(req.body).toBe('grant_type=client_credentials&client_id=svc&client_secret=s3cr3t%2B%2F%3D');
    } else {
      expect(req.headers.authorization).toBeUndefined();
      expect(req.body).toBe('grant_type=client_credentials&client_id=svc');
    }
  });

  it("basicEncoding: 'none' reaches the wire", async () => {
    const f = scriptedFetch(tokenAnswer());
    const tm = new TokenManager({ tokenUrl, clientId: 'svc id', clientSecret: 'a+b', clientAuth: 'basic', basicEncoding: 'none', fetch: f.fetch });
    await tm.getToken();
    expect(f.requests[0]!.headers.authorization).toBe(`Basic ${b64('svc id:a+b')}`);
  });
});
