/**
 * Delegation against a real server (issue 11, items 2 and 3): oidc-provider with RFC 8693 token exchange
 * and the RFC 7523 §2.1 JWT-bearer grant registered as extension grants (examples/_servers/
 * oidc-grant-handlers.ts), resource indicators, and APIs that verify the issued JWTs with jose.
 *
 * A gateway service holds users' tokens for itself (aud = the gateway) and exchanges each for one for
 * the orders API, on the user's behalf: one exchange per user, each API call carrying its own user.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANTS_CLIENT, GRANTS_USER, GRANTS_USER_2, type GrantsIdp, JWT_BEARER, startGrantsIdp, TOKEN_EXCHANGE } from '../../examples/_servers/oidc-grants.js';
import type { ResourceApi } from '../../examples/_servers/resource-api.js';
import { ErrorCode, TokenManager, type TokenManagerOptions, TokenwardError } from '../../src/index.js';

const CI_ISSUER = 'https://ci.example.com';
const ci = generateKeyPairSync('ec', { namedCurve: 'P-256' });

let idp: GrantsIdp;
let gateway: ResourceApi;
let orders: ResourceApi;
beforeAll(async () => {
  idp = await startGrantsIdp({ trustedIssuers: { [CI_ISSUER]: { ...ci.publicKey.export({ format: 'jwk' }), alg: 'ES256' } } });
  ({ gateway, orders } = idp.apis as Record<'gateway' | 'orders', ResourceApi>);
});
afterAll(async () => {
  await idp?.close();
});

const service = (extra: Partial<TokenManagerOptions>) =>
  new TokenManager({
    tokenUrl: idp.tokenUrl,
    clientId: GRANTS_CLIENT.id,
    clientSecret: GRANTS_CLIENT.secret,
    allowedOrigins: [idp.apiOrigin],
    retry: false,
    ...extra,
  });

/** A user's token for the gateway, as the gateway would receive it from its caller. */
async function userToken(user: { username: string; password: string }): Promise<string> {
  const login = service({ username: user.username, password: user.password });
  return (await login.getToken({ resource: gateway.resource })).accessToken;
}

const grantsOf = (from: number, type: string) => idp.tokenRequests.slice(from).filter((r) => r.body.get('grant_type') === type);

describe('token exchange (RFC 8693) against oidc-provider', () => {
  it('tm.for({ subjectToken }) per user: one exchange each, every API call on the right user’s behalf', async () => {
    const [alice, bob] = [await userToken(GRANTS_USER), await userToken(GRANTS_USER_2)];
    expect(decodeJwt(alice).aud).toBe(gateway.resource);
    const tm = service({ grant: 'token_exchange' });
    const before = idp.tokenRequests.length;
    const calls = await Promise.all(
      [alice, bob, alice, bob, alice].map((subjectToken) => tm.for({ subjectToken, resource: orders.resource }).fetch(`${orders.resource}mine`)),
    );
    const bodies = (await Promise.all(calls.map((r) => r.json()))) as Array<{ sub: string; aud: string }>;
    expect(calls.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(bodies.map((b) => b.sub)).toEqual(['alice', 'bob', 'alice', 'bob', 'alice']);
    expect(bodies.every((b) => b.aud === orders.resource)).toBe(true);
    const exchanges = grantsOf(before, TOKEN_EXCHANGE);
    expect(exchanges).toHaveLength(2);
    expect(exchanges.map((r) => r.body.get('subject_token_type'))).toEqual([
      'urn:ietf:params:oauth:token-type:access_token',
      'urn:ietf:params:oauth:token-type:access_token',
    ]);
    const token = await tm.getToken({ subjectToken: alice, resource: orders.resource });
    expect(token.issuedTokenType).toBe('urn:ietf:params:oauth:token-type:access_token');
  });

  it('with an actor token: the issued token names the gateway as the actor (act.sub)', async () => {
    const alice = await userToken(GRANTS_USER);
    const self = service({});
    const tm = service({ grant: 'token_exchange', actorToken: async () => (await self.getToken({ resource: gateway.resource })).accessToken });
    const res = await tm.for({ subjectToken: alice, resource: orders.resource }).fetch(`${orders.resource}mine`);
    expect(await res.json()).toMatchObject({ sub: 'alice', act: { sub: GRANTS_CLIENT.id } });
  });

  it('a subject token the provider refuses: invalid_grant, typed, and the token is nowhere in the error', async () => {
    const forged = `${(await userToken(GRANTS_USER)).slice(0, -4)}AAAA`;
    const tm = service({ grant: 'token_exchange' });
    const err = (await tm.getToken({ subjectToken: forged, resource: orders.resource }).catch((e: unknown) => e)) as TokenwardError;
    expect(err).toBeInstanceOf(TokenwardError);
    expect([err.code, err.status, err.error]).toEqual([ErrorCode.OAUTH, 400, 'invalid_grant']);
    expect(JSON.stringify({ ...err, m: err.message })).not.toContain(forged.slice(20, 60));
  });
});

describe('JWT-bearer grant (RFC 7523 §2.1) against oidc-provider', () => {
  it('an assertion tokenward signs for every request: accepted, a new jti each time (the server refuses replays)', async () => {
    const tm = service({ grant: 'jwt_bearer', assertion: { privateKey: ci.privateKey, issuer: CI_ISSUER, subject: 'build-bot' } });
    const before = idp.tokenRequests.length;
    const res = await tm.for({ resource: orders.resource }).fetch(`${orders.resource}builds`);
    expect(await res.json()).toMatchObject({ sub: 'build-bot', aud: orders.resource });
    await tm.getToken({ resource: orders.resource, forceRefresh: true });
    const sent = grantsOf(before, JWT_BEARER).map((r) => decodeJwt(r.body.get('assertion')!));
    expect(sent).toHaveLength(2);
    expect(sent[0]!.jti).not.toBe(sent[1]!.jti);
    // aud = the token endpoint (no issuer option: discovery would make it the issuer).
    expect(sent[0]!.aud).toBe(idp.tokenUrl);
  });

  it('the caller’s assertion function, and the same grant named by its URI with grantParams', async () => {
    const sign = () =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer(CI_ISSUER)
        .setSubject('deploy-bot')
        .setAudience(idp.issuer)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(ci.privateKey);
    const byName = service({ grant: 'jwt_bearer', assertion: sign });
    const byUri = service({ grant: JWT_BEARER, grantParams: { assertion: sign } });
    for (const tm of [byName, byUri]) {
      const res = await tm.for({ resource: orders.resource }).fetch(`${orders.resource}deploys`);
      expect(await res.json()).toMatchObject({ sub: 'deploy-bot' });
    }
  });

  it('an assertion from an untrusted key: invalid_grant, never retried, the assertion nowhere in the error', async () => {
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const tm = service({
      grant: 'jwt_bearer',
      retry: { retries: 3, minTimeout: 1 },
      assertion: { privateKey: stranger, issuer: CI_ISSUER, subject: 'mallory' },
    });
    const before = idp.tokenRequests.length;
    const err = (await tm.getToken().catch((e: unknown) => e)) as TokenwardError;
    expect(err.error).toBe('invalid_grant');
    const sent = grantsOf(before, JWT_BEARER);
    expect(sent).toHaveLength(1);
    expect(JSON.stringify({ ...err, m: err.message })).not.toContain(sent[0]!.body.get('assertion')!.slice(-20));
  });
});
