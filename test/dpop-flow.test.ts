/**
 * DPoP on the wire (issue 11, item 4), against a scripted authorization server and API: a proof on every
 * token request (grant, refresh, revocation) and every `tm.fetch` call (with `ath`), `Authorization:
 * DPoP`, and server nonces: a `use_dpop_nonce` from the token endpoint is retried once with the nonce
 * (no retry event, never a second grant), and one from an API is answered with a new proof, never with
 * a token request or an invalidation.
 */
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, EmbeddedJWK, type JWTPayload, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { accessTokenHash } from '../src/dpop.js';
import { ErrorCode, type FetchLike, TokenManager, type TokenManagerOptions, type TokenwardError } from '../src/index.js';
import { json } from './helpers/fake-token-endpoint.js';

const TOKEN_URL = 'https://auth.example.com/oauth/token?tenant=acme';
const API = 'https://api.example.com';

interface Seen {
  url: string;
  method: string;
  headers: Headers;
  form: URLSearchParams;
  proof: JWTPayload | undefined;
}

/**
 * An authorization server and an API in one fetch. `tokenNonce`/`apiNonce`: the nonce each demands
 * (`undefined`: none); `tokenType` of issued tokens.
 */
function servers(o: { tokenNonce?: string; apiNonce?: string; tokenType?: string; refresh?: boolean } = {}) {
  const seen: Seen[] = [];
  let issued = 0;
  const state = { ...o };
  const fetch: FetchLike = async (input, init) => {
    const url = String(input);
    const headers = new Headers(init?.headers);
    const dpop = headers.get('dpop');
    const proof = dpop === null ? undefined : (await jwtVerify(dpop, EmbeddedJWK, { typ: 'dpop+jwt' })).payload;
    seen.push({ url, method: init?.method ?? 'GET', headers, form: new URLSearchParams(typeof init?.body === 'string' ? init.body : ''), proof });
    if (url.startsWith('https://auth.example.com/')) {
      if (state.tokenNonce !== undefined && proof?.nonce !== state.tokenNonce)
        return json({ error: 'use_dpop_nonce', error_description: 'Authorization server requires nonce in DPoP proof' }, 400, {
          'dpop-nonce': state.tokenNonce,
        });
      if (url.includes('/revoke')) return new Response(null, { status: 200 });
      issued++;
      return json({
        access_token: `at-${issued}`,
        token_type: state.tokenType ?? 'DPoP',
        expires_in: 3600,
        ...(state.refresh ? { refresh_token: `rt-${issued}` } : {}),
      });
    }
    if (state.apiNonce !== undefined && proof !== undefined && proof.nonce !== state.apiNonce) {
      return new Response(null, {
        status: 401,
        headers: {
          'www-authenticate': 'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"',
          'dpop-nonce': state.apiNonce,
        },
      });
    }
    return json({ auth: headers.get('authorization') });
  };
  return { fetch, seen, state, tokenRequests: () => seen.filter((s) => s.url.startsWith('https://auth.example.com/oauth/token')) };
}

const base = (fetch: FetchLike, extra: Partial<TokenManagerOptions> = {}): TokenManagerOptions => ({
  tokenUrl: TOKEN_URL,
  clientId: 'svc',
  clientSecret: 'svc-secret-1',
  clientAuth: 'basic',
  allowedOrigins: [API],
  retry: false,
  dpop: true,
  fetch,
  ...extra,
});

describe('DPoP at the token endpoint', () => {
  it('a proof on the grant: htm, htu without the query, jti, iat; the token is DPoP-bound', async () => {
    const s = servers();
    const tm = new TokenManager(base(s.fetch));
    const token = await tm.getToken();
    expect(token.tokenType).toBe('DPoP');
    const [req] = s.tokenRequests();
    expect(req!.proof).toMatchObject({ htm: 'POST', htu: 'https://auth.example.com/oauth/token' });
    expect(req!.proof!.ath).toBeUndefined();
    expect(req!.proof!.nonce).toBeUndefined();
  });

  it('use_dpop_nonce: retried once with the nonce and a fresh client assertion; no retry or error event', async () => {
    const s = servers({ tokenNonce: 'as-nonce-1' });
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const tm = new TokenManager(base(s.fetch, { clientSecret: undefined, clientAuth: 'private_key_jwt', privateKey: key }));
    const events: string[] = [];
    tm.on('retry', () => events.push('retry'));
    tm.on('error', () => events.push('error'));
    const token = await tm.getToken();
    expect(token.accessToken).toBe('at-1');
    const [first, second] = s.tokenRequests();
    expect(s.tokenRequests()).toHaveLength(2);
    expect(first!.proof!.nonce).toBeUndefined();
    expect(second!.proof!.nonce).toBe('as-nonce-1');
    expect(second!.proof!.jti).not.toBe(first!.proof!.jti);
    // The request was built afresh: a client assertion is never sent twice.
    expect(second!.form.get('client_assertion')).not.toBe(first!.form.get('client_assertion'));
    expect(events).toEqual([]);
    // The nonce is remembered: the next token request carries it from the start.
    await tm.getToken({ forceRefresh: true });
    expect(s.tokenRequests()).toHaveLength(3);
    expect(s.tokenRequests()[2]!.proof!.nonce).toBe('as-nonce-1');
  });

  it('a second use_dpop_nonce after the retry is the error it is: one retry only', async () => {
    const s = servers({ tokenNonce: 'as-nonce-1' });
    const rotating = s.fetch;
    let n = 0;
    // A server that wants a new nonce every time.
    const fetch: FetchLike = async (input, init) => {
      s.state.tokenNonce = `as-nonce-${++n}-${'x'.repeat(n)}`;
      return rotating(input, init);
    };
    const err = (await new TokenManager(base(fetch)).getToken().catch((e: unknown) => e)) as TokenwardError;
    expect(err.code).toBe(ErrorCode.OAUTH);
    expect(err.error).toBe('use_dpop_nonce');
    expect(s.tokenRequests()).toHaveLength(2);
  });

  it('refresh and revocation carry proofs too, with the current nonce', async () => {
    const s = servers({ tokenNonce: 'as-nonce-1', refresh: true });
    const tm = new TokenManager(base(s.fetch, { logoff: { style: 'revoke', url: 'https://auth.example.com/oauth/revoke', tokens: ['refresh_token'] } }));
    const first = await tm.getToken();
    tm.invalidate(first);
    await tm.getToken();
    const refresh = s.tokenRequests().at(-1)!;
    expect(refresh.form.get('grant_type')).toBe('refresh_token');
    expect(refresh.proof).toMatchObject({ htm: 'POST', htu: 'https://auth.example.com/oauth/token', nonce: 'as-nonce-1' });
    await tm.logoff();
    const revoke = s.seen.at(-1)!;
    expect(revoke.url).toBe('https://auth.example.com/oauth/revoke');
    expect(revoke.proof).toMatchObject({ htm: 'POST', htu: 'https://auth.example.com/oauth/revoke', nonce: 'as-nonce-1' });
  });

  it('token_type DPoP without the dpop option: refused, with a hint', async () => {
    const s = servers();
    const err = (await new TokenManager(base(s.fetch, { dpop: false })).getToken().catch((e: unknown) => e)) as TokenwardError;
    expect(err.code).toBe(ErrorCode.UNSUPPORTED_TOKEN_TYPE);
    expect(err.message).toMatch(/"DPoP".*`dpop` option/);
    expect(s.seen[0]!.headers.get('dpop')).toBeNull();
  });
});

describe('DPoP on API calls through tm.fetch', () => {
  it('Authorization: DPoP with a proof bound to the token (ath), the method and the URL without its query', async () => {
    const s = servers();
    const tm = new TokenManager(base(s.fetch));
    const res = await tm.fetch(`${API}/v1/orders?open=1#top`, { method: 'post', body: '{}' });
    expect(await res.json()).toEqual({ auth: 'DPoP at-1' });
    const call = s.seen.at(-1)!;
    expect(call.proof).toMatchObject({ htm: 'POST', htu: `${API}/v1/orders`, ath: accessTokenHash('at-1') });
    // A new proof per call.
    await tm.fetch(`${API}/v1/orders`);
    expect(s.seen.at(-1)!.proof!.jti).not.toBe(call.proof!.jti);
    expect(s.seen.at(-1)!.proof!.htm).toBe('GET');
  });

  it('an API nonce challenge: the same token again with a new proof; no token request, no invalidation, no auth-replay', async () => {
    const s = servers({ apiNonce: 'rs-nonce-1' });
    const tm = new TokenManager(base(s.fetch));
    const replays: unknown[] = [];
    tm.on('auth-replay', (e) => replays.push(e));
    const token = await tm.getToken();
    const res = await tm.fetch(`${API}/v1/orders`);
    expect(res.status).toBe(200);
    const calls = s.seen.filter((c) => c.url.startsWith(API));
    expect(calls.map((c) => [c.headers.get('authorization'), c.proof!.nonce])).toEqual([
      ['DPoP at-1', undefined],
      ['DPoP at-1', 'rs-nonce-1'],
    ]);
    expect(s.tokenRequests()).toHaveLength(1);
    expect(tm.peekToken()).toBe(token);
    expect(replays).toEqual([]);
    // Remembered per origin: the next API call has it at once, the token endpoint never gets it.
    await tm.fetch(`${API}/v1/orders`);
    expect(s.seen.at(-1)!.proof!.nonce).toBe('rs-nonce-1');
    await tm.getToken({ forceRefresh: true });
    expect(s.tokenRequests().at(-1)!.proof!.nonce).toBeUndefined();
  });

  it('a DPoP-Nonce on a successful answer updates the nonce for the next call', async () => {
    const s = servers();
    const inner = s.fetch;
    const fetch: FetchLike = async (input, init) => {
      const res = await inner(input, init);
      if (!String(input).startsWith(API)) return res;
      return new Response(await res.text(), { status: res.status, headers: { 'content-type': 'application/json', 'dpop-nonce': 'rs-next' } });
    };
    const tm = new TokenManager(base(fetch));
    await tm.fetch(`${API}/a`);
    await tm.fetch(`${API}/b`);
    expect(s.seen.filter((c) => c.url.startsWith(API)).map((c) => c.proof!.nonce)).toEqual([undefined, 'rs-next']);
  });

  it('a nonce challenge to a streamed body is returned as is (it cannot be sent twice); the next call has the nonce', async () => {
    const s = servers({ apiNonce: 'rs-nonce-1' });
    const tm = new TokenManager(base(s.fetch));
    const stream = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('x')), c.close()) });
    const res = await tm.fetch(`${API}/upload`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(401);
    expect((await tm.fetch(`${API}/upload`, { method: 'POST', body: 'x' })).status).toBe(200);
    expect(s.tokenRequests()).toHaveLength(1);
  });

  it('a Bearer answer while dpop is on: sent as Bearer, without a proof', async () => {
    const s = servers({ tokenType: 'Bearer' });
    const tm = new TokenManager(base(s.fetch));
    const res = await tm.fetch(`${API}/v1/orders`);
    expect(await res.json()).toEqual({ auth: 'Bearer at-1' });
    expect(s.seen.at(-1)!.headers.get('dpop')).toBeNull();
    expect(s.tokenRequests()[0]!.proof).toBeDefined();
  });

  it('a view (tm.for) proves with the same key; its token has its own ath', async () => {
    const s = servers();
    const tm = new TokenManager(base(s.fetch));
    await tm.fetch(`${API}/own`);
    await tm.for({ audience: 'orders' }).fetch(`${API}/orders`);
    const [own, orders] = s.seen.filter((c) => c.url.startsWith(API));
    expect(own!.proof!.ath).toBe(accessTokenHash('at-1'));
    expect(orders!.proof!.ath).toBe(accessTokenHash('at-2'));
    const jwk = (p: Seen) => JSON.stringify(JSON.parse(Buffer.from(p.headers.get('dpop')!.split('.')[0]!, 'base64url').toString()).jwk);
    expect(jwk(own!)).toBe(jwk(orders!));
    expect(decodeJwt(own!.headers.get('dpop')!).htu).toBe(`${API}/own`);
  });
});
