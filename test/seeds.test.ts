/**
 * Every request/response pair of the five seed pages, replayed with msw: the exact request tokenward
 * sent (method, URL, headers, encoded body) and the normalised Token it made of the documented answer.
 */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  MemoryTokenStore,
  normalizeTokenResponse,
  OAuthError,
  type Token,
  TokenManager,
  type TokenManagerOptions,
  TokenwardError,
} from '../src/index.js';
import { ASPNET_JSON_ANSWER, ASPNET_SAMPLE_REQUEST, ASPNET_XML_ANSWER, aspnetAuthTokenServer } from './servers/aspnet-auth-token.js';
import {
  BRIGHT_PATTERN_CLIENT_ID,
  BRIGHT_PATTERN_CLIENT_SECRET,
  BRIGHT_PATTERN_SAMPLE_TOKEN,
  BRIGHT_PATTERN_SCOPE,
  brightPatternServer,
} from './servers/bright-pattern.js';
import type { LoggedRequest } from './servers/common.js';
import {
  INFOLINK_CLIENT_ID,
  INFOLINK_CLIENT_SECRET,
  INFOLINK_PASSWORD,
  INFOLINK_SAMPLE_REFRESH_TOKEN,
  INFOLINK_USERNAME,
  infolinkServer,
} from './servers/infolink.js';
import { JIM2_CLIENT_ID, JIM2_CLIENT_SECRET, jim2Server } from './servers/jim2.js';
import { VEEAM_CLIENT_ID, VEEAM_CLIENT_SECRET, VEEAM_PASSWORD, VEEAM_USERNAME, veeamServer } from './servers/veeam.js';

const msw = setupServer();
beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

/** msw patches globalThis.fetch; undici's own fetch bypasses it. */
const viaMsw = { fetch: (input: string | URL | Request, init?: RequestInit) => globalThis.fetch(input, init), retry: false } as const;

function manager(options: TokenManagerOptions): TokenManager {
  return new TokenManager({ ...viaMsw, ...options });
}

const FORM = 'application/x-www-form-urlencoded';
const basic = (pair: string) => `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;

/** Headers tokenward sends on a token request: nothing more than these. */
function expectRequest(req: LoggedRequest | undefined, expected: { url: string; headers: Record<string, string>; body: string }): void {
  expect(req).toBeDefined();
  expect(req!.method).toBe('POST');
  expect(req!.url).toBe(expected.url);
  expect(req!.headers).toEqual(expected.headers);
  expect(req!.body).toBe(expected.body);
}

function expectFresh(token: Token, lifetimeSeconds: number, before: number, after: number): void {
  expect(token.receivedAt).toBeGreaterThanOrEqual(before);
  expect(token.receivedAt).toBeLessThanOrEqual(after);
  expect(token.expiresAt - token.receivedAt).toBe(lifetimeSeconds * 1000);
}

describe('seed 000: Jim2 (POST {base}/token with a site path, Basic or body)', () => {
  it('sends the vendor sample byte for byte: Basic TestClientId:password, grant_type=client_credentials&scope=view', async () => {
    const jim2 = jim2Server();
    msw.use(...jim2.handlers);
    const tm = manager({
      tokenUrl: 'http://localhost:80/Jim_Test/token',
      clientId: JIM2_CLIENT_ID,
      clientSecret: JIM2_CLIENT_SECRET,
      clientAuth: 'basic',
      scope: 'view',
    });
    const before = Date.now();
    const token = await tm.getToken();
    expectRequest(jim2.tokenRequests()[0], {
      // `:80` is the default port for http; the site path is kept exactly.
      url: 'http://localhost/Jim_Test/token',
      headers: { accept: 'application/json', authorization: 'Basic VGVzdENsaWVudElkOnBhc3N3b3Jk', 'content-type': FORM },
      body: 'grant_type=client_credentials&scope=view',
    });
    // What the SDK sent decodes to the sample's client id and secret, joined by a colon.
    const sent = jim2.tokenRequests()[0]!.headers.authorization!;
    expect(Buffer.from(sent.replace(/^Basic /, ''), 'base64').toString('utf8')).toBe(`${JIM2_CLIENT_ID}:${JIM2_CLIENT_SECRET}`);
    expect(token).toMatchObject({ accessToken: 'jim2-at-0001', tokenType: 'Bearer', refreshToken: 'jim2-rt-0002' });
    expectFresh(token, 1199, before, Date.now());
    expect(jim2.freeLicences()).toBe(1); // scope view takes no licence
  });

  it('sends body credentials when asked, and auto learns Basic from the first answer', async () => {
    const jim2 = jim2Server();
    msw.use(...jim2.handlers);
    const body = manager({ tokenUrl: jim2.urls.token, clientId: JIM2_CLIENT_ID, clientSecret: JIM2_CLIENT_SECRET, clientAuth: 'body', scope: 'view' });
    await body.getToken();
    expectRequest(jim2.tokenRequests()[0], {
      url: 'http://localhost/Jim_Test/token',
      headers: { accept: 'application/json', 'content-type': FORM },
      body: 'grant_type=client_credentials&scope=view&client_id=TestClientId&client_secret=password',
    });
    const auto = manager({ tokenUrl: jim2.urls.token, clientId: JIM2_CLIENT_ID, clientSecret: JIM2_CLIENT_SECRET, scope: 'view' });
    await auto.getToken();
    expect(jim2.tokenRequests()).toHaveLength(2);
    expect(jim2.tokenRequests()[1]!.headers.authorization).toBe('Basic VGVzdENsaWVudElkOnBhc3N3b3Jk');
    expect(auto.clientAuth).toBe('basic');
  });

  it('takes a licence without scope (default all), fails when none is free, and logoff releases it', async () => {
    const jim2 = jim2Server({ licences: 1 });
    msw.use(...jim2.handlers);
    const options = {
      tokenUrl: jim2.urls.token,
      clientId: JIM2_CLIENT_ID,
      clientSecret: JIM2_CLIENT_SECRET,
      logoff: { style: 'bearer', url: jim2.urls.logoff, method: 'POST' },
    } as const;
    const first = manager(options);
    await first.getToken();
    expect(jim2.tokenRequests()[0]!.body).toBe('grant_type=client_credentials');
    expect(jim2.freeLicences()).toBe(0);

    const second = manager(options);
    const err = await second.getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OAuthError);
    expect(err).toMatchObject({ code: ErrorCode.OAUTH, status: 400, error: 'invalid_grant', errorDescription: 'No user licences are available' });

    await first.logoff();
    const logoff = jim2.requests.at(-1)!;
    expect(logoff).toMatchObject({ method: 'POST', url: 'http://localhost/Jim_Test/api/v1/logoff', body: '' });
    expect(logoff.headers.authorization).toBe('Bearer jim2-at-0001');
    expect(jim2.freeLicences()).toBe(1);
    await expect(second.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' });
  });
});

describe('seed 001: Veeam Recovery Orchestrator (POST /api/token, body credentials)', () => {
  const tokenUrl = 'https://uwin2012r2.n.local:9898/api/token';

  it('password grant: vdro\\administrator form-encoded as vdro%5Cadministrator; lower-case bearer; refresh token with + and =', async () => {
    const veeam = veeamServer();
    msw.use(...veeam.handlers);
    const tm = manager({ tokenUrl, username: VEEAM_USERNAME, password: VEEAM_PASSWORD });
    const before = Date.now();
    const token = await tm.getToken();
    expectRequest(veeam.tokenRequests()[0], {
      url: tokenUrl,
      headers: { accept: 'application/json', 'content-type': FORM },
      body: 'grant_type=password&username=vdro%5Cadministrator&password=Password1',
    });
    expect(token.accessToken).toMatch(/^0G072fREAFX3G2hIOQYiCLxvx-NvSra2.*_JB$/);
    expect(token.tokenType).toBe('Bearer');
    expect(token.refreshToken).toBe('Yp5SaGYSR6ChFkr9T5LJ2PcNNGAR+Df9ixOALtAsOD0=');
    expect(token.raw.token_type).toBe('bearer');
    expectFresh(token, 899, before, Date.now());
    expect(tm.clientAuth).toBe('none');
  });

  it('client_credentials (trailing comma in the answer), then refresh_token=aUCl…%3D exactly as the page sends it', async () => {
    const veeam = veeamServer();
    msw.use(...veeam.handlers);
    const tm = manager({ tokenUrl, clientId: VEEAM_CLIENT_ID, clientSecret: VEEAM_CLIENT_SECRET, clientAuth: 'body', refreshWithClientAuth: false });
    const token = await tm.getToken();
    expectRequest(veeam.tokenRequests()[0], {
      url: tokenUrl,
      headers: { accept: 'application/json', 'content-type': FORM },
      body: 'grant_type=client_credentials&client_id=58b91a67-4aca-490f-aeac-2ea11eadceaa&client_secret=iGuL5owQoVbN%2FRfaWYPTjh4QHT%2B1ylQlqiwKR%2BPS%2FjA%3D',
    });
    expect(token.accessToken).toMatch(/^RknUZHexLF2i_/);
    expect(token.refreshToken).toBe('aUCl0dAA9FNg1FR3f1ShgzoznDTZIxGKjrtSzIabtoo=');
    expect(token.tokenType).toBe('Bearer');

    tm.invalidate();
    const refreshed = await tm.getToken();
    expectRequest(veeam.tokenRequests()[1], {
      url: tokenUrl,
      headers: { accept: 'application/json', 'content-type': FORM },
      body: 'grant_type=refresh_token&refresh_token=aUCl0dAA9FNg1FR3f1ShgzoznDTZIxGKjrtSzIabtoo%3D',
    });
    expect(refreshed.accessToken).toMatch(/^YSEoaL6H9EEyJpnrJ9/);
    expect(refreshed.refreshToken).toBe('vbGuPkz7XLS1p5PQ3EARoGGKJKFMdgBbIi6fH79WQac=');
    expect(refreshed.expiresAt - refreshed.receivedAt).toBe(899_000);
  });

  it('refreshes with client credentials by default (RFC 6749 §6 confidential client)', async () => {
    const veeam = veeamServer();
    msw.use(...veeam.handlers);
    const tm = manager({ tokenUrl, clientId: VEEAM_CLIENT_ID, clientSecret: VEEAM_CLIENT_SECRET, clientAuth: 'body' });
    await tm.getToken();
    tm.invalidate();
    await tm.getToken();
    expect(veeam.tokenRequests()[1]!.body).toBe(
      'grant_type=refresh_token&refresh_token=aUCl0dAA9FNg1FR3f1ShgzoznDTZIxGKjrtSzIabtoo%3D&client_id=58b91a67-4aca-490f-aeac-2ea11eadceaa&client_secret=iGuL5owQoVbN%2FRfaWYPTjh4QHT%2B1ylQlqiwKR%2BPS%2FjA%3D',
    );
  });

  it('auto: Basic is refused with invalid_client, body credentials work and are remembered', async () => {
    const veeam = veeamServer({ answers: 'generated' });
    msw.use(...veeam.handlers);
    const tm = manager({ tokenUrl, clientId: VEEAM_CLIENT_ID, clientSecret: VEEAM_CLIENT_SECRET });
    await tm.getToken();
    const [first, second] = veeam.tokenRequests();
    expect(first!.headers.authorization).toBe(basic('58b91a67-4aca-490f-aeac-2ea11eadceaa:iGuL5owQoVbN%2FRfaWYPTjh4QHT%2B1ylQlqiwKR%2BPS%2FjA%3D'));
    expect(first!.body).toBe('grant_type=client_credentials');
    expect(second!.headers.authorization).toBeUndefined();
    expect(second!.body).toContain('&client_id=58b91a67-4aca-490f-aeac-2ea11eadceaa&client_secret=');
    expect(tm.clientAuth).toBe('body');
    await tm.getToken({ forceRefresh: true });
    expect(veeam.tokenRequests()[2]!.headers.authorization).toBeUndefined();
  });

  it('calls the Clients API with the bearer token and logs off with DELETE /api/token', async () => {
    const veeam = veeamServer();
    msw.use(...veeam.handlers);
    const tm = manager({
      tokenUrl,
      username: VEEAM_USERNAME,
      password: VEEAM_PASSWORD,
      baseUrl: 'https://uwin2012r2.n.local:9898/',
      logoff: { style: 'bearer', url: '/api/token' },
    });
    const created = await tm.fetch('/api/v7.2/Clients', { method: 'POST' });
    expect(await created.json()).toMatchObject({ client_id: '4a346f40-d4b6-4ed8-913d-d6e1297a75a4' });
    const res = await tm.fetch('/api/v7.2/Clients');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([
      '4a346f40-d4b6-4ed8-913d-d6e1297a75a4',
      'b2845041-53ce-4335-b157-bcf9b08740c8',
      '98e3c3cc-5945-4b30-9e89-6066e5159502',
      '3ace3638-3810-4f0f-92e6-d700ad5df6ba',
      '06af349a-acba-4f42-9f81-721489bcae4c',
    ]);
    const deleted = await tm.fetch('/api/v7.2/Clients?clientId=4a346f40-d4b6-4ed8-913d-d6e1297a75a4', { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    const apiCalls = veeam.requests.filter((r) => r.url.includes('/api/v7.2/'));
    expect(apiCalls.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST https://uwin2012r2.n.local:9898/api/v7.2/Clients',
      'GET https://uwin2012r2.n.local:9898/api/v7.2/Clients',
      'DELETE https://uwin2012r2.n.local:9898/api/v7.2/Clients?clientId=4a346f40-d4b6-4ed8-913d-d6e1297a75a4',
    ]);
    expect(new Set(apiCalls.map((r) => r.headers.authorization))).toEqual(new Set([`Bearer ${(await tm.getToken()).accessToken}`]));
    const token = await tm.getToken();
    await tm.logoff();
    const logoff = veeam.requests.at(-1)!;
    expect(logoff.method).toBe('DELETE');
    expect(logoff.url).toBe(tokenUrl);
    expect(logoff.headers.authorization).toBe(`Bearer ${token.accessToken}`);
    expect(veeam.tokens.status(token.accessToken, 'access')).toBe('revoked');
  });
});

describe('seed 002: InfoLink (POST /api/v1/oauth2/token, body credentials)', () => {
  const tokenUrl = 'http://infolink.example/api/v1/oauth2/token';

  it('client_credentials with client_id and client_secret in the body', async () => {
    const infolink = infolinkServer();
    msw.use(...infolink.handlers);
    const tm = manager({ tokenUrl, clientId: INFOLINK_CLIENT_ID, clientSecret: INFOLINK_CLIENT_SECRET, clientAuth: 'body' });
    const before = Date.now();
    const token = await tm.getToken();
    expectRequest(infolink.tokenRequests()[0], {
      url: tokenUrl,
      headers: { accept: 'application/json', 'content-type': FORM },
      body: 'grant_type=client_credentials&client_id=9605c5d5-2a1b-49cc-8aaa-b350ee9d86b6&client_secret=eebb17b2-9ce4-4c73-a23f-d23739bf99b4',
    });
    expect(token).toMatchObject({
      tokenType: 'Bearer',
      accessToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
      refreshToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expectFresh(token, 1800, before, Date.now());
  });

  it('password grant with client credentials too; john@company.com encoded as john%40company.com', async () => {
    const infolink = infolinkServer();
    msw.use(...infolink.handlers);
    const tm = manager({
      tokenUrl,
      clientId: INFOLINK_CLIENT_ID,
      clientSecret: INFOLINK_CLIENT_SECRET,
      clientAuth: 'body',
      username: INFOLINK_USERNAME,
      password: INFOLINK_PASSWORD,
    });
    await tm.getToken();
    expectRequest(infolink.tokenRequests()[0], {
      url: tokenUrl,
      headers: { accept: 'application/json', 'content-type': FORM },
      body: 'grant_type=password&username=john%40company.com&password=mypassword&client_id=9605c5d5-2a1b-49cc-8aaa-b350ee9d86b6&client_secret=eebb17b2-9ce4-4c73-a23f-d23739bf99b4',
    });
  });

  it('refresh_token=75168ca1-… (no client credentials, as the page sends it) gets the documented answer', async () => {
    const infolink = infolinkServer();
    msw.use(...infolink.handlers);
    const store = new MemoryTokenStore();
    const tm = manager({
      tokenUrl,
      clientId: INFOLINK_CLIENT_ID,
      clientSecret: INFOLINK_CLIENT_SECRET,
      clientAuth: 'body',
      refreshWithClientAuth: false,
      store,
    });
    // A token persisted by an earlier run, expired, with the page's refresh token.
    store.set(tm.cacheKey, {
      accessToken: 'b37b1dcc-7fac-4435-a947-fa2e0a2a3ad7',
      tokenType: 'Bearer',
      expiresAt: 1,
      receivedAt: 0,
      refreshToken: INFOLINK_SAMPLE_REFRESH_TOKEN,
      raw: {},
    });
    const token = await tm.getToken();
    expectRequest(infolink.tokenRequests()[0], {
      url: tokenUrl,
      headers: { accept: 'application/json', 'content-type': FORM },
      body: 'grant_type=refresh_token&refresh_token=75168ca1-d5ac-4bda-a943-0d3906710d14',
    });
    expect(token).toMatchObject({
      accessToken: 'c5b8d97d-768c-4c21-b8d5-995560b8bde7',
      refreshToken: '1a47224c-9a59-49df-83cf-1d79cf2dc738',
      tokenType: 'Bearer',
    });
    expect(token.expiresAt - token.receivedAt).toBe(1_800_000);
  });

  it('an expired refresh token gets the standard invalid_grant: the manager falls back to the grant', async () => {
    const infolink = infolinkServer();
    msw.use(...infolink.handlers);
    const fallbacks: TokenwardError[] = [];
    const store = new MemoryTokenStore();
    const tm = manager({ tokenUrl, clientId: INFOLINK_CLIENT_ID, clientSecret: INFOLINK_CLIENT_SECRET, clientAuth: 'body', store });
    tm.on('refresh-fallback', ({ error }) => fallbacks.push(error));
    store.set(tm.cacheKey, { accessToken: 'old', tokenType: 'Bearer', expiresAt: 1, receivedAt: 0, refreshToken: 'dead-refresh-token', raw: {} });
    const token = await tm.getToken();
    expect(infolink.tokenRequests().map((r) => new URLSearchParams(r.body).get('grant_type'))).toEqual(['refresh_token', 'client_credentials']);
    expect(fallbacks[0]).toMatchObject({
      code: ErrorCode.OAUTH,
      status: 400,
      error: 'invalid_grant',
      errorDescription: 'Credentials or token is invalid or expired',
    });
    expect(token.refreshToken).toMatch(/^b0000000-/);
  });

  it("InfoLink's envelope at the token endpoint becomes an OAuthError with result.code and result.message", async () => {
    const infolink = infolinkServer();
    msw.use(...infolink.handlers);
    const tm = manager({
      tokenUrl,
      clientId: INFOLINK_CLIENT_ID,
      clientSecret: INFOLINK_CLIENT_SECRET,
      clientAuth: 'body',
      username: INFOLINK_USERNAME,
      password: 'wrong-password',
    });
    const err = (await tm.getToken().catch((e: unknown) => e)) as TokenwardError;
    expect(err).toBeInstanceOf(OAuthError);
    expect(err).toMatchObject({ code: ErrorCode.OAUTH, status: 400, error: 'invalid_grant', errorDescription: 'Credentials or token is invalid or expired' });
    expect(err.message).toBe('tokenward: token endpoint answered 400 invalid_grant: "Credentials or token is invalid or expired"');
  });

  it('auto: Basic is answered 401 with the envelope, body credentials are used from then on', async () => {
    const infolink = infolinkServer();
    msw.use(...infolink.handlers);
    const tm = manager({ tokenUrl, clientId: INFOLINK_CLIENT_ID, clientSecret: INFOLINK_CLIENT_SECRET });
    await tm.getToken();
    expect(infolink.tokenRequests().map((r) => r.headers.authorization !== undefined)).toEqual([true, false]);
    expect(tm.clientAuth).toBe('body');
  });

  it('executeJob: JSON POST with the bearer; an expired token answered 200 + envelope is caught by an isAuthFailure that reads the body', async () => {
    const infolink = infolinkServer();
    msw.use(...infolink.handlers);
    const tm = manager({
      tokenUrl,
      clientId: INFOLINK_CLIENT_ID,
      clientSecret: INFOLINK_CLIENT_SECRET,
      clientAuth: 'body',
      baseUrl: 'http://infolink.example/',
      isAuthFailure: async (res) =>
        res.status === 401 ||
        (
          (await res
            .clone()
            .json()
            .catch(() => ({}))) as { status?: string; result?: { code?: string } }
        ).result?.code === 'invalid_grant',
    });
    const job = {
      appId: '170',
      isAsync: false,
      responseFormat: 'text',
      operation: { opName: 'RunScenario', opParams: { scenario: 'LoadData', parameters: {}, data: null } },
    };
    const first = await tm.getToken();
    infolink.tokens.expireAll('access');
    const res = await tm.fetch('/api/v1/executeJob', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(job) });
    expect(await res.json()).toMatchObject({ status: 'success' });
    const calls = infolink.requests.filter((r) => r.url.endsWith('/executeJob'));
    expect(calls).toHaveLength(2);
    expect(calls[0]!.headers.authorization).toBe(`Bearer ${first.accessToken}`);
    expect(calls[1]!.body).toBe(JSON.stringify(job));
    expect(calls[1]!.headers.authorization).not.toBe(`Bearer ${first.accessToken}`);
  });
});

describe('seed 003: Bright Pattern (POST /configapi/v2/oauth/token, scope = tenant host)', () => {
  const tokenUrl = 'https://example.com/configapi/v2/oauth/token';

  it('string expires_in "3599" and a trailing comma; scope sent as the host name', async () => {
    const bp = brightPatternServer();
    msw.use(...bp.handlers);
    const tm = manager({
      tokenUrl,
      clientId: BRIGHT_PATTERN_CLIENT_ID,
      clientSecret: BRIGHT_PATTERN_CLIENT_SECRET,
      clientAuth: 'body',
      scope: BRIGHT_PATTERN_SCOPE,
    });
    const before = Date.now();
    const token = await tm.getToken();
    expectRequest(bp.tokenRequests()[0], {
      url: tokenUrl,
      headers: { accept: 'application/json', 'content-type': FORM },
      body: 'grant_type=client_credentials&scope=example.com&client_id=clientid&client_secret=qkDwDJlDfig2IpeuUZYKH1Wb8q1V0ju6sILxQQqhJ',
    });
    expect(token.accessToken).toBe(BRIGHT_PATTERN_SAMPLE_TOKEN);
    expect(token.tokenType).toBe('Bearer');
    expect(token.refreshToken).toBeUndefined();
    expect(token.raw).toEqual({ token_type: 'Bearer', expires_in: '3599' });
    expectFresh(token, 3599, before, Date.now());
  });

  it('the tenant= variant goes through params', async () => {
    const bp = brightPatternServer();
    msw.use(...bp.handlers);
    const tm = manager({
      tokenUrl,
      clientId: 'sheila.thomas',
      clientSecret: BRIGHT_PATTERN_CLIENT_SECRET,
      clientAuth: 'body',
      params: { tenant: 'example.com' },
    });
    await tm.getToken();
    expect(bp.tokenRequests()[0]!.body).toBe(
      'grant_type=client_credentials&client_id=sheila.thomas&client_secret=qkDwDJlDfig2IpeuUZYKH1Wb8q1V0ju6sILxQQqhJ&tenant=example.com',
    );
  });

  it('GET /data with the bearer token', async () => {
    const bp = brightPatternServer();
    msw.use(...bp.handlers);
    const tm = manager({
      tokenUrl,
      clientId: BRIGHT_PATTERN_CLIENT_ID,
      clientSecret: BRIGHT_PATTERN_CLIENT_SECRET,
      clientAuth: 'body',
      scope: BRIGHT_PATTERN_SCOPE,
      baseUrl: 'https://example.com',
    });
    const res = await tm.fetch('/data');
    expect(res.status).toBe(200);
    expect(bp.requests.at(-1)!.headers.authorization).toBe(`Bearer ${BRIGHT_PATTERN_SAMPLE_TOKEN}`);
  });
});

describe('seed 004: ASP.NET api/v1/auth/token (JSON body, Keycloak extras, XML by negotiation)', () => {
  const tokenUrl = 'https://api.example.com/api/v1/auth/token';
  const options = {
    tokenUrl,
    clientId: ASPNET_SAMPLE_REQUEST.client_id,
    clientSecret: ASPNET_SAMPLE_REQUEST.client_secret,
    clientAuth: 'body',
    username: ASPNET_SAMPLE_REQUEST.username,
    password: ASPNET_SAMPLE_REQUEST.password,
    scope: ASPNET_SAMPLE_REQUEST.scope,
    bodyFormat: 'json',
    params: { WindowsAuthentication: false },
  } as const;

  it("JSON body with WindowsAuthentication as a JSON boolean; the documented answer's placeholder token_type is refused by name", async () => {
    for (const format of ['json', 'xml'] as const) {
      const aspnet = aspnetAuthTokenServer({ answers: 'documented', format });
      msw.use(...aspnet.handlers);
      const err = (await manager(options)
        .getToken()
        .catch((e: unknown) => e)) as TokenwardError;
      expectRequest(aspnet.tokenRequests()[0], {
        url: tokenUrl,
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: '{"grant_type":"password","username":"sample string 5","password":"sample string 6","scope":"sample string 4","client_id":"sample string 2","client_secret":"sample string 3","WindowsAuthentication":false}',
      });
      expect(JSON.parse(aspnet.tokenRequests()[0]!.body).WindowsAuthentication).toBe(false);
      // "sample string 6" is the Help Page's placeholder: sent as if it were Bearer, every call would 401.
      expect(err).toBeInstanceOf(TokenwardError);
      expect(err).toMatchObject({ code: ErrorCode.UNSUPPORTED_TOKEN_TYPE, status: 200 });
      // The sample's password is the same text, so the type is scrubbed from the message like any secret.
      expect(err.message).toContain('token_type "[redacted]", which tokenward cannot send');
      msw.resetHandlers();
    }
  });

  it.each([
    ['JSON', ASPNET_JSON_ANSWER, 'application/json; charset=utf-8'],
    ['XML (content negotiation)', ASPNET_XML_ANSWER, 'application/xml; charset=utf-8'],
  ])('the documented %s answer, read with its placeholder type accepted: every extra kept in raw with its type', (_, body, type) => {
    const now = 1_700_000_000_000;
    const token = normalizeTokenResponse({ status: 200, headers: { 'content-type': type }, body }, { now, acceptedTokenTypes: ['sample string 6'] });
    expect(token).toMatchObject({ accessToken: 'sample string 1', refreshToken: 'sample string 5', scope: 'sample string 8', tokenType: 'sample string 6' });
    expect(token.expiresAt - now).toBe(1000);
    expect(token.refreshExpiresAt! - now).toBe(1000);
    expect(token.raw).toEqual({
      expires_in: 1,
      redirect_url: 'sample string 2',
      ip: 'sample string 3',
      is_editor: true,
      refresh_expires_in: 1,
      token_type: 'sample string 6',
      not_before_policy: 1,
      session_state: 'sample string 7',
      scope: 'sample string 8',
    });
  });

  it('Accept: application/json is what keeps the answer JSON (without it the server answers XML)', async () => {
    const aspnet = aspnetAuthTokenServer({ answers: 'documented' });
    msw.use(...aspnet.handlers);
    const res = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ASPNET_SAMPLE_REQUEST) });
    expect(res.headers.get('content-type')).toMatch(/xml/);
    expect(await res.text()).toMatch(/^<AccessTokenResponse /);
  });

  it('realistic Keycloak answer: refresh_expires_in read, lower-case bearer normalised, then the refresh_token grant in JSON', async () => {
    const aspnet = aspnetAuthTokenServer();
    msw.use(...aspnet.handlers);
    const tm = manager(options);
    const token = await tm.getToken();
    expect(token.tokenType).toBe('Bearer');
    expect(token.expiresAt - token.receivedAt).toBe(300_000);
    expect(token.refreshExpiresAt! - token.receivedAt).toBe(1_800_000);
    expect(token.raw).toMatchObject({
      not_before_policy: 0,
      session_state: expect.any(String),
      ip: '127.0.0.1',
      is_editor: true,
      redirect_url: expect.any(String),
    });
    tm.invalidate();
    await tm.getToken();
    const refresh = aspnet.tokenRequests()[1]!;
    expect(JSON.parse(refresh.body)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: token.refreshToken,
      client_id: 'sample string 2',
      client_secret: 'sample string 3',
      WindowsAuthentication: false,
    });
    const res = await manager({ ...options, baseUrl: 'https://api.example.com' }).fetch('/api/v1/profile');
    expect(res.status).toBe(200);
  });
});
