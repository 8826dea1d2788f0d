/**
 * Interop with oidc-provider (panva, OpenID Certified), started in process on 127.0.0.1:0.
 *
 * What is real here: the provider's client authentication (client_secret_basic with RFC 6749 §2.3.1
 * decoding, client_secret_post), its client_credentials grant, its refresh_token grant with rotation and
 * reuse detection, RFC 7009 revocation and RFC 7662 introspection, with 6-second access tokens so the
 * refresh really happens during the test.
 *
 * What is not: oidc-provider has no resource-owner password grant, so the provider's setup
 * (examples/_servers/oidc-provider.ts, shared with examples/oidc-provider.ts) registers a minimal one
 * through `provider.registerGrantType`; every refresh after that is the provider's own code.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  basicFor,
  createOidcProvider,
  introspect as introspectAt,
  OIDC_BASIC_CLIENT,
  OIDC_POST_CLIENT,
  type OidcProvider,
  protectedMe,
} from '../../examples/_servers/oidc-provider.js';
import { ErrorCode, type TokenEvent, TokenManager, type TokenManagerOptions, TokenwardError } from '../../src/index.js';
import { startServer, type TestServer } from '../helpers/http-server.js';

// Long enough that the refresh margin (half of it, 3 s) dwarfs any stall of a loaded machine between
// two calls that must share a token; short enough that the refresh test waits it out.
const TTL_SECONDS = 6;
/** Secrets with the characters RFC 6749 §2.3.1 form-encoding exists for. */
const BASIC_SECRET = OIDC_BASIC_CLIENT.secret;
const POST_SECRET = OIDC_POST_CLIENT.secret;

interface Seen {
  method: string;
  path: string;
  authorization: string | undefined;
}

let issuer: string;
let provider: OidcProvider;
let idp: http.Server;
let api: TestServer;
/** Every request the provider received (method, path, whether it carried Authorization). */
const seen: Seen[] = [];

function countTo(path: string): number {
  return seen.filter((r) => r.method === 'POST' && r.path === path).length;
}

const introspect = (token: string) => introspectAt(issuer, token);

beforeAll(async () => {
  let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();
  idp = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0]!, authorization: req.headers.authorization });
    handler(req, res);
  });
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;

  provider = createOidcProvider(issuer, { ttlSeconds: TTL_SECONDS });
  handler = provider.callback();

  // The protected API: a bearer token is good when the provider's introspection says it is active.
  api = await startServer({ 'GET /api/me': (req) => protectedMe(issuer, req.headers.authorization) });
});

afterAll(async () => {
  await api?.close();
  idp?.closeAllConnections();
  await new Promise<void>((resolve) => idp?.close(() => resolve()));
});

function manager(options: Partial<TokenManagerOptions>, events: TokenEvent[] = []): TokenManager {
  return new TokenManager({
    tokenUrl: `${issuer}/token`,
    baseUrl: api.url,
    retry: false,
    hooks: { onToken: (e) => events.push(e) },
    ...options,
  });
}

describe('oidc-provider: client_credentials', () => {
  it('client_secret_basic with a secret that needs form-encoding: one token request for several API calls', async () => {
    const before = countTo('/token');
    const tm = manager({ clientId: 'svc-basic', clientSecret: BASIC_SECRET, clientAuth: 'client_secret_basic' });
    for (let i = 0; i < 5; i++) {
      const res = await tm.fetch('/api/me');
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ sub: null, client_id: 'svc-basic' });
    }
    expect(countTo('/token') - before).toBe(1);
    expect(seen.filter((r) => r.path === '/token').at(-1)!.authorization).toMatch(/^Basic /);
    expect(tm.clientAuth).toBe('basic');
  });

  it('client_secret_post sends the credentials in the body, never a Basic header', async () => {
    const before = seen.length;
    const tm = manager({ clientId: 'svc-post', clientSecret: POST_SECRET, clientAuth: 'client_secret_post' });
    expect((await tm.fetch('/api/me')).status).toBe(200);
    const tokenRequests = seen.slice(before).filter((r) => r.path === '/token');
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0]!.authorization).toBeUndefined();
  });

  it('auto against a client_secret_post client: oidc-provider 9 takes a secret in either place, so no probing', async () => {
    // oidc-provider accepts client_secret_basic and client_secret_post interchangeably for a secret-based
    // client (lib/shared/client_auth.js), so `auto` keeps Basic. The Basic → body fallback itself needs a
    // server that refuses Basic; the msw and real-socket suites cover it.
    const before = seen.length;
    const tm = manager({ clientId: 'svc-post', clientSecret: POST_SECRET });
    await tm.getToken();
    await tm.getToken({ forceRefresh: true });
    expect(tm.clientAuth).toBe('basic');
    expect(
      seen
        .slice(before)
        .filter((r) => r.path === '/token')
        .map((r) => (r.authorization ? 'basic' : 'body')),
    ).toEqual(['basic', 'basic']);
  });

  it('auto keeps Basic for a client_secret_basic client: no probing', async () => {
    const before = seen.length;
    const tm = manager({ clientId: 'svc-basic', clientSecret: BASIC_SECRET });
    await tm.getToken();
    expect(tm.clientAuth).toBe('basic');
    expect(seen.slice(before).filter((r) => r.path === '/token')).toHaveLength(1);
  });

  it('a wrong secret is an invalid_client error, not retried and not leaked', async () => {
    const tm = manager({ clientId: 'svc-basic', clientSecret: 'not-the-secret', clientAuth: 'basic' });
    const err = (await tm.getToken().catch((e: unknown) => e)) as TokenwardError;
    expect(err).toBeInstanceOf(TokenwardError);
    expect(err.code).toBe(ErrorCode.OAUTH);
    expect(err.error).toBe('invalid_client');
    expect(err.status).toBe(401);
    expect(JSON.stringify({ ...err, message: err.message })).not.toContain('not-the-secret');
  });

  it('logoff by RFC 7009 revocation: the access token is inactive afterwards and the API refuses it', async () => {
    const tm = manager({ clientId: 'svc-basic', clientSecret: BASIC_SECRET, logoff: { style: 'revoke', url: `${issuer}/token/revocation` } });
    const token = await tm.getToken();
    expect((await introspect(token.accessToken)).active).toBe(true);
    const revocations = countTo('/token/revocation');
    await tm.logoff();
    // client_credentials has no refresh token, so only the access token is revoked.
    expect(countTo('/token/revocation') - revocations).toBe(1);
    expect(await introspect(token.accessToken)).toEqual({ active: false });
    const res = await fetch(`${api.url}/api/me`, { headers: { authorization: `Bearer ${token.accessToken}` } });
    expect(res.status).toBe(401);
  });
});

describe('oidc-provider: refresh tokens (6-second access tokens)', () => {
  it("refreshes an expiring token with the provider's refresh_token grant and follows each rotation", async () => {
    const events: TokenEvent[] = [];
    const tm = manager({ clientId: 'svc-basic', clientSecret: BASIC_SECRET, username: 'alice', password: 'wonderland' }, events);
    const first = await tm.getToken();
    expect(first.refreshToken).toBeDefined();
    expect(first.expiresAt - first.receivedAt).toBe(TTL_SECONDS * 1000);
    expect((await tm.fetch('/api/me')).status).toBe(200);

    // Half the lifetime is the refresh margin for so short a token: past it the next call refreshes.
    await new Promise((r) => setTimeout(r, (TTL_SECONDS * 1000) / 2 + 100));
    const res = await tm.fetch('/api/me');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: 'alice', client_id: 'svc-basic' });
    const second = await tm.getToken();
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    // The provider consumed the first refresh token when it rotated it.
    expect((await provider.RefreshToken.find(first.refreshToken!))?.consumed).toBeTruthy();

    // A second refresh must use the rotated token: reusing a consumed one would make the provider
    // revoke the whole grant (reuse detection), and the API call below would fail.
    const third = await tm.getToken({ forceRefresh: true });
    expect(third.refreshToken).not.toBe(second.refreshToken);
    expect((await tm.fetch('/api/me')).status).toBe(200);
    expect(events.map((e) => e.how)).toEqual(['grant', 'refresh', 'refresh']);
    expect(third.idToken).toBeDefined();
  });

  it('recovers from a 401 once by refreshing: the provider lost the access token (expiry, restart)', async () => {
    const events: TokenEvent[] = [];
    const tm = manager({ clientId: 'svc-basic', clientSecret: BASIC_SECRET, username: 'alice', password: 'wonderland' }, events);
    const token = await tm.getToken();
    await (await provider.AccessToken.find(token.accessToken))!.destroy();
    const before = api.requestsTo('/api/me').length;
    const res = await tm.fetch('/api/me');
    expect(res.status).toBe(200);
    expect(api.requestsTo('/api/me').length - before).toBe(2);
    expect(events.map((e) => e.how)).toEqual(['grant', 'refresh']);
  });

  it('recovers from a 401 after someone revoked the access token: the grant is gone, so one fresh grant', async () => {
    const events: TokenEvent[] = [];
    let fallbacks = 0;
    const tm = manager({ clientId: 'svc-basic', clientSecret: BASIC_SECRET, username: 'alice', password: 'wonderland' }, events);
    tm.on('refresh-fallback', () => fallbacks++);
    const token = await tm.getToken();
    // oidc-provider revokes the whole grant (refresh token included) when an access token is revoked.
    const revoked = await fetch(`${issuer}/token/revocation`, {
      method: 'POST',
      headers: { authorization: basicFor('svc-basic', BASIC_SECRET), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: token.accessToken, token_type_hint: 'access_token' }),
    });
    expect(revoked.status).toBe(200);
    const res = await tm.fetch('/api/me');
    expect(res.status).toBe(200);
    // The refresh is refused with invalid_grant; tokenward falls back to the password grant once.
    expect(fallbacks).toBe(1);
    expect(events.map((e) => e.how)).toEqual(['grant', 'grant']);
  });

  it('logoff revokes the refresh token, then the access token: both inactive, and a refresh is refused', async () => {
    const tm = manager({
      clientId: 'svc-basic',
      clientSecret: BASIC_SECRET,
      username: 'alice',
      password: 'wonderland',
      logoff: { style: 'revoke', url: `${issuer}/token/revocation` },
    });
    const token = await tm.getToken();
    const revocations = countTo('/token/revocation');
    await tm.logoff();
    expect(countTo('/token/revocation') - revocations).toBe(2);
    expect(await introspect(token.accessToken)).toEqual({ active: false });
    expect(await introspect(token.refreshToken!)).toEqual({ active: false });
    const refused = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { authorization: basicFor('svc-basic', BASIC_SECRET), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token.refreshToken! }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_grant');
  });
});
