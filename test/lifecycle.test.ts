/**
 * Token lifecycle over simulated time: caching, refresh before expiry (the skew rule), refresh-token
 * rotation and fallback, retries, timeouts, cancellation, proactive refresh, invalidate, events.
 * A fake `fetch` stands in for the token endpoint; vitest's fake timers drive the clock.
 */
import diagnostics from 'node:diagnostics_channel';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, TokenManager, type TokenManagerOptions, TokenwardError } from '../src/index.js';
import { deferred, type FakeEndpoint, fakeEndpoint, hang, json } from './helpers/fake-token-endpoint.js';

const TOKEN_URL = 'https://auth.example.test/oauth/token';
const SECRET = 'client-s3cret-value';

function manager(ep: FakeEndpoint, options: Partial<TokenManagerOptions> = {}): TokenManager {
  return new TokenManager({ tokenUrl: TOKEN_URL, clientId: 'svc', clientSecret: SECRET, clientAuth: 'body', fetch: ep.fetch, ...options });
}

/** Seconds → ms on the fake clock, flushing promises as timers run. */
const advance = (seconds: number) => vi.advanceTimersByTimeAsync(seconds * 1000);

/**
 * A token endpoint that rotates refresh tokens on every other refresh and refuses any refresh that does
 * not carry the latest one it issued (as Keycloak does with "revoke refresh token" on).
 */
function rotatingEndpoint(lifetime = 10) {
  let refreshTokens = 0;
  let latest: string | undefined;
  const violations: string[] = [];
  const ep = fakeEndpoint((req, n) => {
    if (req.grant === 'refresh_token') {
      const sent = req.form.get('refresh_token');
      if (sent !== latest) {
        violations.push(`request ${n} sent ${sent}, latest is ${latest}`);
        return json({ error: 'invalid_grant', error_description: 'stale refresh token' }, 400);
      }
      if (req.form.get('client_id') !== 'svc' || req.form.get('client_secret') !== SECRET) violations.push(`request ${n} lacks client auth`);
      // Rotate on every other refresh; otherwise omit refresh_token so the client must keep the old one.
      if (n % 2 === 0) return { access_token: `at-${n}`, token_type: 'bearer', expires_in: lifetime };
    }
    // `+ / =` in refresh tokens, as Veeam's have: they must survive form encoding.
    latest = `rt+${++refreshTokens}/x=`;
    return { access_token: `at-${n}`, token_type: 'bearer', expires_in: lifetime, refresh_token: latest };
  });
  return { ep, violations, rotations: () => refreshTokens };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('a long run of 10-second tokens', () => {
  it('makes exactly one token request per cycle over 1,000 refresh cycles, keeping refresh-token rotation straight', async () => {
    const { ep, violations, rotations } = rotatingEndpoint(10);
    const tm = manager(ep);
    const seen = new Set<string>();
    // Default skew is 60 s but never more than half the lifetime: a 10-second token is renewed at 5 s.
    for (let second = 0; second < 5_000; second++) {
      const token = await tm.getToken();
      expect(token.expiresAt).toBeGreaterThan(Date.now());
      seen.add(token.accessToken);
      await advance(1);
    }
    expect(ep.count()).toBe(1_000);
    expect(ep.count('password') + ep.count('client_credentials')).toBe(1);
    expect(ep.count('refresh_token')).toBe(999);
    expect(seen.size).toBe(1_000);
    expect(violations).toEqual([]);
    expect(rotations()).toBe(500);
    await tm.logoff();
    expect(vi.getTimerCount()).toBe(0);
    await advance(3_600);
    expect(ep.count()).toBe(1_000);
  });

  it('in proactive mode refreshes before expiry on an unref()ed timer, so callers never wait, and stops on logoff', async () => {
    const { ep, violations } = rotatingEndpoint(10);
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const tm = manager(ep, { proactive: true });
    await tm.getToken();
    // Proactive renewal runs ahead of the skew point (5 s): every 2.5 s for a 10-second token.
    for (let step = 0; step < 5_000; step++) {
      await advance(0.5);
      expect(tm.peekToken()).toBeDefined();
    }
    // The first acquisition, then one request per 2.5-second cycle.
    expect(ep.count()).toBe(1 + 1_000);
    expect(violations).toEqual([]);
    const timers = setTimeoutSpy.mock.results.map((r) => r.value as { hasRef(): boolean });
    expect(timers.length).toBeGreaterThan(0);
    expect(timers.every((t) => !t.hasRef())).toBe(true);
    setTimeoutSpy.mockRestore();

    await tm.logoff();
    expect(vi.getTimerCount()).toBe(0);
    await advance(3_600);
    expect(ep.count()).toBe(1 + 1_000);
  });
});

describe('when a token counts as expiring', () => {
  it.each([
    { lifetime: 3_600, skew: undefined, refreshAfter: 3_540 },
    { lifetime: 10, skew: undefined, refreshAfter: 5 },
    { lifetime: 3_600, skew: 0, refreshAfter: 3_600 },
    { lifetime: 3_600, skew: 600, refreshAfter: 3_000 },
    { lifetime: 600, skew: 600, refreshAfter: 300 },
  ])('a $lifetime s token with refreshSkew $skew is renewed at $refreshAfter s', async ({ lifetime, skew, refreshAfter }) => {
    const ep = fakeEndpoint((_req, n) => ({ access_token: `at-${n}`, expires_in: lifetime }));
    const tm = manager(ep, skew === undefined ? {} : { refreshSkew: skew });
    await tm.getToken();
    await vi.advanceTimersByTimeAsync(refreshAfter * 1000 - 1);
    expect((await tm.getToken()).accessToken).toBe('at-1');
    expect(tm.peekToken()?.accessToken).toBe('at-1');
    await vi.advanceTimersByTimeAsync(1);
    expect(tm.peekToken()).toBeUndefined();
    expect((await tm.getToken()).accessToken).toBe('at-2');
    expect(ep.count()).toBe(2);
  });
});

describe('refresh tokens', () => {
  it('skips a refresh token that has expired (refresh_expires_in) and runs the grant without a doomed refresh', async () => {
    const ep = fakeEndpoint((_req, n) => ({ access_token: `at-${n}`, expires_in: 600, refresh_token: `rt-${n}`, refresh_expires_in: 300 }));
    const tm = manager(ep);
    await tm.getToken();
    await advance(540);
    expect((await tm.getToken()).accessToken).toBe('at-2');
    expect(ep.requests.map((r) => r.grant)).toEqual(['client_credentials', 'client_credentials']);
  });

  it('uses a refresh token that is still valid, and keeps its expiry when the server does not rotate it', async () => {
    const ep = fakeEndpoint((req, n) =>
      req.grant === 'refresh_token'
        ? { access_token: `at-${n}`, expires_in: 600 }
        : { access_token: `at-${n}`, expires_in: 600, refresh_token: 'rt-1', refresh_expires_in: 1_800 },
    );
    const tm = manager(ep);
    const first = await tm.getToken();
    await advance(540);
    const second = await tm.getToken();
    expect(second.refreshToken).toBe('rt-1');
    expect(second.refreshExpiresAt).toBe(first.refreshExpiresAt);
    // 1,080 s in: the refresh token has 720 s left, still used.
    await advance(540);
    await tm.getToken();
    // 1,620 s in: 180 s left of the refresh token, still used; at 2,160 s it is dead, so the grant runs.
    await advance(540);
    await tm.getToken();
    await advance(540);
    await tm.getToken();
    expect(ep.requests.map((r) => r.grant)).toEqual(['client_credentials', 'refresh_token', 'refresh_token', 'refresh_token', 'client_credentials']);
  });

  it.each([
    { name: 'invalid_grant', answer: () => json({ error: 'invalid_grant', error_description: 'Token is not active' }, 400) },
    { name: 'an empty 400', answer: () => new Response('', { status: 400 }) },
    {
      name: "InfoLink's nested invalid_grant",
      answer: () => json({ result: { code: 'invalid_grant', message: 'Refresh token expired' }, status: 'error' }, 400),
    },
    {
      name: "InfoLink's nested invalid_grant on a 200",
      answer: () => json({ result: { code: 'invalid_grant', message: 'Refresh token expired' }, status: 'error' }, 200),
    },
    { name: '401 unauthorized_client', answer: () => json({ error: 'unauthorized_client' }, 401) },
  ])('falls back to the grant exactly once when the refresh is refused mid-run: $name', async ({ answer }) => {
    const { ep } = rotatingEndpoint(60);
    const tm = manager(ep);
    const fallbacks: unknown[] = [];
    tm.on('refresh-fallback', (e) => fallbacks.push(e));
    await tm.getToken();
    await advance(30);
    await tm.getToken(); // a normal refresh
    await advance(30);
    ep.queue.push(answer);
    const token = await tm.getToken();
    expect(ep.requests.map((r) => r.grant)).toEqual(['client_credentials', 'refresh_token', 'refresh_token', 'client_credentials']);
    expect(token.accessToken).toBe('at-4');
    expect(fallbacks).toHaveLength(1);
    // The new refresh token from the grant is used next time.
    await advance(30);
    expect((await tm.getToken()).accessToken).toBe('at-5');
    expect(ep.requests[4]!.grant).toBe('refresh_token');
    // rt+1 came with the first grant (and was not rotated by the second request); rt+2 with the fallback.
    expect(ep.requests[4]!.form.get('refresh_token')).toBe('rt+2/x=');
  });

  it('does not loop when the fallback grant fails too: one refresh, one grant, one error', async () => {
    const { ep } = rotatingEndpoint(60);
    const tm = manager(ep);
    await tm.getToken();
    await advance(60);
    ep.queue.push(
      () => json({ error: 'invalid_grant' }, 400),
      () => json({ error: 'invalid_client' }, 401),
    );
    const err = await tm.getToken().catch((e: unknown) => e);
    expect((err as TokenwardError).error).toBe('invalid_client');
    expect(ep.requests.map((r) => r.grant)).toEqual(['client_credentials', 'refresh_token', 'client_credentials']);
  });

  it('retries a refresh that fails transiently, keeping the refresh token (no fallback)', async () => {
    const { ep } = rotatingEndpoint(60);
    const tm = manager(ep);
    await tm.getToken();
    await advance(60);
    ep.queue.push(() => new Response('busy', { status: 503 }));
    const pending = tm.getToken();
    await advance(10);
    expect((await pending).accessToken).toBe('at-3');
    expect(ep.requests.map((r) => r.grant)).toEqual(['client_credentials', 'refresh_token', 'refresh_token']);
    expect(ep.requests[2]!.form.get('refresh_token')).toBe('rt+1/x=');
  });
});

describe('retries', () => {
  it('succeeds after 503, 503, 200 with exactly two retries, each reported', async () => {
    const ep = fakeEndpoint();
    ep.queue.push(
      () => new Response('down', { status: 503 }),
      () => new Response('down', { status: 503 }),
    );
    const tm = manager(ep);
    const retries: Array<{ attempt: number; retriesLeft: number; status: number | undefined }> = [];
    tm.on('retry', (e) => retries.push({ attempt: e.attempt, retriesLeft: e.retriesLeft, status: e.error.status }));
    const pending = tm.getToken();
    await advance(30);
    expect((await pending).accessToken).toBe('at-3');
    expect(ep.count()).toBe(3);
    expect(retries).toEqual([
      { attempt: 1, retriesLeft: 3, status: 503 },
      { attempt: 2, retriesLeft: 2, status: 503 },
    ]);
  });

  it('never retries 400 invalid_client: exactly one request', async () => {
    const ep = fakeEndpoint(() => json({ error: 'invalid_client', error_description: 'Invalid client credentials' }, 400));
    const tm = manager(ep, { clientAuth: 'basic' });
    const retried = vi.fn();
    tm.on('retry', retried);
    const pending = tm.getToken().catch((e: unknown) => e);
    await advance(60);
    const err = (await pending) as TokenwardError;
    expect(err.code).toBe(ErrorCode.OAUTH);
    expect(err.error).toBe('invalid_client');
    expect(ep.count()).toBe(1);
    expect(retried).not.toHaveBeenCalled();
  });

  it('honours Retry-After on a 429 before trying again', async () => {
    const ep = fakeEndpoint();
    ep.queue.push(() => json({ error: 'slow_down' }, 429, { 'retry-after': '3' }));
    const tm = manager(ep);
    const pending = tm.getToken();
    await vi.advanceTimersByTimeAsync(2_999);
    expect(ep.count()).toBe(1);
    await advance(2);
    expect((await pending).accessToken).toBe('at-2');
    expect(ep.count()).toBe(2);
  });

  it('gives up after the default 3 retries and reports the last answer', async () => {
    const ep = fakeEndpoint(() => new Response('<html>Bad Gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } }));
    const tm = manager(ep);
    const pending = tm.getToken().catch((e: unknown) => e);
    await advance(60);
    const err = (await pending) as TokenwardError;
    expect(err.status).toBe(502);
    expect(ep.count()).toBe(4);
  });

  it('does not retry at all with retry: false', async () => {
    const ep = fakeEndpoint(() => new Response('down', { status: 503 }));
    const tm = manager(ep, { retry: false });
    await expect(tm.getToken()).rejects.toMatchObject({ status: 503 });
    expect(ep.count()).toBe(1);
  });
});

describe('timeouts and cancellation', () => {
  it('bounds a hanging token endpoint with the timeout, each try', async () => {
    vi.useRealTimers();
    const ep = fakeEndpoint(hang);
    const tm = manager(ep, { timeout: 50, retry: { retries: 1, minTimeout: 1, maxTimeout: 1 } });
    const err = (await tm.getToken().catch((e: unknown) => e)) as TokenwardError;
    expect(err).toBeInstanceOf(TokenwardError);
    expect(err.code).toBe(ErrorCode.TIMEOUT);
    expect(ep.count()).toBe(2);
    expect(ep.requests.every((r) => r.signal?.aborted)).toBe(true);
  });

  it('lets one waiter abort while the others are served by the same single request', async () => {
    const ep = fakeEndpoint();
    const gate = deferred<Record<string, unknown>>();
    ep.queue.push(() => gate.promise);
    const tm = manager(ep);
    const controller = new AbortController();
    const a = tm.getToken();
    const b = tm.getToken({ signal: controller.signal });
    const c = tm.getToken({ signal: new AbortController().signal });
    await Promise.resolve();
    controller.abort(new Error('caller gave up'));
    await expect(b).rejects.toMatchObject({ code: ErrorCode.ABORTED });
    expect(ep.requests[0]!.signal?.aborted).toBe(false);
    gate.resolve({ access_token: 'shared', expires_in: 3600 });
    expect((await a).accessToken).toBe('shared');
    expect((await c).accessToken).toBe('shared');
    expect(ep.count()).toBe(1);
  });

  it('keeps the token when every waiter aborted, and rejects an already-aborted signal without a request', async () => {
    const ep = fakeEndpoint();
    const gate = deferred<Record<string, unknown>>();
    ep.queue.push(() => gate.promise);
    const tm = manager(ep);
    await expect(tm.getToken({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: ErrorCode.ABORTED });
    expect(ep.count()).toBe(0);
    const controller = new AbortController();
    const only = tm.getToken({ signal: controller.signal });
    controller.abort();
    await expect(only).rejects.toMatchObject({ code: ErrorCode.ABORTED });
    gate.resolve({ access_token: 'kept', expires_in: 3600 });
    await vi.advanceTimersByTimeAsync(0);
    expect(tm.peekToken()?.accessToken).toBe('kept');
    expect((await tm.getToken()).accessToken).toBe('kept');
    expect(ep.count()).toBe(1);
  });
});

describe('single-flight and failures', () => {
  it('shares one request among concurrent callers on a cold cache, and its error too', async () => {
    const ep = fakeEndpoint(() => json({ error: 'invalid_client' }, 401));
    const tm = manager(ep, { clientAuth: 'basic' });
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => tm.getToken()));
    expect(results.every((r) => r.status === 'rejected' && (r.reason as TokenwardError).error === 'invalid_client')).toBe(true);
    expect(ep.count()).toBe(1);
  });

  it('does not poison the cache with a failure: the next call tries again', async () => {
    const ep = fakeEndpoint();
    ep.queue.push(() => json({ error: 'temporarily_unavailable' }, 400));
    const tm = manager(ep);
    await expect(tm.getToken()).rejects.toMatchObject({ error: 'temporarily_unavailable' });
    expect((await tm.getToken()).accessToken).toBe('at-2');
    expect(ep.count()).toBe(2);
  });

  it('hands out the still-valid token when a renewal fails, reports the error, and tries again on the next call', async () => {
    const ep = fakeEndpoint((_req, n) => ({ access_token: `at-${n}`, expires_in: 600 }));
    const tm = manager(ep, { retry: false });
    const errors: TokenwardError[] = [];
    tm.on('error', (e) => errors.push(e));
    await tm.getToken();
    await advance(550);
    ep.queue.push(
      () => new Response('down', { status: 503 }),
      () => new Response('down', { status: 503 }),
    );
    expect((await tm.getToken()).accessToken).toBe('at-1');
    expect((await tm.getToken()).accessToken).toBe('at-1');
    expect(errors).toHaveLength(2);
    expect(ep.count()).toBe(3);
    expect((await tm.getToken()).accessToken).toBe('at-4');
    // Past its expiry, a failed renewal is an error for the caller.
    await advance(600);
    ep.queue.push(() => new Response('down', { status: 503 }));
    await expect(tm.getToken()).rejects.toMatchObject({ status: 503 });
  });

  it('forceRefresh acquires a new token even while the cached one is valid', async () => {
    const ep = fakeEndpoint();
    const tm = manager(ep);
    await tm.getToken();
    expect((await tm.getToken({ forceRefresh: true })).accessToken).toBe('at-2');
    expect((await tm.getToken()).accessToken).toBe('at-2');
  });
});

describe('peekToken and invalidate', () => {
  it('peekToken() reads a still-valid cached token synchronously, else undefined', async () => {
    const ep = fakeEndpoint((_req, n) => ({ access_token: `at-${n}`, expires_in: 600 }));
    const tm = manager(ep);
    expect(tm.peekToken()).toBeUndefined();
    const token = await tm.getToken();
    expect(tm.peekToken()).toBe(token);
    await advance(540);
    expect(tm.peekToken()).toBeUndefined();
    expect(ep.count()).toBe(1);
  });

  it('invalidate() drops the cached token; invalidate(old) after a renewal changes nothing', async () => {
    const ep = fakeEndpoint();
    const tm = manager(ep);
    const first = await tm.getToken();
    tm.invalidate();
    expect(tm.peekToken()).toBeUndefined();
    const second = await tm.getToken();
    expect(second.accessToken).toBe('at-2');
    tm.invalidate(first);
    expect(tm.peekToken()).toBe(second);
    expect((await tm.getToken()).accessToken).toBe('at-2');
    expect(ep.count()).toBe(2);
  });
});

describe('events and diagnostics channels', () => {
  it('report token, retry, error, refresh-fallback and logoff without a token or secret in any payload', async () => {
    const ep = fakeEndpoint((req, n) =>
      req.grant === 'refresh_token'
        ? json({ error: 'invalid_grant', error_description: `refresh token ${req.form.get('refresh_token')} was revoked` }, 400)
        : { access_token: `secret-at-${n}`, expires_in: 600, refresh_token: `secret-rt-${n}` },
    );
    const hooks = { onToken: vi.fn(), onError: vi.fn(), onRetry: vi.fn() };
    const tm = manager(ep, { hooks });
    const payloads: Array<[string, unknown]> = [];
    const names = ['token', 'error', 'retry', 'refresh-fallback', 'logoff'] as const;
    for (const name of names) tm.on(name, (p) => payloads.push([`event:${name}`, p]));
    const subscriptions = names.map((name) => {
      const fn = (p: unknown) => payloads.push([`channel:${name}`, p]);
      diagnostics.subscribe(`tokenward:${name}`, fn);
      return () => diagnostics.unsubscribe(`tokenward:${name}`, fn);
    });
    try {
      ep.queue.push(() => new Response('down', { status: 503 }));
      const pending = tm.getToken();
      await advance(10);
      await pending;
      // Past expiry, so the failure reaches the caller instead of the still-valid token.
      await advance(600);
      ep.queue.push(
        () => json({ error: 'invalid_grant', error_description: 'refresh token secret-rt-2 was revoked' }, 400),
        () => json({ error: 'invalid_client' }, 401),
      );
      await expect(tm.getToken()).rejects.toMatchObject({ error: 'invalid_client' });
      await tm.logoff();
    } finally {
      for (const unsubscribe of subscriptions) unsubscribe();
    }
    const kinds = new Set(payloads.map(([k]) => k));
    for (const name of names) {
      expect(kinds).toContain(`event:${name}`);
      expect(kinds).toContain(`channel:${name}`);
    }
    expect(hooks.onToken).toHaveBeenCalledWith(expect.objectContaining({ how: 'grant', grant: 'client_credentials', hasRefreshToken: true }));
    expect(hooks.onRetry).toHaveBeenCalledTimes(1);
    expect(hooks.onError).toHaveBeenCalled();
    const text = JSON.stringify(payloads, (_k, v: unknown) => (v instanceof Error ? { ...v, message: v.message, json: (v as TokenwardError).toJSON?.() } : v));
    expect(text).not.toMatch(/secret-at|secret-rt|s3cret/);
    // The server echoed the refresh token in its error description: it reaches listeners scrubbed.
    expect(text).toContain('refresh token [redacted] was revoked');
  });
});

describe('logoff', () => {
  it('waits for an acquisition in flight, then forgets the token; a later getToken() acquires afresh', async () => {
    const ep = fakeEndpoint();
    const gate = deferred<Record<string, unknown>>();
    ep.queue.push(() => gate.promise);
    const tm = manager(ep);
    const pending = tm.getToken();
    const loggingOff = tm.logoff();
    gate.resolve({ access_token: 'first', expires_in: 3600 });
    expect((await pending).accessToken).toBe('first');
    await loggingOff;
    expect(tm.peekToken()).toBeUndefined();
    expect((await tm.getToken()).accessToken).toBe('at-2');
  });
});
