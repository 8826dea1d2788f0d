/**
 * `tm.fetch` (and the undici interceptor) as a drop-in for `fetch`: abort semantics while a token is
 * acquired, a relative URL without `baseUrl`, and a shared store's re-validation, which must reach
 * callers that only ever use `tm.fetch` or the interceptor (another instance's logoff).
 */
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, type FetchLike, MemoryTokenStore, type Token, TokenManager, type TokenManagerOptions } from '../src/index.js';
import { authInterceptor } from '../src/undici.js';
import { deferred } from './helpers/fake-token-endpoint.js';
import { startServer, tokenBody } from './helpers/http-server.js';

const AUTH = 'https://auth.example.com';
const API = 'https://api.example.com';

/** A fetch serving the token endpoint (`tok-1`, `tok-2`, ...) and an API that echoes the Authorization header. */
function fakeNetwork(tokenAnswer?: () => Promise<Response>) {
  let issued = 0;
  const sent: Array<string | null> = [];
  const fetch: FetchLike = async (input, init) => {
    const url = String(input);
    if (url === `${AUTH}/token`) {
      if (tokenAnswer) return tokenAnswer();
      return Response.json({ access_token: `tok-${++issued}`, token_type: 'Bearer', expires_in: 3600 });
    }
    init?.signal?.throwIfAborted();
    sent.push(new Headers(init?.headers).get('authorization'));
    return new Response('ok');
  };
  return { fetch, sent, issued: () => issued };
}

const options = (fetch: FetchLike, extra: Partial<TokenManagerOptions> = {}): TokenManagerOptions => ({
  tokenUrl: `${AUTH}/token`,
  clientId: 'svc',
  clientSecret: 's3cret',
  baseUrl: API,
  retry: false,
  fetch,
  ...extra,
});

describe('tm.fetch aborted while the token is being acquired', () => {
  it('rejects as fetch does: with a DOMException named AbortError', async () => {
    const gate = deferred<Response>();
    const net = fakeNetwork(() => gate.promise);
    const tm = new TokenManager(options(net.fetch));
    const controller = new AbortController();
    const pending = tm.fetch('/v1/things', { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    const err = await pending;
    expect(err).toBeInstanceOf(DOMException);
    expect((err as DOMException).name).toBe('AbortError');
    expect(err).toBe(controller.signal.reason);
    gate.resolve(Response.json({ access_token: 'late', expires_in: 3600 }));
    // The shared acquisition went on for the others.
    expect((await tm.getToken()).accessToken).toBe('late');
  });

  it("rejects with the signal's own reason, also when it was aborted before the call (no token request)", async () => {
    let tokenRequests = 0;
    const net = fakeNetwork(async () => {
      tokenRequests++;
      return Response.json({ access_token: 'x', expires_in: 3600 });
    });
    const tm = new TokenManager(options(net.fetch));
    const reason = new Error('user navigated away');
    await expect(tm.fetch('/v1/things', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(tokenRequests).toBe(0);
    // Requests are Request objects too: their signal counts the same way.
    const timeout = AbortSignal.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    await expect(tm.fetch(new Request(`${API}/v1/things`, { signal: timeout }))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(net.sent).toEqual([]);
  });
});

describe('tm.fetch with a relative URL and no baseUrl', () => {
  it('throws a ConfigError naming the option', async () => {
    const net = fakeNetwork();
    const tm = new TokenManager(options(net.fetch, { baseUrl: undefined }));
    const err = await tm.fetch('/v1/things?access_token=abc').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain('`baseUrl`');
    expect((err as ConfigError).message).not.toContain('access_token=abc');
  });
});

/** A shared store that asks managers to re-read it every 20 ms. */
class SharedStore extends MemoryTokenStore {
  readonly revalidateMs = 20;
  reads = 0;
  override get(key: string): Token | undefined {
    this.reads++;
    return super.get(key);
  }
}

/** Moves the clocks (`Date` and `performance` are faked: sockets and timers run as usual) past the re-validation period. */
const later = (ms: number) => vi.advanceTimersByTime(ms);

describe("another instance's logoff through a shared store (revalidateMs)", () => {
  it('reaches an instance that only uses tm.fetch: it stops sending the released token', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const store = new SharedStore();
    const net = fakeNetwork();
    const a = new TokenManager(options(net.fetch, { store }));
    const b = new TokenManager(options(net.fetch, { store }));
    await a.fetch('/v1/things');
    await b.fetch('/v1/things');
    expect(net.sent).toEqual(['Bearer tok-1', 'Bearer tok-1']);
    await a.logoff();
    const reads = store.reads;
    // Served from memory until re-validation is due; then one request may still carry it while the
    // store is re-read in the background, and the next ones carry a new token.
    for (let i = 0; i < 4; i++) {
      later(30);
      await b.fetch('/v1/things');
    }
    expect(store.reads).toBeGreaterThan(reads);
    expect(net.sent.at(-1)).toBe('Bearer tok-2');
    expect(net.issued()).toBe(2);
  });
});

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(cleanup.splice(0).map((f) => f()));
});

describe("another instance's logoff through a shared store, with the undici interceptor", () => {
  it('reaches an instance that only sends through the interceptor', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    let issued = 0;
    const server = await startServer({
      'POST /token': () => ({ body: tokenBody(`tok-${++issued}`) }),
      'GET /api/item': (req) => ({ body: { auth: req.headers.authorization ?? null } }),
    });
    const agent = new Agent({ keepAliveTimeout: 1000 });
    cleanup.push(
      () => agent.close(),
      () => server.close(),
    );
    const store = new SharedStore();
    const make = () => new TokenManager({ tokenUrl: `${server.url}/token`, clientId: 'svc', clientSecret: 's3cret', clientAuth: 'basic', retry: false, store });
    const a = make();
    const b = make();
    const api = agent.compose(authInterceptor(b));
    const send = async () => ((await (await request(`${server.url}/api/item`, { dispatcher: api })).body.json()) as { auth: string }).auth;
    await a.getToken();
    expect(await send()).toBe('Bearer tok-1');
    await a.logoff();
    let last = '';
    for (let i = 0; i < 4; i++) {
      later(30);
      last = await send();
    }
    expect(last).toBe('Bearer tok-2');
    expect(issued).toBe(2);
  });
});

describe('an API that rejects even a freshly renewed token', () => {
  /** A token endpoint minting `tok-N`, and an API that answers 401 to every token. */
  function alwaysRejecting() {
    let issued = 0;
    let apiCalls = 0;
    const fetch: FetchLike = async (input) => {
      if (String(input) === `${AUTH}/token`) return Response.json({ access_token: `tok-${++issued}`, token_type: 'Bearer', expires_in: 3600 });
      apiCalls++;
      return new Response('no', { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
    };
    return { fetch, issued: () => issued, apiCalls: () => apiCalls };
  }

  afterEach(() => vi.useRealTimers());

  it('renews once, then returns the 401s without a token request per call until the cool-down has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const net = alwaysRejecting();
    const tm = new TokenManager(options(net.fetch));

    // First call: the grant, a rejection, one renewal and its replay, rejected too.
    expect((await tm.fetch('/v1/things')).status).toBe(401);
    expect(net.issued()).toBe(2);
    // Ten more calls with the renewed token: each rejected, none renews (a licence per call on Jim2).
    for (let i = 0; i < 10; i++) expect((await tm.fetch('/v1/things')).status).toBe(401);
    expect(net.issued()).toBe(2);
    expect(net.apiCalls()).toBe(12);

    // Once the cool-down is over, a rejection is worth one more renewal (the server may have recovered).
    vi.advanceTimersByTime(5_001);
    expect((await tm.fetch('/v1/things')).status).toBe(401);
    expect(net.issued()).toBe(3);
  });

  it('still renews at once when a different, older token is rejected (a stale token, not a broken API)', async () => {
    let issued = 0;
    const live = new Set<string>();
    const fetch: FetchLike = async (input, init) => {
      if (String(input) === `${AUTH}/token`) {
        const token = `tok-${++issued}`;
        live.add(token);
        return Response.json({ access_token: token, token_type: 'Bearer', expires_in: 3600 });
      }
      const sentToken = new Headers(init?.headers).get('authorization')?.replace('Bearer ', '') ?? '';
      return new Response(null, { status: live.has(sentToken) ? 200 : 401 });
    };
    const tm = new TokenManager(options(fetch));
    expect((await tm.fetch('/v1/things')).status).toBe(200);
    // The server forgets every session twice in a row (a restart, another login): each time one renewal fixes it.
    for (let round = 0; round < 2; round++) {
      live.clear();
      expect((await tm.fetch('/v1/things')).status).toBe(200);
    }
    expect(issued).toBe(3);
  });
});
