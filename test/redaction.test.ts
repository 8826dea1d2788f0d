/**
 * No secret in any error: every error kind is provoked with known secrets, against servers that echo
 * the request back in every shape (as debug pages and some proxies do), and every way an error is
 * looked at is searched for every spelling of every secret.
 */
import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, normalizeTokenResponse, TokenManager, type TokenManagerOptions, TokenwardError } from '../src/index.js';
import { excerpt } from '../src/redact.js';
import { answer, type ScriptedRequest, type ScriptStep, scriptedFetch } from './helpers/scripted-fetch.js';

const CLIENT_ID = 'redaction-client';
const CLIENT_SECRET = 'cl!ent S3cret+/=:%é-xyz';
const USERNAME = 'DOMAIN\\someone';
const PASSWORD = 'p@ss\\word "quoted" 9';
const ACCESS_TOKEN = 'at-SECRET-0123456789abcdef';
const REFRESH_TOKEN = 'rt+SECRET/0123456789==';
const NEW_ACCESS_TOKEN = 'new-at-SECRET-fedcba9876';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const form = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);
const SECRETS = {
  clientSecret: CLIENT_SECRET,
  password: PASSWORD,
  accessToken: ACCESS_TOKEN,
  refreshToken: REFRESH_TOKEN,
  newAccessToken: NEW_ACCESS_TOKEN,
  basicPair: b64(`${form(CLIENT_ID)}:${form(CLIENT_SECRET)}`),
  basicPairRaw: b64(`${CLIENT_ID}:${CLIENT_SECRET}`),
};
/** Every spelling a secret can take on its way into an error. */
const SPELLINGS: Array<[string, string]> = Object.entries(SECRETS).flatMap(([name, value]) =>
  [...new Set([value, encodeURIComponent(value), form(value), JSON.stringify(value).slice(1, -1)])].map((s): [string, string] => [name, s]),
);

/** Everything one can look at on an error, down its cause and attempts chain. */
function views(err: unknown, seen = new Set<unknown>()): string[] {
  if (err === undefined || err === null || seen.has(err)) return [];
  seen.add(err);
  const out: string[] = [String(err), inspect(err, { depth: 10 })];
  if (err instanceof Error) {
    out.push(err.stack ?? '', err.message);
    // Each field as a logger would print it on its own (`log(err.errorDescription)`).
    for (const value of Object.values(err)) if (typeof value === 'string') out.push(value);
    try {
      out.push(JSON.stringify(err));
    } catch {
      // A cause that cannot be serialised is still inspected above.
    }
    out.push(...views(err.cause, seen));
    for (const a of (err as TokenwardError).attempts ?? []) out.push(...views(a, seen));
  } else if (typeof err === 'object') {
    out.push(JSON.stringify(err));
  }
  return out;
}

function expectNoSecrets(err: unknown): void {
  const text = views(err).join('\n');
  const found = SPELLINGS.filter(([, spelling]) => text.includes(spelling)).map(([name, spelling]) => `${name} as ${JSON.stringify(spelling)}`);
  expect(found, `secrets found in the error:\n${text}`).toEqual([]);
}

/** The request, echoed back in every shape a server might: headers, raw body, decoded fields, JSON-escaped. */
function echo(req: ScriptedRequest): string {
  const fields = Object.fromEntries(new URLSearchParams(req.body));
  return [
    `Authorization: ${req.headers.authorization ?? ''}`,
    `body=${req.body}`,
    `client_secret ${fields.client_secret ?? ''}`,
    `pw ${fields.password ?? ''}`,
    `rt ${fields.refresh_token ?? ''}`,
    `json ${JSON.stringify(fields)}`,
  ].join(' | ');
}
/** Several orders, so each shape is inside the 200-character excerpt at least once. */
function echoes(req: ScriptedRequest): string[] {
  const parts = echo(req).split(' | ');
  return parts.map((_, i) => [...parts.slice(i), ...parts.slice(0, i)].join(' | '));
}

const tokenUrl = 'https://auth.example.com/oauth/token?tenant=t1';
const base = { tokenUrl, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, username: USERNAME, password: PASSWORD, retry: false } satisfies TokenManagerOptions;

/** Runs getToken() against `step` for each echo order and returns every error (thrown or emitted). */
async function provoke(make: (echoText: string) => ScriptStep, options: Partial<TokenManagerOptions> = {}): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (let order = 0; order < 6; order++) {
    const f = scriptedFetch((req) => {
      const texts = echoes(req);
      const step = make(texts[order % texts.length]!);
      return step instanceof Response ? step : step instanceof Error ? Promise.reject(step) : step(req);
    });
    const tm = new TokenManager({ ...base, clientAuth: 'basic', fetch: f.fetch, ...options });
    tm.on('error', (e) => errors.push(e));
    tm.on('retry', (e) => errors.push(e));
    errors.push(await tm.getToken().catch((e: unknown) => e));
  }
  return errors;
}

function expectAll(errors: unknown[], code: string): void {
  expect(errors.length).toBeGreaterThan(0);
  const thrown = errors.filter((e) => e instanceof TokenwardError) as TokenwardError[];
  expect(thrown.length).toBeGreaterThan(0);
  for (const e of thrown) expect(e.code).toBe(code);
  for (const e of errors) expectNoSecrets(e);
}

describe('no secret reaches any error', () => {
  it('the echo really carries every secret (the test can fail)', () => {
    const req: ScriptedRequest = {
      method: 'POST',
      url: tokenUrl,
      headers: { authorization: `Basic ${SECRETS.basicPair}` },
      body: new URLSearchParams({
        grant_type: 'password',
        username: USERNAME,
        password: PASSWORD,
        client_secret: CLIENT_SECRET,
        refresh_token: REFRESH_TOKEN,
      }).toString(),
    };
    const text = echoes(req).join('\n');
    for (const value of [CLIENT_SECRET, form(CLIENT_SECRET), PASSWORD, JSON.stringify(PASSWORD).slice(1, -1), form(REFRESH_TOKEN), SECRETS.basicPair])
      expect(text).toContain(value);
    expect(() => expectNoSecrets(new Error(`x ${PASSWORD}`))).toThrow();
    expect(() => expectNoSecrets(new Error('x', { cause: { token: ACCESS_TOKEN } }))).toThrow();
  });

  it('config errors', () => {
    for (const options of [
      { ...base, timeout: 'soon' },
      { ...base, clientSecret: [CLIENT_SECRET] },
      { ...base, password: { p: PASSWORD } },
      { ...base, clientId: undefined },
      { ...base, tokenUrl: 'nope', unknownOption: ACCESS_TOKEN },
    ]) {
      let err: unknown;
      try {
        new TokenManager(options as unknown as TokenManagerOptions);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: ErrorCode.CONFIG });
      expectNoSecrets(err);
    }
  });

  it('OAuth errors (RFC 6749 JSON echoing the request in every field)', async () => {
    const errors = await provoke((text) => answer(400, { error: 'invalid_grant', error_description: text, error_uri: `https://x/?q=${text}` }));
    expectAll(errors, ErrorCode.OAUTH);
  });

  it("OAuth errors in InfoLink's envelope", async () => {
    expectAll(await provoke((text) => answer(401, { result: { code: 'invalid_grant', message: text }, status: 'error' })), ErrorCode.OAUTH);
  });

  it('a 200 carrying an error field', async () => {
    expectAll(await provoke((text) => answer(200, { error: 'server_error', error_description: text })), ErrorCode.OAUTH);
  });

  it('response errors: HTML pages, ASP.NET {Message}, XML and plain text echoing the request', async () => {
    expectAll(
      await provoke((text) => answer(502, `<html><body><h1>Bad Gateway</h1><pre>${text}</pre></body></html>`, { 'content-type': 'text/html' })),
      ErrorCode.RESPONSE,
    );
    expectAll(await provoke((text) => answer(400, { Message: text })), ErrorCode.RESPONSE);
    expectAll(await provoke((text) => answer(404, `<Error><Message>${text}</Message></Error>`, { 'content-type': 'application/xml' })), ErrorCode.RESPONSE);
    expectAll(await provoke((text) => answer(500, text, { 'content-type': 'text/plain' })), ErrorCode.RESPONSE);
  });

  it('invalid token responses that hold a new access token and an echo', async () => {
    expectAll(await provoke((text) => answer(200, { access_token: NEW_ACCESS_TOKEN, expires_in: -5, note: text })), ErrorCode.INVALID_TOKEN_RESPONSE);
    expectAll(
      await provoke((text) =>
        answer(200, `access_token=${NEW_ACCESS_TOKEN}&expires_in=soon&note=${encodeURIComponent(text)}`, {
          'content-type': 'application/x-www-form-urlencoded',
        }),
      ),
      ErrorCode.INVALID_TOKEN_RESPONSE,
    );
    expectAll(
      await provoke(() =>
        answer(200, `<r><access_token>${NEW_ACCESS_TOKEN}</access_token><expires_in>-1</expires_in></r>`, { 'content-type': 'application/xml' }),
      ),
      ErrorCode.INVALID_TOKEN_RESPONSE,
    );
    expectAll(await provoke((text) => answer(200, { token_type: 'bearer', echo: text })), ErrorCode.INVALID_TOKEN_RESPONSE);
  });

  it('too-large answers', async () => {
    expectAll(await provoke((text) => answer(200, `${text} ${'x'.repeat(5000)}`), { maxResponseBytes: 1024 }), ErrorCode.RESPONSE_TOO_LARGE);
  });

  it('network errors whose cause holds the request (as undici errors do)', async () => {
    const boom = () => {
      const cause = Object.assign(new Error('socket hang up'), {
        code: 'ECONNRESET',
        request: { headers: { authorization: `Basic ${SECRETS.basicPair}` }, body: `password=${form(PASSWORD)}` },
      });
      return new TypeError('fetch failed', { cause });
    };
    const errors = await provoke(() => boom());
    expectAll(errors, ErrorCode.NETWORK);
    expect((errors.at(-1) as TokenwardError).message).toContain('ECONNRESET socket hang up');
  });

  it('network errors whose message quotes a URL with credentials or a token in its query (undici does)', async () => {
    const url = `https://${CLIENT_ID}:${encodeURIComponent(CLIENT_SECRET)}@auth.example.com/oauth/token?access_token=${ACCESS_TOKEN}#${REFRESH_TOKEN}`;
    const errors = await provoke(
      () => new TypeError('fetch failed', { cause: new TypeError(`Request cannot be constructed from a URL that includes credentials: ${url}`) }),
    );
    expectAll(errors, ErrorCode.NETWORK);
    expect((errors.at(-1) as TokenwardError).message).toContain('includes credentials: https://auth.example.com/oauth/token');
  });

  it('timeouts', async () => {
    const hang: ScriptStep = (req) =>
      new Promise<Response>(() => {
        void req;
      });
    const f = scriptedFetch(hang);
    const fetch: typeof f.fetch = (input, init) =>
      new Promise((_, reject) => {
        void f.fetch(input, init);
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason));
      });
    const tm = new TokenManager({ ...base, fetch, timeout: 30 });
    const err = await tm.getToken().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.TIMEOUT });
    expectNoSecrets(err);
  });

  it('aborts', async () => {
    const fetch: TokenManagerOptions['fetch'] = (_input, init) =>
      new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
    const tm = new TokenManager({ ...base, fetch });
    const controller = new AbortController();
    const pending = tm.getToken({ signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    const err = await pending;
    expect(err).toMatchObject({ code: ErrorCode.ABORTED });
    expectNoSecrets(err);
  });

  it('client authentication refused both ways (attempts)', async () => {
    const errors: unknown[] = [];
    for (let order = 0; order < 6; order++) {
      const reply = (status: number) => (req: ScriptedRequest) => answer(status, { error: 'invalid_client', error_description: echoes(req)[order % 6] });
      const f = scriptedFetch(reply(401), reply(400));
      const tm = new TokenManager({ ...base, fetch: f.fetch });
      const err = (await tm.getToken().catch((e: unknown) => e)) as TokenwardError;
      expect(err.attempts).toHaveLength(2);
      errors.push(err);
    }
    expectAll(errors, ErrorCode.OAUTH);
  });

  it('refresh failures (refresh-fallback event and the final error) with the refresh token echoed', async () => {
    const errors: unknown[] = [];
    for (let order = 0; order < 6; order++) {
      const first = answer(200, { access_token: ACCESS_TOKEN, refresh_token: REFRESH_TOKEN, expires_in: 3600 });
      const refuse = (req: ScriptedRequest) => answer(400, { error: 'invalid_grant', error_description: echoes(req)[order % 6] });
      const f = scriptedFetch(first, refuse);
      const tm = new TokenManager({ ...base, clientAuth: 'body', fetch: f.fetch });
      tm.on('refresh-fallback', ({ error }) => errors.push(error));
      tm.on('error', (e) => errors.push(e));
      await tm.getToken();
      tm.invalidate();
      errors.push(await tm.getToken().catch((e: unknown) => e));
      expect(new URLSearchParams(f.requests[1]!.body).get('refresh_token')).toBe(REFRESH_TOKEN);
    }
    expectAll(errors, ErrorCode.OAUTH);
  });

  it('mapError: the remapped error and its cause', async () => {
    const errors = await provoke((text) => answer(400, { error: 'invalid_grant', error_description: `no licence ${text}` }), {
      mapError: (e) => (e.errorDescription?.startsWith('no licence') ? ErrorCode.NO_LICENCE : undefined),
    });
    expectAll(errors, ErrorCode.NO_LICENCE);
  });

  it('logoff failures: an answer echoing the bearer token, and a network failure', async () => {
    const errors: unknown[] = [];
    for (let order = 0; order < 6; order++) {
      const first = answer(200, { access_token: ACCESS_TOKEN, refresh_token: REFRESH_TOKEN, expires_in: 3600 });
      const refuse = (req: ScriptedRequest) =>
        answer(
          500,
          `<html><body>${[`Authorization: ${req.headers.authorization}`, `token ${ACCESS_TOKEN}`, `rt ${REFRESH_TOKEN}`, `rt ${form(REFRESH_TOKEN)}`, echo(req)].slice(order % 5).join(' ')}</body></html>`,
          {
            'content-type': 'text/html',
          },
        );
      for (const step of [
        refuse,
        new TypeError('fetch failed', {
          cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', headers: { authorization: `Bearer ${ACCESS_TOKEN}` } }),
        }),
      ]) {
        const f = scriptedFetch(first, step);
        const tm = new TokenManager({ ...base, clientAuth: 'body', fetch: f.fetch, logoff: { style: 'bearer', url: '/session' } });
        tm.on('error', (e) => errors.push(e));
        await tm.getToken();
        errors.push(await tm.logoff().catch((e: unknown) => e));
        expect(f.requests[1]!.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
      }
    }
    expectAll(errors, ErrorCode.LOGOFF);
  });

  it('revocation failures (RFC 7009 with Basic client auth)', async () => {
    const errors: unknown[] = [];
    const first = answer(200, { access_token: ACCESS_TOKEN, refresh_token: REFRESH_TOKEN, expires_in: 3600 });
    const refuse = (req: ScriptedRequest) => answer(400, { error: 'invalid_request', error_description: echo(req) });
    const f = scriptedFetch(first, refuse);
    const tm = new TokenManager({ ...base, clientAuth: 'basic', fetch: f.fetch, logoff: { style: 'revoke', url: '/revoke' } });
    await tm.getToken();
    errors.push(await tm.logoff().catch((e: unknown) => e));
    expectAll(errors, ErrorCode.LOGOFF);
  });
});

describe('large answers', () => {
  const failOn = (body: string, status = 200, type = 'application/json'): TokenwardError => {
    try {
      normalizeTokenResponse({ status, headers: { 'content-type': type }, body }, { secrets: [CLIENT_SECRET, PASSWORD, REFRESH_TOKEN] });
    } catch (err) {
      return err as TokenwardError;
    }
    throw new Error('expected an error');
  };

  it('a 200 KB error page that defeats backtracking patterns (`<aaaa…`): no pattern runs over more than its first 4 KB', () => {
    // Before the body was cut first, this one answer held the event loop for about 15 seconds. Which
    // strings the patterns ran over is counted, not the time it took, so the test cannot be flaky.
    const body = `<${'a'.repeat(200_000)}`;
    const replace = vi.spyOn(String.prototype, 'replace');
    let text: string;
    let scanned: number[];
    try {
      text = excerpt(body, 502, [CLIENT_SECRET]);
      scanned = replace.mock.contexts.map((s) => String(s).length);
    } finally {
      replace.mockRestore();
    }
    expect(text).toBe(`<${'a'.repeat(199)}…`);
    expect(scanned.length).toBeGreaterThan(0);
    expect(Math.max(...scanned)).toBeLessThanOrEqual(4_096);
    expect(failOn(body, 502, 'text/plain').bodyExcerpt).toBe(text);
  });

  // The body is cut (to 4 KB) before redaction; a long run of white space, which the excerpt folds
  // into one space, brings the cut into view. What is left of a secret at the cut must not show.
  const pad = ' '.repeat(4_060);
  it.each([
    {
      name: 'a JSON string',
      body: `{"pad":"${pad}","access_token":"${NEW_ACCESS_TOKEN}","expires_in":-1}`,
      type: 'application/json',
      partial: NEW_ACCESS_TOKEN.slice(0, 6),
    },
    {
      name: 'an XML element',
      body: `<r><note>${pad}</note><access_token>${NEW_ACCESS_TOKEN}</access_token></r>`,
      type: 'application/xml',
      partial: NEW_ACCESS_TOKEN.slice(0, 6),
    },
    { name: 'a known secret in text', body: `${pad}${' '.repeat(28)}${CLIENT_SECRET} echoed`, type: 'text/plain', partial: CLIENT_SECRET.slice(0, 6) },
    { name: 'an Authorization header', body: `${pad}${' '.repeat(4)}Authorization: Bearer abcdefghijklmnopqrstuvwxyz`, type: 'text/plain', partial: 'abcdef' },
  ])('a secret cut in two by the 4 KB cut ($name) is hidden', ({ body, type, partial }) => {
    const err = failOn(body, 500, type);
    expect(err.bodyExcerpt).toContain('[redacted]');
    expect(err.bodyExcerpt).not.toContain(partial);
  });
});
