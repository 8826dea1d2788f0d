/**
 * Tokens per API against a real server (issue 11, item 1): oidc-provider with RFC 8707 resource
 * indicators (examples/_servers/oidc-grants.ts) issues JWT access tokens whose `aud` is the resource
 * asked for, and two APIs verify them with `jose` (signature, issuer, audience). One client, two
 * resources: two tokens, each accepted only by its own API, and each refresh keeps its resource (the
 * provider's own refresh_token grant picks the token's audience from the `resource` sent with it).
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANTS_CLIENT, GRANTS_USER, type GrantsIdp, startGrantsIdp } from '../../examples/_servers/oidc-grants.js';
import { TokenManager, type TokenManagerOptions } from '../../src/index.js';

let idp: GrantsIdp;
beforeAll(async () => {
  idp = await startGrantsIdp({ apis: ['orders', 'billing'] });
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
    ...extra,
  });

/** A direct call to an API with a given token, bypassing tokenward. */
const call = (url: string, accessToken: string) => fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });

describe('resource indicators against oidc-provider', () => {
  it('client_credentials: two resources, two tokens, each accepted only by its own API', async () => {
    const { orders, billing } = idp.apis as Record<'orders' | 'billing', GrantsIdp['apis'][string]>;
    const tm = manager();
    const before = idp.tokenRequests.length;
    const [o, b] = await Promise.all([
      tm.for({ resource: orders.resource }).fetch(`${orders.resource}open`),
      tm.for({ resource: billing.resource }).fetch(`${billing.resource}invoices`),
    ]);
    expect(o.status).toBe(200);
    expect(b.status).toBe(200);
    expect(((await o.json()) as { aud: string }).aud).toBe(orders.resource);
    expect(((await b.json()) as { aud: string }).aud).toBe(billing.resource);
    const sent = idp.tokenRequests.slice(before);
    expect(sent.map((r) => r.body.getAll('resource'))).toEqual(expect.arrayContaining([[orders.resource], [billing.resource]]));
    expect(sent).toHaveLength(2);

    const ordersToken = (await tm.getToken({ resource: orders.resource })).accessToken;
    const billingToken = (await tm.getToken({ resource: billing.resource })).accessToken;
    expect(ordersToken).not.toBe(billingToken);
    // Each API's verifier refuses the other's token: the audience is checked, not just the signature.
    expect((await call(`${billing.resource}invoices`, ordersToken)).status).toBe(401);
    expect((await call(`${orders.resource}open`, billingToken)).status).toBe(401);
    expect((await call(`${orders.resource}open`, ordersToken)).status).toBe(200);
    expect(idp.tokenRequests.length - before).toBe(2);
  });

  it('refresh tokens: each refresh sends its resource, and the new token is still for that API alone', async () => {
    const { orders, billing } = idp.apis as Record<'orders' | 'billing', GrantsIdp['apis'][string]>;
    const tm = manager({ username: GRANTS_USER.username, password: GRANTS_USER.password });
    const ordersView = tm.for({ resource: orders.resource });
    const billingView = tm.for({ resource: billing.resource });
    const first = { orders: await ordersView.getToken(), billing: await billingView.getToken() };
    expect(first.orders.refreshToken).toBeDefined();
    expect(first.billing.refreshToken).not.toBe(first.orders.refreshToken);

    const before = idp.tokenRequests.length;
    const renewed = { orders: await ordersView.getToken({ forceRefresh: true }), billing: await billingView.getToken({ forceRefresh: true }) };
    const refreshes = idp.tokenRequests.slice(before);
    expect(refreshes.map((r) => r.body.get('grant_type'))).toEqual(['refresh_token', 'refresh_token']);
    // Each refresh presented its own set's refresh token, with its own resource.
    expect(refreshes.map((r) => [r.body.get('refresh_token') === first.orders.refreshToken, r.body.get('resource')])).toEqual([
      [true, orders.resource],
      [false, billing.resource],
    ]);
    expect(refreshes[1]!.body.get('refresh_token')).toBe(first.billing.refreshToken);
    expect(renewed.orders.accessToken).not.toBe(first.orders.accessToken);
    expect(decodeJwt(renewed.orders.accessToken).aud).toBe(orders.resource);
    expect(decodeJwt(renewed.billing.accessToken).aud).toBe(billing.resource);
    expect((await ordersView.fetch(`${orders.resource}open`)).status).toBe(200);
    expect((await billingView.fetch(`${billing.resource}invoices`)).status).toBe(200);
    expect((await call(`${billing.resource}invoices`, renewed.orders.accessToken)).status).toBe(401);
    // The user is the same on both: one login, a token per API.
    expect(decodeJwt(renewed.billing.accessToken).sub).toBe(GRANTS_USER.username);
    await tm.logoff();
  });

  it('40 concurrent calls over both APIs: exactly one token request per resource, every call accepted', async () => {
    const { orders, billing } = idp.apis as Record<'orders' | 'billing', GrantsIdp['apis'][string]>;
    const tm = manager();
    const before = idp.tokenRequests.length;
    const views = [tm.for({ resource: orders.resource }), tm.for({ resource: billing.resource })];
    const apis = [orders, billing];
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => views[i % 2]!.fetch(`${apis[i % 2]!.resource}n${i}`)));
    const bodies = (await Promise.all(answers.map((r) => r.json()))) as Array<{ aud: string }>;
    expect(answers.every((r) => r.status === 200)).toBe(true);
    expect(bodies.every((b, i) => b.aud === apis[i % 2]!.resource)).toBe(true);
    expect(
      idp.tokenRequests
        .slice(before)
        .map((r) => r.body.get('resource'))
        .sort(),
    ).toEqual([billing.resource, orders.resource]);
  });
});
