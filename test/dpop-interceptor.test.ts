/**
 * DPoP through the `tokenward/undici` interceptor over real loopback sockets, with undici's older and
 * new handler APIs: a proof bound to the token on every request, an API's nonce challenge answered once
 * with a new proof (no token request), and a rejected token still renewed and replayed with a new proof.
 */
import { EmbeddedJWK, type JWTPayload, jwtVerify } from 'jose';
import { Agent, type Dispatcher, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { accessTokenHash } from '../src/dpop.js';
import { TokenManager } from '../src/index.js';
import { authInterceptor } from '../src/undici.js';
import { type RecordedRequest, type RouteAnswer, startServer, tokenBody } from './helpers/http-server.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((f) => f()));
});

/** A pass-through interceptor speaking only undici's new handler API (as in interceptor.test.ts). */
const newApiOnly: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) =>
  dispatch(opts, {
    onRequestStart: (c, ctx) => handler.onRequestStart?.(c, ctx),
    onResponseStart: (c, s, h, m) => handler.onResponseStart?.(c, s, h, m),
    onResponseData: (c, chunk) => handler.onResponseData?.(c, chunk),
    onResponseEnd: (c, t) => handler.onResponseEnd?.(c, t),
    onResponseError: (c, e) => handler.onResponseError?.(c, e),
  });

interface ApiCall {
  authorization: string | undefined;
  proof: JWTPayload;
  body: string;
}

async function setup(handlerApi: 'older' | 'new', o: { nonce?: string; rejected?: Set<string> } = {}) {
  let issued = 0;
  const calls: ApiCall[] = [];
  const api = async (req: RecordedRequest): Promise<RouteAnswer> => {
    const { payload } = await jwtVerify(String(req.headers.dpop), EmbeddedJWK, { typ: 'dpop+jwt' });
    calls.push({ authorization: req.headers.authorization, proof: payload, body: req.body });
    const token = req.headers.authorization?.replace(/^DPoP /, '') ?? '';
    if (payload.ath !== accessTokenHash(token) || payload.htu !== `${server.url}/api/item` || payload.htm !== req.method)
      return { status: 400, body: 'bad proof' };
    if (o.nonce !== undefined && payload.nonce !== o.nonce)
      return { status: 401, headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': o.nonce } };
    if (o.rejected?.has(token)) return { status: 401, headers: { 'www-authenticate': 'DPoP error="invalid_token"' } };
    return { body: { auth: req.headers.authorization, body: req.body } };
  };
  const server = await startServer({
    'POST /token': () => ({ body: tokenBody(`tok-${++issued}`, { token_type: 'DPoP' }) }),
    'GET /api/item': api,
    'POST /api/item': api,
  });
  const tm = new TokenManager({ tokenUrl: `${server.url}/token`, clientId: 'svc', clientSecret: 's3cret', clientAuth: 'basic', retry: false, dpop: true });
  const agent = new Agent({ keepAliveTimeout: 1000 });
  const dispatcher = handlerApi === 'older' ? agent.compose(authInterceptor(tm)) : agent.compose(authInterceptor(tm), newApiOnly);
  cleanup.push(
    () => agent.close(),
    () => server.close(),
  );
  return { server, tm, dispatcher, calls, url: `${server.url}/api/item`, tokenRequests: () => server.requestsTo('/token').length };
}

describe.each(['older', 'new'] as const)('DPoP through the interceptor, %s handler API', (api) => {
  it('sends Authorization: DPoP and a proof bound to the token, the method and the URL without its query', async () => {
    const s = await setup(api);
    const res = await request(`${s.url}?x=1`, { dispatcher: s.dispatcher });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toMatchObject({ auth: 'DPoP tok-1' });
    expect(s.calls[0]!.proof).toMatchObject({ htm: 'GET', htu: s.url, ath: accessTokenHash('tok-1') });
    // The token request carried a proof too.
    expect(s.server.requestsTo('/token')[0]!.headers.dpop).toBeDefined();
  });

  it('answers a nonce challenge once with a new proof and the same token: no token request', async () => {
    const s = await setup(api, { nonce: 'rs-nonce-7' });
    const res = await request(s.url, { method: 'POST', body: 'payload', dispatcher: s.dispatcher });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ auth: 'DPoP tok-1', body: 'payload' });
    expect(s.calls.map((c) => [c.authorization, c.proof.nonce, c.body])).toEqual([
      ['DPoP tok-1', undefined, 'payload'],
      ['DPoP tok-1', 'rs-nonce-7', 'payload'],
    ]);
    expect(s.tokenRequests()).toBe(1);
    // Remembered: the next request carries it at once.
    await (await request(s.url, { dispatcher: s.dispatcher })).body.dump();
    expect(s.calls.at(-1)!.proof.nonce).toBe('rs-nonce-7');
    expect(s.calls).toHaveLength(3);
  });

  it('a rejected token is still renewed and replayed once, with a proof for the new token', async () => {
    const s = await setup(api, { rejected: new Set(['tok-1']) });
    await s.tm.getToken();
    const res = await request(s.url, { dispatcher: s.dispatcher });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect(s.calls.map((c) => [c.authorization, c.proof.ath])).toEqual([
      ['DPoP tok-1', accessTokenHash('tok-1')],
      ['DPoP tok-2', accessTokenHash('tok-2')],
    ]);
  });

  it('a nonce challenge and then a rejected token: both handled, one token request more', async () => {
    const s = await setup(api, { nonce: 'n-1', rejected: new Set(['tok-1']) });
    await s.tm.getToken();
    const res = await request(s.url, { dispatcher: s.dispatcher });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect(s.calls.map((c) => [c.authorization, c.proof.nonce ?? null])).toEqual([
      ['DPoP tok-1', null],
      ['DPoP tok-1', 'n-1'],
      ['DPoP tok-2', 'n-1'],
    ]);
    expect(s.tokenRequests()).toBe(2);
  });
});
