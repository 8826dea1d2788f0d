/**
 * DPoP against a real server (issue 11, item 4): oidc-provider with `features.dPoP` requiring server
 * nonces at its token endpoint (its own proof validator: signature, htm, htu, iat, jti replay, nonce),
 * binding access tokens (`cnf.jkt`) and a public client's refresh tokens to the key; and protected APIs
 * that verify proofs with jose (examples/_servers/resource-api.ts: ath, htm, htu, jti replay, nonce).
 */
import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt } from 'jose';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DPOP_CLIENT, GRANTS_CLIENT, GRANTS_USER, type GrantsIdp, PUBLIC_CLIENT, startGrantsIdp } from '../../examples/_servers/oidc-grants.js';
import type { ResourceApi } from '../../examples/_servers/resource-api.js';
import { TokenManager, type TokenManagerOptions } from '../../src/index.js';
import { authInterceptor } from '../../src/undici.js';

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
let jkt: string;
let idp: GrantsIdp;
let orders: ResourceApi;
beforeAll(async () => {
  jkt = await calculateJwkThumbprint(key.publicKey.export({ format: 'jwk' }) as never);
  idp = await startGrantsIdp({ apis: ['orders'], tokenEndpointNonce: true, apiNonce: true, ttlSeconds: 60 });
  orders = idp.apis.orders!;
});
afterAll(async () => {
  await idp?.close();
});

const manager = (extra: Partial<TokenManagerOptions> = {}) =>
  new TokenManager({
    tokenUrl: idp.tokenUrl,
    clientId: GRANTS_CLIENT.id,
    clientSecret: GRANTS_CLIENT.secret,
    allowedOrigins: [idp.apiOrigin],
    retry: false,
    dpop: { privateKey: key.privateKey },
    ...extra,
  });

describe('DPoP against oidc-provider, nonces required at the token endpoint and the API', () => {
  it('client_credentials: a bound token (cnf.jkt = our key), one nonce round trip at each server, then none', async () => {
    const tm = manager();
    const events: string[] = [];
    tm.on('retry', () => events.push('retry'));
    tm.on('error', () => events.push('error'));
    tm.on('auth-replay', () => events.push('auth-replay'));
    const view = tm.for({ resource: orders.resource });
    const tokensBefore = idp.tokenRequests.length;
    const apiBefore = orders.requests.length;
    const res = await view.fetch(`${orders.resource}open?page=2`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ client_id: GRANTS_CLIENT.id, jkt });
    const token = await view.getToken();
    expect(token.tokenType).toBe('DPoP');
    expect((decodeJwt(token.accessToken).cnf as { jkt: string }).jkt).toBe(jkt);
    // The provider asked for its nonce once (400 use_dpop_nonce), the API once (401): one retry each.
    expect(idp.tokenRequests.length - tokensBefore).toBe(2);
    expect(orders.requests.slice(apiBefore).map((r) => r.status)).toEqual([401, 200]);
    expect(events).toEqual([]);
    // From now on both nonces are known: one request per call, each with a new proof.
    for (let i = 0; i < 3; i++) expect((await view.fetch(`${orders.resource}open`)).status).toBe(200);
    const later = orders.requests.slice(apiBefore + 2);
    expect(later.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(new Set(later.map((r) => r.proof!.jti)).size).toBe(3);
    expect(idp.tokenRequests.length - tokensBefore).toBe(2);
  });

  it('the API rotates its nonce: announced on a 200 (used next), or demanded with a 401 (answered once); never a token request', async () => {
    const tm = manager();
    const view = tm.for({ resource: orders.resource });
    await view.fetch(`${orders.resource}warm`);
    const tokens = idp.tokenRequests.length;
    orders.rotateNonce({ soft: true });
    expect((await view.fetch(`${orders.resource}a`)).status).toBe(200);
    expect((await view.fetch(`${orders.resource}b`)).status).toBe(200);
    expect(orders.requests.at(-1)!.proof!.nonce).toBe(orders.nonce);
    orders.rotateNonce();
    const start = orders.requests.length;
    expect((await view.fetch(`${orders.resource}c`, { method: 'POST', body: '{"n":1}' })).status).toBe(200);
    expect(orders.requests.slice(start).map((r) => [r.status, r.proof!.nonce === orders.nonce])).toEqual([
      [401, false],
      [200, true],
    ]);
    expect(idp.tokenRequests.length).toBe(tokens);
  });

  it('the interceptor: proofs and nonce challenges handled for undici.request too', async () => {
    const tm = manager();
    const agent = new Agent().compose(authInterceptor(tm.for({ resource: orders.resource })));
    try {
      orders.rotateNonce();
      const start = orders.requests.length;
      const res = await request(`${orders.resource}via-undici?x=1`, { method: 'PUT', body: 'data', dispatcher: agent });
      expect(res.statusCode).toBe(200);
      expect(await res.body.json()).toMatchObject({ jkt });
      expect(orders.requests.slice(start).map((r) => [r.method, r.status])).toEqual([
        ['PUT', 401],
        ['PUT', 200],
      ]);
    } finally {
      await agent.close();
    }
  });

  it('a DPoP-bound refresh (public client): the refresh carries a proof, the provider checks its key, cnf.jkt still matches', async () => {
    const tm = manager({
      clientId: PUBLIC_CLIENT.id,
      clientSecret: undefined,
      clientAuth: 'none',
      username: GRANTS_USER.username,
      password: GRANTS_USER.password,
    });
    const view = tm.for({ resource: orders.resource });
    const first = await view.getToken();
    expect(first.refreshToken).toBeDefined();
    const before = idp.tokenRequests.length;
    const renewed = await view.getToken({ forceRefresh: true });
    const refresh = idp.tokenRequests.slice(before);
    expect(refresh.map((r) => r.body.get('grant_type'))).toEqual(['refresh_token']);
    expect(refresh[0]!.headers.dpop).toBeDefined();
    expect(renewed.accessToken).not.toBe(first.accessToken);
    expect((decodeJwt(renewed.accessToken).cnf as { jkt: string }).jkt).toBe(jkt);
    expect(await (await view.fetch(`${orders.resource}mine`)).json()).toMatchObject({ sub: 'alice', jkt });
    // The refresh token is bound to the key: presented without a proof (stolen), the provider refuses it.
    const stolen = await fetch(idp.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: renewed.refreshToken!, client_id: PUBLIC_CLIENT.id }),
    });
    expect(stolen.status).toBe(400);
    expect(((await stolen.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('logoff by revocation carries a proof too', async () => {
    const tm = manager({ logoff: { style: 'revoke', url: `${idp.issuer}/token/revocation` } });
    await tm.getToken({ resource: orders.resource });
    const before = idp.requests.length;
    await tm.logoff();
    const revocations = idp.requests.slice(before).filter((r) => r.path === '/token/revocation');
    expect(revocations.length).toBeGreaterThanOrEqual(1);
    expect(revocations.every((r) => typeof r.headers.dpop === 'string')).toBe(true);
  });

  it('a client that must use DPoP: refused without it, served with it', async () => {
    const without = manager({ clientId: DPOP_CLIENT.id, clientSecret: DPOP_CLIENT.secret, dpop: false });
    await expect(without.getToken()).rejects.toMatchObject({ error: 'invalid_grant' });
    const withKey = manager({ clientId: DPOP_CLIENT.id, clientSecret: DPOP_CLIENT.secret, dpop: true });
    expect((await withKey.getToken({ resource: orders.resource })).tokenType).toBe('DPoP');
  });

  it('another key never uses a bound token: a manager with another key has another cache key', async () => {
    const a = manager();
    const b = manager({ dpop: true });
    expect(a.cacheKey).not.toBe(b.cacheKey);
    // And a bound token sent by someone without the key is refused by the API.
    const token = await a.getToken({ resource: orders.resource });
    const res = await fetch(`${orders.resource}open`, { headers: { authorization: `Bearer ${token.accessToken}` } });
    expect(res.status).toBe(401);
  });
});
