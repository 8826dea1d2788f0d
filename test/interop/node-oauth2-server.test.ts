/**
 * Interop with @node-oauth/oauth2-server (v5), behind node:http on 127.0.0.1:0 with an in-memory model:
 * password, client_credentials and refresh_token grants, ROTATING refresh tokens (the library's default,
 * `alwaysIssueNewRefreshToken`), 4-second access tokens so refreshes happen during the test, and a
 * protected endpoint using the library's own `authenticate()`.
 *
 * Found on the way: the library reads Basic credentials with the `basic-auth` package, which does not
 * form-decode them (RFC 6749 §2.3.1 says it should), so a secret with a space or `+` fails as Basic
 * with tokenward's default `basicEncoding: 'form'`; `clientAuth: 'auto'` then learns body credentials,
 * and `basicEncoding: 'none'` makes Basic work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The server and its model live beside examples/node-oauth2-server.ts, which runs the same one.
import { createInMemoryOAuth2 } from '../../examples/_servers/node-oauth2-server.js';
import { type TokenEvent, TokenManager, type TokenManagerOptions } from '../../src/index.js';
import { startServer, type TestServer } from '../helpers/http-server.js';

const oauth = createInMemoryOAuth2();
const { accessTokens, refreshTokens } = oauth;

let server: TestServer;

beforeAll(async () => {
  server = await startServer({
    'POST /oauth/token': (req) => oauth.token(req),
    'GET /api/me': (req) => oauth.me(req),
  });
});

afterAll(async () => {
  await server?.close();
});

function manager(options: Partial<TokenManagerOptions>, events: TokenEvent[] = []): TokenManager {
  return new TokenManager({
    tokenUrl: `${server.url}/oauth/token`,
    baseUrl: server.url,
    retry: false,
    hooks: { onToken: (e) => events.push(e) },
    ...options,
  });
}

function tokenRequestsSince(index: number): URLSearchParams[] {
  return server.requests
    .slice(index)
    .filter((r) => r.path === '/oauth/token')
    .map((r) => new URLSearchParams(r.body));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('@node-oauth/oauth2-server', () => {
  it('client_credentials: one token for many calls, accepted by authenticate()', async () => {
    const start = server.requests.length;
    const tm = manager({ clientId: 'svc', clientSecret: 'svc-secret' });
    for (let i = 0; i < 5; i++) {
      const res = await tm.fetch('/api/me');
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ user: 'client:svc' });
    }
    const sent = tokenRequestsSince(start);
    expect(sent.map((b) => b.get('grant_type'))).toEqual(['client_credentials']);
    // The library issues no refresh token for client_credentials.
    expect((await tm.getToken()).refreshToken).toBeUndefined();
  });

  it('password grant with a DOMAIN\\user name, then refresh on expiry, following each rotated refresh token', async () => {
    const start = server.requests.length;
    const events: TokenEvent[] = [];
    const tm = manager({ clientId: 'svc', clientSecret: 'svc-secret', username: 'DOMAIN\\alice', password: 'wonder land+1' }, events);
    const first = await tm.getToken();
    expect(first.refreshToken).toBeDefined();
    expect((await tm.fetch('/api/me')).status).toBe(200);

    // Half of the 4-second lifetime is the refresh margin; past it the next call refreshes.
    await sleep(2_100);
    const res = await tm.fetch('/api/me');
    expect(await res.json()).toEqual({ user: 'alice' });
    const second = await tm.getToken();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    // Rotation: the server revoked the refresh token it was given.
    expect(refreshTokens.has(first.refreshToken!)).toBe(false);

    await sleep(2_100);
    expect((await tm.fetch('/api/me')).status).toBe(200);

    const sent = tokenRequestsSince(start);
    expect(sent.map((b) => b.get('grant_type'))).toEqual(['password', 'refresh_token', 'refresh_token']);
    expect(sent[0]!.get('username')).toBe('DOMAIN\\alice');
    // Each refresh sent the refresh token the previous answer rotated in, byte for byte.
    expect(sent[1]!.get('refresh_token')).toBe(first.refreshToken);
    expect(sent[2]!.get('refresh_token')).toBe(second.refreshToken);
    expect(events.map((e) => e.how)).toEqual(['grant', 'refresh', 'refresh']);
  });

  it('an expired refresh token (3 s) is refused with invalid_grant and replaced by one fresh password grant', async () => {
    const start = server.requests.length;
    const events: TokenEvent[] = [];
    const tm = manager({ clientId: 'svc-short', clientSecret: 'svc-secret', username: 'DOMAIN\\alice', password: 'wonder land+1' }, events);
    await tm.getToken();
    await sleep(3_100);
    expect((await tm.fetch('/api/me')).status).toBe(200);
    const sent = tokenRequestsSince(start);
    expect(sent.map((b) => b.get('grant_type'))).toEqual(['password', 'refresh_token', 'password']);
    const refused = server.requests.slice(start).filter((r) => r.path === '/oauth/token')[1]!;
    expect(refused.body).toContain('grant_type=refresh_token');
    expect(events.map((e) => e.how)).toEqual(['grant', 'grant']);
  });

  it('a 401 from authenticate() mid-session is recovered once with the refresh token', async () => {
    const start = server.requests.length;
    const tm = manager({ clientId: 'svc', clientSecret: 'svc-secret', username: 'DOMAIN\\alice', password: 'wonder land+1' });
    const token = await tm.getToken();
    accessTokens.delete(token.accessToken); // the server forgot it (restart, another login)
    const res = await tm.fetch('/api/me');
    expect(res.status).toBe(200);
    expect(server.requests.slice(start).map((r) => `${r.method} ${r.path}`)).toEqual(['POST /oauth/token', 'GET /api/me', 'POST /oauth/token', 'GET /api/me']);
    expect(tokenRequestsSince(start)[1]!.get('grant_type')).toBe('refresh_token');
  });

  it('does not form-decode Basic credentials: auto falls back to body once, and basicEncoding none fixes Basic', async () => {
    let start = server.requests.length;
    const auto = manager({ clientId: 'svc-spaced', clientSecret: 'a secret + more' });
    await auto.getToken();
    expect(auto.clientAuth).toBe('body');
    const tries = server.requests.slice(start).filter((r) => r.path === '/oauth/token');
    expect(tries.map((r) => (r.headers.authorization ? 'basic' : 'body'))).toEqual(['basic', 'body']);
    expect(new URLSearchParams(tries[1]!.body).get('client_secret')).toBe('a secret + more');

    start = server.requests.length;
    const raw = manager({ clientId: 'svc-spaced', clientSecret: 'a secret + more', clientAuth: 'basic', basicEncoding: 'none' });
    await raw.getToken();
    const sent = server.requests.slice(start).filter((r) => r.path === '/oauth/token');
    expect(sent).toHaveLength(1);
    expect(Buffer.from(sent[0]!.headers.authorization!.slice(6), 'base64').toString()).toBe('svc-spaced:a secret + more');
  });
});
