/**
 * Lifecycle edges found in review: the proactive timer with very long and very short token lifetimes,
 * forceRefresh joining a renewal that fails, and an already-aborted signal on a cache hit.
 * A fake `fetch` stands in for the token endpoint; vitest's fake timers drive the clock (they fire a
 * timer longer than 2^31-1 ms after 1 ms, as Node does).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, TokenManager, type TokenManagerOptions, type TokenwardError } from '../src/index.js';
import { deferred, type FakeEndpoint, fakeEndpoint } from './helpers/fake-token-endpoint.js';

const TOKEN_URL = 'https://auth.example.test/oauth/token';
const DAY_S = 86_400;

function manager(ep: FakeEndpoint, options: Partial<TokenManagerOptions> = {}): TokenManager {
  return new TokenManager({ tokenUrl: TOKEN_URL, clientId: 'svc', clientSecret: 'client-s3cret', clientAuth: 'body', fetch: ep.fetch, ...options });
}

const advance = (seconds: number) => vi.advanceTimersByTimeAsync(seconds * 1000);

/** An unsigned JWT whose `exp` is `exp` (epoch seconds). */
function jwt(exp: number): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ sub: 'svc', exp })}.sig`;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the proactive timer', () => {
  it('waits out a 60-day token in steps instead of firing at once, then refreshes it once', async () => {
    const ep = fakeEndpoint((_req, n) => ({ access_token: `at-${n}`, expires_in: 60 * DAY_S }));
    const tm = manager(ep, { proactive: true });
    await tm.getToken();
    // Node (and the fake clock) fire a setTimeout over 2^31-1 ms (24.8 days) after 1 ms: that was a loop.
    await advance(3_600);
    expect(ep.count()).toBe(1);
    await advance(30 * DAY_S);
    expect(ep.count()).toBe(1);
    // Due 5 s before the refresh point, which is 60 s (the skew) before expiry.
    await advance(30 * DAY_S - 60 - 5 - 3_600 - 1);
    expect(ep.count()).toBe(1);
    await advance(2);
    expect(ep.count()).toBe(2);
    expect(tm.peekToken()?.accessToken).toBe('at-2');
    await tm.logoff();
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each([
    { name: 'expires_in: 0', answer: (n: number) => ({ access_token: `at-${n}`, expires_in: 0 }) },
    { name: 'a JWT whose exp has passed', answer: (n: number) => ({ access_token: `${jwt(Math.floor(Date.now() / 1000) - 30)}${n}` }) },
  ])('a token whose lifetime is unknown on arrival ($name) lives defaultExpiresIn: one request for many calls, no spinning', async ({ answer }) => {
    // A lifetime under a second counts as unknown (docs/lifecycle.md), not as expired on arrival.
    const ep = fakeEndpoint((_req, n) => answer(n));
    const tm = manager(ep, { proactive: true });
    const first = await tm.getToken();
    expect(first.expiresAt - first.receivedAt).toBe(300_000);
    await advance(60);
    await tm.getToken();
    await tm.getToken();
    expect(ep.count()).toBe(1);
    await advance(60);
    expect(ep.count()).toBe(1);
    await tm.logoff();
  });

  it('leaves at least a second between background refreshes of a 1-second token', async () => {
    const ep = fakeEndpoint((_req, n) => ({ access_token: `at-${n}`, expires_in: 1 }));
    const tm = manager(ep, { proactive: true });
    await tm.getToken();
    await advance(10);
    // The first acquisition, then one per second (it was one every 250 ms).
    expect(ep.count()).toBe(1 + 10);
    await tm.logoff();
  });
});

describe('forceRefresh joining a renewal that fails', () => {
  it('gets the error, while an ordinary caller still gets the usable old token', async () => {
    const ep = fakeEndpoint((_req, n) => ({ access_token: `at-${n}`, expires_in: 600 }));
    const tm = manager(ep, { retry: false });
    await tm.getToken();
    await advance(550); // expiring (refresh point at 540 s), still usable
    const gate = deferred<Response>();
    ep.queue.push(() => gate.promise);
    const ordinary = tm.getToken();
    const forced = tm.getToken({ forceRefresh: true }).catch((e: unknown) => e);
    gate.resolve(new Response('down', { status: 503 }));
    expect((await ordinary).accessToken).toBe('at-1');
    expect(await forced).toMatchObject({ status: 503 });
    expect(ep.count()).toBe(2);
  });

  it('gets the error when it joins a failing background refresh', async () => {
    const ep = fakeEndpoint((_req, n) => ({ access_token: `at-${n}`, expires_in: 600 }));
    const tm = manager(ep, { retry: false, proactive: true });
    await tm.getToken();
    const gate = deferred<Response>();
    ep.queue.push(() => gate.promise);
    await advance(536); // the background refresh is due at 535 s
    expect(ep.count()).toBe(2);
    const forced = tm.getToken({ forceRefresh: true }).catch((e: unknown) => e);
    gate.resolve(new Response('down', { status: 503 }));
    expect(await forced).toMatchObject({ status: 503 });
    expect((await tm.getToken()).accessToken).toBe('at-1');
    await tm.logoff();
  });
});

describe('an already-aborted signal', () => {
  it('is refused on a cache hit too, with ERR_TOKENWARD_ABORTED, and without a request', async () => {
    const ep = fakeEndpoint();
    const tm = manager(ep);
    await tm.getToken();
    const reason = new Error('caller gave up');
    const err = (await tm.getToken({ signal: AbortSignal.abort(reason) }).catch((e: unknown) => e)) as TokenwardError;
    expect(err).toMatchObject({ code: ErrorCode.ABORTED });
    expect(err.cause).toBe(reason);
    // A live signal, or options without one, still hit the cache.
    expect((await tm.getToken({ signal: new AbortController().signal })).accessToken).toBe('at-1');
    expect((await tm.getToken({})).accessToken).toBe('at-1');
    expect(ep.count()).toBe(1);
  });
});

describe('Retry-After that cannot be honoured', () => {
  it.each([
    { name: 'over the 60-second cap', retryAfter: '120', retry: { maxRetryTime: 600_000 } },
    { name: 'longer than the retry budget left', retryAfter: '20', retry: { maxRetryTime: 10_000 } },
  ])('$name: the error now, no sleep, no retry event', async ({ retryAfter, retry }) => {
    const ep = fakeEndpoint(() => new Response('busy', { status: 503, headers: { 'retry-after': retryAfter } }));
    const tm = manager(ep, { retry });
    const retries = vi.fn();
    tm.on('retry', retries);
    let settled: unknown;
    void tm.getToken().catch((e: unknown) => (settled = e));
    // Well short of any wait the server asked for: the answer must already be in.
    await vi.advanceTimersByTimeAsync(50);
    expect(settled).toMatchObject({ status: 503, retryAfter: Number(retryAfter) });
    expect(ep.count()).toBe(1);
    expect(retries).not.toHaveBeenCalled();
  });
});
