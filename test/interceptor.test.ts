/**
 * The `tokenward/undici` interceptor over real loopback sockets: `Agent.compose(authInterceptor(tm))`
 * with `undici.request` (and `undici.fetch`) gets the token, renews once on a 401 and replays what it can.
 */
import { Readable } from 'node:stream';
import { Agent, type Dispatcher, interceptors, request, fetch as undiciFetch } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, authInterceptor as fromIndex, TokenManager, TokenwardError } from '../src/index.js';
import { type AuthInterceptorOptions, authInterceptor } from '../src/undici.js';
import { type RecordedRequest, startServer, tokenBody } from './helpers/http-server.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((f) => f()));
});

/**
 * A pass-through interceptor that speaks only undici's new handler API. Composed outside ours, it makes
 * the request reach ours with a new-API handler instead of `undici.request`'s older one.
 */
const newApiOnly: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) =>
  dispatch(opts, {
    onRequestStart: (c, ctx) => handler.onRequestStart?.(c, ctx),
    onRequestUpgrade: (c, s, h, socket) => handler.onRequestUpgrade?.(c, s, h, socket),
    onResponseStart: (c, s, h, m) => handler.onResponseStart?.(c, s, h, m),
    onResponseData: (c, chunk) => handler.onResponseData?.(c, chunk),
    onResponseEnd: (c, t) => handler.onResponseEnd?.(c, t),
    onResponseError: (c, e) => handler.onResponseError?.(c, e),
  });

let handlerApi: 'older' | 'new' = 'older';

async function setup(rejected = new Set<string>(), options?: AuthInterceptorOptions) {
  let issued = 0;
  const api = (req: RecordedRequest) => {
    const token = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    return rejected.has(token) ? { status: 401, body: 'expired' } : { body: { auth: req.headers.authorization ?? null, body: req.body } };
  };
  const server = await startServer({
    'POST /token': () => ({ delayMs: 20, body: tokenBody(`tok-${++issued}`) }),
    'GET /api/item': api,
    'POST /api/item': api,
  });
  const tm = new TokenManager({ tokenUrl: `${server.url}/token`, clientId: 'svc', clientSecret: 's3cret', clientAuth: 'basic', retry: false });
  const agent = new Agent({ keepAliveTimeout: 1000 });
  const dispatcher = handlerApi === 'older' ? agent.compose(authInterceptor(tm, options)) : agent.compose(authInterceptor(tm, options), newApiOnly);
  cleanup.push(
    () => agent.close(),
    () => server.close(),
  );
  return { server, tm, dispatcher, url: `${server.url}/api/item` };
}

async function json(res: Awaited<ReturnType<typeof request>>): Promise<{ auth: string | null; body: string }> {
  expect(res.statusCode).toBe(200);
  return (await res.body.json()) as { auth: string | null; body: string };
}

describe.each(['older', 'new'] as const)('authInterceptor, %s handler API', (api) => {
  beforeEach(() => {
    handlerApi = api;
  });

  it('is exported from the main entry too', () => {
    expect(fromIndex).toBe(authInterceptor);
  });

  it('acquires once for concurrent cold requests, then attaches the cached token', async () => {
    const { server, dispatcher, url } = await setup();
    const cold = await Promise.all(Array.from({ length: 10 }, () => request(url, { dispatcher }).then(json)));
    expect(cold.map((b) => b.auth)).toEqual(Array(10).fill('Bearer tok-1'));
    const warm = await json(await request(url, { dispatcher }));
    expect(warm.auth).toBe('Bearer tok-1');
    expect(server.requestsTo('/token')).toHaveLength(1);
  });

  it("replaces the caller's Authorization and keeps its other headers, in every header shape", async () => {
    const { server, dispatcher, url } = await setup();
    await request(url, { dispatcher, headers: { Authorization: 'Basic caller', 'x-a': '1' } }).then(json);
    await request(url, { dispatcher, headers: ['authorization', 'Basic caller', 'x-b', '2'] }).then(json);
    await request(url, {
      dispatcher,
      headers: new Map([
        ['AUTHORIZATION', 'x'],
        ['x-c', '3'],
      ]) as never,
    }).then(json);
    const sent = server.requestsTo('/api/item');
    expect(sent.map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1']);
    expect([sent[0]!.headers['x-a'], sent[1]!.headers['x-b'], sent[2]!.headers['x-c']]).toEqual(['1', '2', '3']);
  });

  for (const [kind, body] of [
    ['no', undefined],
    ['a string', 'string-body'],
    ['a Buffer', Buffer.from('buffer-body')],
  ] as const) {
    it(`replays once with a fresh token after a 401, with ${kind} body`, async () => {
      const { server, tm, dispatcher, url } = await setup(new Set(['tok-1']));
      await tm.getToken();
      const res = await request(url, { dispatcher, method: body === undefined ? 'GET' : 'POST', body });
      expect(await json(res)).toEqual({ auth: 'Bearer tok-2', body: body === undefined ? '' : String(body) });
      const sent = server.requestsTo('/api/item');
      expect(sent.map((r) => [r.headers.authorization, r.body])).toEqual([
        ['Bearer tok-1', body === undefined ? '' : String(body)],
        ['Bearer tok-2', body === undefined ? '' : String(body)],
      ]);
    });
  }

  it('reports the replay as auth-replay (status, URL without its query, challenge), as tm.fetch does', async () => {
    const { tm, dispatcher, url } = await setup(new Set(['tok-1']));
    await tm.getToken();
    const replays: unknown[] = [];
    tm.on('auth-replay', (e) => replays.push(e));
    expect((await json(await request(`${url}?page=2`, { dispatcher }))).auth).toBe('Bearer tok-2');
    expect(replays).toEqual([{ status: 401, url, challenge: undefined }]);
  });

  it('passes the 401 of a streamed body through, and sends a fresh token next time', async () => {
    const { server, tm, dispatcher, url } = await setup(new Set(['tok-1']));
    await tm.getToken();
    const res = await request(url, { dispatcher, method: 'POST', body: Readable.from(['str', 'eam']) });
    expect(res.statusCode).toBe(401);
    expect(await res.body.text()).toBe('expired');
    expect(server.requestsTo('/api/item')).toHaveLength(1);
    expect((await json(await request(url, { dispatcher }))).auth).toBe('Bearer tok-2');
  });

  it('returns the second 401 as is: one replay, no loop', async () => {
    const { server, tm, dispatcher, url } = await setup(new Set(['tok-1', 'tok-2', 'tok-3']));
    await tm.getToken();
    const res = await request(url, { dispatcher });
    expect(res.statusCode).toBe(401);
    expect(await res.body.text()).toBe('expired');
    expect(server.requestsTo('/api/item').map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  it('renews once for 50 concurrent 401s on the same stale token', async () => {
    const { server, tm, dispatcher, url } = await setup(new Set(['tok-1']));
    await tm.getToken();
    const bodies = await Promise.all(Array.from({ length: 50 }, () => request(url, { dispatcher }).then(json)));
    expect(bodies.map((b) => b.auth)).toEqual(Array(50).fill('Bearer tok-2'));
    expect(server.requestsTo('/token')).toHaveLength(2);
  });

  it('honours a custom isAuthFailure (a 403 with no challenge)', async () => {
    const { server, tm, dispatcher } = await setup(new Set(), { isAuthFailure: (status) => status === 401 || status === 403 });
    server.route('GET /api/forbidden', (req) => (req.headers.authorization === 'Bearer tok-1' ? { status: 403, body: 'old' } : { body: 'ok' }));
    await tm.getToken();
    const res = await request(`${server.url}/api/forbidden`, { dispatcher });
    expect(await res.body.text()).toBe('ok');
  });

  it('sends requests to other origins on untouched by default, and refuses them with otherOrigins: "refuse"', async () => {
    const other = await startServer({ 'GET /x': (req) => ({ body: { auth: req.headers.authorization ?? null } }) });
    cleanup.push(() => other.close());
    const { dispatcher, server } = await setup();
    const passed = await request(`${other.url}/x`, { dispatcher });
    expect(await passed.body.json()).toEqual({ auth: null });
    expect(server.requestsTo('/token')).toHaveLength(0);

    const strict = await setup(new Set(), { otherOrigins: 'refuse' });
    const err = await request(`${other.url}/x`, { dispatcher: strict.dispatcher }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenwardError);
    expect((err as TokenwardError).code).toBe(ErrorCode.ORIGIN_NOT_ALLOWED);
    expect(other.requestsTo('/x')).toHaveLength(1);
  });

  it('fails the request with the token error when no token can be acquired', async () => {
    const { server, dispatcher, url } = await setup();
    server.route('POST /token', () => ({ status: 400, body: { error: 'invalid_client' } }));
    const err = await request(url, { dispatcher }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenwardError);
    expect((err as TokenwardError).error).toBe('invalid_client');
    expect(server.requestsTo('/api/item')).toHaveLength(0);
  });

  // Before the fix, a throw after the token arrived was an unhandled rejection (fatal in Node) and the request never settled.
  it('fails the request, not the process, when sending after an acquisition throws (bad headers)', async () => {
    const { server, tm, dispatcher, url } = await setup();
    // A non-string header name: the interceptor's header rewrite throws. The token is not cached yet, so it
    // throws after the acquisition, in a promise callback.
    const badHeaders = new Map([[1, 'x']]) as never;
    await expect(request(url, { dispatcher, headers: badHeaders })).rejects.toThrow(TypeError);
    expect(server.requestsTo('/token')).toHaveLength(1);
    // The same request with a cached token fails the same way, synchronously.
    expect(tm.peekToken()).toBeDefined();
    await expect(request(url, { dispatcher, headers: badHeaders })).rejects.toThrow(TypeError);
    expect(server.requestsTo('/api/item')).toHaveLength(0);
  });

  it('fails the request, not the process, when the dispatcher inside it throws after an acquisition', async () => {
    const { server, tm } = await setup();
    const throwing: Dispatcher.DispatcherComposeInterceptor = () => () => {
      throw new Error('inner dispatch failed');
    };
    const agent = new Agent();
    cleanup.push(() => agent.close());
    const chain = handlerApi === 'older' ? [throwing, authInterceptor(tm)] : [throwing, authInterceptor(tm), newApiOnly];
    const dispatcher = agent.compose(...chain);
    await expect(request(`${server.url}/api/item`, { dispatcher })).rejects.toThrow('inner dispatch failed');
    expect(server.requestsTo('/token')).toHaveLength(1);
  });

  it('with the redirect interceptor outside it, a redirect to another origin arrives without the token', async () => {
    const other = await startServer({ 'GET /landing': (req) => ({ body: { auth: req.headers.authorization ?? null, keep: req.headers['x-keep'] ?? null } }) });
    cleanup.push(() => other.close());
    const { server, tm } = await setup();
    server.route('GET /api/moved', () => ({ status: 302, headers: { location: `${other.url}/landing` } }));
    const agent = new Agent({ keepAliveTimeout: 1000 });
    cleanup.push(() => agent.close());
    const inner = handlerApi === 'older' ? [authInterceptor(tm)] : [authInterceptor(tm), newApiOnly];
    const dispatcher = agent.compose(...inner, interceptors.redirect({ maxRedirections: 2 }));
    const res = await request(`${server.url}/api/moved`, { dispatcher, headers: { 'x-keep': 'yes' } });
    expect(await res.body.json()).toEqual({ auth: null, keep: 'yes' });
    expect(server.requestsTo('/api/moved')[0]!.headers.authorization).toBe('Bearer tok-1');
  });

  it("aborts on the caller's signal", async () => {
    const { server, tm, dispatcher } = await setup();
    server.route('GET /api/slow', () => ({ delayMs: 500, body: 'late' }));
    await tm.getToken();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await expect(request(`${server.url}/api/slow`, { dispatcher, signal: controller.signal })).rejects.toThrow(/abort/i);
  });

  it("works under undici's fetch too", async () => {
    const { dispatcher, url } = await setup(new Set());
    const res = await undiciFetch(url, { dispatcher });
    expect(((await res.json()) as { auth: string }).auth).toBe('Bearer tok-1');
  });
});

describe('authInterceptor against an API that rejects even a renewed token', () => {
  it('renews once, then passes the 401s through without a token request per call (shared with tm.fetch)', async () => {
    let issued = 0;
    const server = await startServer({
      'POST /token': () => ({ body: tokenBody(`tok-${++issued}`) }),
      'GET /api/item': () => ({ status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' }, body: 'no' }),
    });
    const tm = new TokenManager({ tokenUrl: `${server.url}/token`, clientId: 'svc', clientSecret: 's3cret', clientAuth: 'basic', retry: false });
    const agent = new Agent({ keepAliveTimeout: 1000 });
    cleanup.push(
      () => agent.close(),
      () => server.close(),
    );
    const dispatcher = agent.compose(authInterceptor(tm));
    const url = `${server.url}/api/item`;

    const first = await request(url, { dispatcher });
    expect(first.statusCode).toBe(401);
    await first.body.dump();
    expect(server.requestsTo('/token')).toHaveLength(2); // the grant, and one renewal that did not help
    for (let i = 0; i < 5; i++) {
      const res = await request(url, { dispatcher });
      expect(res.statusCode).toBe(401);
      await res.body.dump();
    }
    // tm.fetch shares the verdict: no renewal either.
    expect((await tm.fetch(url)).status).toBe(401);
    expect(server.requestsTo('/token')).toHaveLength(2);
    expect(server.requestsTo('/api/item')).toHaveLength(2 + 5 + 1);
  });
});
