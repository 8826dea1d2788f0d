/**
 * `tm.logoff()` through msw, for each style: Veeam's `DELETE /api/token` with the bearer token, Jim2's
 * vendor logoff page (method and path configured, under the site path), and RFC 7009 revocation.
 */
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ErrorCode, TokenManager, type TokenManagerOptions, TokenwardError } from '../src/index.js';

const VEEAM = 'https://vro.example.com:9898';
const JIM2 = 'http://jim2.example.com';
const IDP = 'https://idp.example.com';

interface Release {
  method: string;
  url: string;
  auth: string | null;
  form: Record<string, string>;
}

let issued = 0;
let tokenRequests: Array<Record<string, string>> = [];
let releases: Release[] = [];
let tokenDelayMs = 0;
let expiresIn = 900;
/** What the logoff endpoint answers; `undefined` means the style's normal success. */
let logoffAnswer: (() => Response) | undefined;

async function tokenEndpoint({ request }: { request: Request }) {
  const form = Object.fromEntries(new URLSearchParams(await request.text()));
  tokenRequests.push({ ...form, at: new URL(request.url).origin });
  if (tokenDelayMs) await new Promise((r) => setTimeout(r, tokenDelayMs));
  const n = ++issued;
  // Veeam's samples: lower-case bearer, 899-ish seconds, a refresh token with characters that need encoding.
  return HttpResponse.json({ access_token: `tok-${n}`, token_type: 'bearer', expires_in: expiresIn, refresh_token: `rt-${n}+/=` });
}

function logoffEndpoint(success: number) {
  return async ({ request }: { request: Request }) => {
    const text = await request.text();
    releases.push({
      method: request.method,
      url: request.url,
      auth: request.headers.get('authorization'),
      form: Object.fromEntries(new URLSearchParams(text)),
    });
    return logoffAnswer ? logoffAnswer() : new HttpResponse(null, { status: success });
  };
}

const server = setupServer(
  http.post(`${VEEAM}/api/token`, tokenEndpoint),
  http.delete(`${VEEAM}/api/token`, logoffEndpoint(204)),
  http.post(`${JIM2}/Jim_Test/token`, tokenEndpoint),
  http.post(`${JIM2}/Jim_Test/api/v1/logoff`, logoffEndpoint(200)),
  http.post(`${IDP}/oauth/token`, tokenEndpoint),
  http.post(`${IDP}/oauth/revoke`, logoffEndpoint(200)),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  vi.useRealTimers();
  server.resetHandlers();
  issued = 0;
  tokenRequests = [];
  releases = [];
  tokenDelayMs = 0;
  expiresIn = 900;
  logoffAnswer = undefined;
});
afterAll(() => server.close());

const fetchOption = { fetch: (input: string | URL | Request, init?: RequestInit) => globalThis.fetch(input, init), retry: false as const };

interface Style {
  name: string;
  options: TokenManagerOptions;
  /** What the server must have received to release tokens `n` (access `tok-n`, refresh `rt-n+/=`). */
  expected: (n: number) => Array<Partial<Release>>;
}

const styles: Style[] = [
  {
    name: 'bearer: Veeam DELETE /api/token',
    options: {
      tokenUrl: `${VEEAM}/api/token`,
      username: 'vdro\\administrator',
      password: 'p@ss',
      clientAuth: 'none',
      clientId: 'vro',
      logoff: { style: 'bearer' },
      ...fetchOption,
    },
    expected: (n) => [{ method: 'DELETE', url: `${VEEAM}/api/token`, auth: `Bearer tok-${n}` }],
  },
  {
    name: "bearer: Jim2's vendor logoff page under the site path",
    options: {
      tokenUrl: `${JIM2}/Jim_Test/token`,
      baseUrl: `${JIM2}/Jim_Test/`,
      clientId: 'TestClientId',
      clientSecret: 'password',
      clientAuth: 'basic',
      logoff: { style: 'bearer', url: '/api/v1/logoff', method: 'post' },
      ...fetchOption,
    },
    expected: (n) => [{ method: 'POST', url: `${JIM2}/Jim_Test/api/v1/logoff`, auth: `Bearer tok-${n}` }],
  },
  {
    name: 'revoke: RFC 7009, refresh token then access token, Basic client auth',
    options: {
      tokenUrl: `${IDP}/oauth/token`,
      clientId: 'svc',
      clientSecret: 's3cret',
      clientAuth: 'basic',
      logoff: { style: 'revoke', url: `${IDP}/oauth/revoke` },
      ...fetchOption,
    },
    expected: (n) => [
      {
        method: 'POST',
        url: `${IDP}/oauth/revoke`,
        auth: `Basic ${Buffer.from('svc:s3cret').toString('base64')}`,
        form: { token: `rt-${n}+/=`, token_type_hint: 'refresh_token' },
      },
      {
        method: 'POST',
        url: `${IDP}/oauth/revoke`,
        auth: `Basic ${Buffer.from('svc:s3cret').toString('base64')}`,
        form: { token: `tok-${n}`, token_type_hint: 'access_token' },
      },
    ],
  },
];

function pick(r: Release, like: Partial<Release>): Partial<Release> {
  return Object.fromEntries(Object.keys(like).map((k) => [k, r[k as keyof Release]]));
}

describe.each(styles)('logoff, $name', (style) => {
  it('releases the session, clears the cache, and a later getToken acquires afresh', async () => {
    const tm = new TokenManager(style.options);
    const events: unknown[] = [];
    tm.on('logoff', (e) => events.push(e));
    await tm.getToken();
    await tm.logoff();
    const expected = style.expected(1);
    expect(releases.map((r, i) => pick(r, expected[i]!))).toEqual(expected);
    expect(tm.peekToken()).toBeUndefined();
    expect(events).toEqual([{ released: true, outcome: 'released' }]);
    expect((await tm.getToken()).accessToken).toBe('tok-2');
    // A fresh grant, not a refresh with the released refresh token.
    expect(tokenRequests.at(-1)!.grant_type).not.toBe('refresh_token');
  });

  it('waits for an in-flight refresh, then releases the new token', async () => {
    const tm = new TokenManager(style.options);
    await tm.getToken();
    tokenDelayMs = 50;
    const refreshing = tm.getToken({ forceRefresh: true });
    await tm.logoff();
    expect((await refreshing).accessToken).toBe('tok-2');
    expect(tokenRequests.at(-1)!.grant_type).toBe('refresh_token');
    const expected = style.expected(2);
    expect(releases.map((r, i) => pick(r, expected[i]!))).toEqual(expected);
  });

  it('is idempotent: a second logoff, concurrent or later, sends nothing', async () => {
    const tm = new TokenManager(style.options);
    await tm.getToken();
    await Promise.all([tm.logoff(), tm.logoff()]);
    await tm.logoff();
    expect(releases).toHaveLength(style.expected(1).length);
  });

  it('clears local state and surfaces ERR_TOKENWARD_LOGOFF when the server is down', async () => {
    const tm = new TokenManager(style.options);
    const errors: TokenwardError[] = [];
    const events: unknown[] = [];
    tm.on('error', (e) => errors.push(e));
    tm.on('logoff', (e) => events.push(e));
    await tm.getToken();
    logoffAnswer = () => HttpResponse.error();
    const err = await tm.logoff().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenwardError);
    expect((err as TokenwardError).code).toBe(ErrorCode.LOGOFF);
    expect(JSON.stringify(err)).not.toMatch(/tok-1|rt-1|s3cret|p@ss/);
    expect(errors.map((e) => e.code)).toEqual([ErrorCode.LOGOFF]);
    expect(events).toEqual([{ released: false, outcome: 'failed' }]);
    expect(tm.peekToken()).toBeUndefined();
    logoffAnswer = undefined;
    expect((await tm.getToken()).accessToken).toBe('tok-2');
    expect(tokenRequests.at(-1)!.grant_type).not.toBe('refresh_token');
  });

  it('reports a 500 as ERR_TOKENWARD_LOGOFF with the status', async () => {
    const tm = new TokenManager(style.options);
    await tm.getToken();
    logoffAnswer = () => HttpResponse.json({ error: 'server_error' }, { status: 500 });
    await expect(tm.logoff()).rejects.toMatchObject({ code: ErrorCode.LOGOFF, status: 500, error: 'server_error' });
  });

  const gone: Array<[string, () => Response]> = [
    ['404', () => new HttpResponse('gone', { status: 404 })],
    ['400 invalid_token', () => HttpResponse.json({ error: 'invalid_token', error_description: 'Token expired' }, { status: 400 })],
  ];
  if (style.options.logoff && style.options.logoff.style === 'bearer') gone.push(['401', () => new HttpResponse(null, { status: 401 })]);
  for (const [name, answer] of gone) {
    it(`treats ${name} as already logged off`, async () => {
      const tm = new TokenManager(style.options);
      await tm.getToken();
      logoffAnswer = answer;
      await expect(tm.logoff()).resolves.toBeUndefined();
      expect(tm.peekToken()).toBeUndefined();
    });
  }

  it('logs off when an `await using` scope ends', async () => {
    {
      await using tm = new TokenManager(style.options);
      await tm.getToken();
      expect(releases).toHaveLength(0);
    }
    const expected = style.expected(1);
    expect(releases.map((r, i) => pick(r, expected[i]!))).toEqual(expected);
  });

  it('sends nothing when no token was ever acquired', async () => {
    const tm = new TokenManager(style.options);
    await tm.logoff();
    expect(releases).toHaveLength(0);
    expect(tokenRequests).toHaveLength(0);
  });
});

describe('logoff, other rules', () => {
  const revoke = styles[2]!.options;

  it('revocation authenticates the client as the token endpoint learned it (body, after Basic was refused)', async () => {
    server.use(
      http.post(`${IDP}/oauth/token`, async ({ request }) => {
        if (request.headers.get('authorization')) return HttpResponse.json({ error: 'invalid_client' }, { status: 401 });
        return tokenEndpoint({ request });
      }),
    );
    const tm = new TokenManager({ ...revoke, clientAuth: 'auto' });
    await tm.getToken();
    expect(tm.clientAuth).toBe('body');
    await tm.logoff();
    expect(releases.map((r) => [r.auth, r.form])).toEqual([
      [null, { token: 'rt-1+/=', token_type_hint: 'refresh_token', client_id: 'svc', client_secret: 's3cret' }],
      [null, { token: 'tok-1', token_type_hint: 'access_token', client_id: 'svc', client_secret: 's3cret' }],
    ]);
  });

  it('revocation: a 401 is bad client credentials, not "already logged off"', async () => {
    const tm = new TokenManager(revoke);
    await tm.getToken();
    logoffAnswer = () => HttpResponse.json({ error: 'invalid_client' }, { status: 401 });
    await expect(tm.logoff()).rejects.toMatchObject({ code: ErrorCode.LOGOFF, status: 401, error: 'invalid_client' });
  });

  it('revocation: a server that cannot revoke access tokens (unsupported_token_type) is fine', async () => {
    server.use(
      http.post(`${IDP}/oauth/revoke`, async ({ request }) => {
        const form = Object.fromEntries(new URLSearchParams(await request.text()));
        releases.push({ method: 'POST', url: request.url, auth: null, form });
        return form.token_type_hint === 'access_token'
          ? HttpResponse.json({ error: 'unsupported_token_type' }, { status: 400 })
          : new HttpResponse(null, { status: 200 });
      }),
    );
    const tm = new TokenManager(revoke);
    const outcomes: string[] = [];
    tm.on('logoff', (e) => outcomes.push(e.outcome));
    await tm.getToken();
    await expect(tm.logoff()).resolves.toBeUndefined();
    expect(releases).toHaveLength(2);
    // The refresh token's revocation ended the grant: released, whatever the access token's answer.
    expect(outcomes).toEqual(['released']);
  });

  it('revocation: with only an access token the server will not revoke, the outcome says it lives on (not "already ended")', async () => {
    server.use(
      http.post(`${IDP}/oauth/revoke`, async ({ request }) => {
        releases.push({ method: 'POST', url: request.url, auth: null, form: Object.fromEntries(new URLSearchParams(await request.text())) });
        return HttpResponse.json({ error: 'unsupported_token_type' }, { status: 400 });
      }),
    );
    const tm = new TokenManager({ ...revoke, logoff: { style: 'revoke', url: `${IDP}/oauth/revoke`, tokens: ['access_token'] } });
    const events: Array<{ released: boolean; outcome: string }> = [];
    tm.on('logoff', (e) => events.push(e));
    await tm.getToken();
    await expect(tm.logoff()).resolves.toBeUndefined();
    expect(releases).toHaveLength(1);
    expect(events).toEqual([{ released: false, outcome: 'not-revocable' }]);
  });

  it('the logoff event names the outcome: already ended, nothing held, not configured', async () => {
    const seen: string[] = [];
    const gone = new TokenManager(revoke);
    gone.on('logoff', (e) => seen.push(e.outcome));
    await gone.getToken();
    logoffAnswer = () => HttpResponse.json({ error: 'invalid_token' }, { status: 400 });
    await gone.logoff();
    const empty = new TokenManager(revoke);
    empty.on('logoff', (e) => seen.push(e.outcome));
    await empty.logoff();
    const off = new TokenManager({ ...revoke, logoff: false });
    off.on('logoff', (e) => seen.push(e.outcome));
    await off.getToken();
    await off.logoff();
    expect(seen).toEqual(['already-ended', 'no-token', 'not-configured']);
  });

  it('with logoff: false, only forgets locally', async () => {
    const tm = new TokenManager({ ...revoke, logoff: false });
    await tm.getToken();
    await tm.logoff();
    expect(releases).toHaveLength(0);
    expect(tm.peekToken()).toBeUndefined();
  });

  it('stops the proactive refresh timer', async () => {
    // Fake clock and timers: the 1-second tokens' background refreshes fire when the test says so.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    expiresIn = 1;
    const tm = new TokenManager({ ...styles[0]!.options, proactive: true });
    const control = new TokenManager({ ...revoke, proactive: true });
    const controlRefreshed = new Promise<void>((resolve) => control.on('token', (e) => e.how === 'refresh' && resolve()));
    await tm.getToken();
    await control.getToken();
    await tm.logoff();
    // Well past both tokens' refresh time. The control manager refreshes in the background (waited for
    // by its event, not by the clock); the logged-off one has no timer left to fire.
    await vi.advanceTimersByTimeAsync(5_000);
    await controlRefreshed;
    expect(tokenRequests.filter((t) => t.at === IDP).length).toBeGreaterThanOrEqual(2);
    expect(tokenRequests.filter((t) => t.at === VEEAM)).toHaveLength(1);
    expect(tm.peekToken()).toBeUndefined();
    await control.logoff();
  });
});
