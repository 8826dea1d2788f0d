/**
 * `tokenward inspect`: the token redacted, its expiry in local time and as "expires in 14 min", the
 * refresh token's life, a JWT's decoded header and claims, scope, type and the client authentication
 * that worked, as text or `--json`; never the token, its signature, or a secret.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { CLI_TEST_TIMEOUT, cleanupDirs, expectNoSecrets, fakeJwt, runCli, runCliTests, scratchDir } from './harness.js';

const SECRET = 'inspect-secret-value';
const SIGNATURE = Buffer.from('signature-bytes-that-must-never-be-printed').toString('base64url');
let server: TestServer;

afterEach(async () => {
  await server?.close();
  cleanupDirs();
});

/** A server that refuses Basic (as some do), so `auto` falls back to body credentials and learns it. */
async function jwtServer(token: string, extra: Record<string, unknown> = {}) {
  server = await startServer({
    'POST /token': (req) => {
      const form = new URLSearchParams(req.body);
      if (req.headers.authorization !== undefined) return { status: 401, body: { error: 'invalid_client' } };
      if (form.get('client_secret') !== SECRET) return { status: 401, body: { error: 'invalid_client' } };
      return { body: { access_token: token, token_type: 'bearer', expires_in: 840, scope: 'orders:read orders:write', ...extra } };
    },
  });
  return ['--token-url', `${server.url}/token`, '--client-id', 'inspector'];
}

describe.runIf(runCliTests)('tokenward inspect', { timeout: CLI_TEST_TIMEOUT }, () => {
  const exp = Math.floor(Date.parse('2031-01-02T03:04:05Z') / 1000);
  const jwt = fakeJwt({ sub: 'svc-reports', aud: 'orders-api', exp, iat: exp - 840, roles: ['reader'] });

  it('shows expiry, JWT header and claims, scope, type and the learned client auth; never the token, its signature or the secret', async () => {
    const args = await jwtServer(jwt, {
      refresh_token: 'refresh-token-value-0123456789',
      refresh_expires_in: 7200,
      session_state: 'abc-session',
      ip: '10.0.0.1',
    });
    const result = await runCli(['inspect', ...args], { env: { TOKENWARD_CLIENT_SECRET: SECRET, TZ: 'Asia/Kolkata' } });
    expect(result.code, result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^access token +eyJh…[\w-]{4} \(\d+ chars\), a JWT$/m);
    expect(out).toMatch(/^token type +Bearer$/m);
    // 840 s: "expires in 14 min", with the local time (UTC+05:30 here) 14 minutes from now.
    const expires = /^expires +(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \+05:30 \(expires in 14 min\)$/m.exec(out);
    expect(expires, out).not.toBeNull();
    const shown = Date.parse(`${expires![1]!.replace(' ', 'T')}+05:30`);
    expect(Math.abs(shown - (Date.now() + 840_000))).toBeLessThan(60_000);
    expect(out).toMatch(/^refresh token +refr…6789 \(30 chars\), expires \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+05:30 \(expires in 2 h\)$/m);
    expect(out).toMatch(/^scope +orders:read orders:write$/m);
    expect(out).toMatch(/^client auth +body$/m);
    expect(out).toMatch(/^obtained +by a client_credentials grant at /m);
    expect(out).toMatch(/^session_state +"\[redacted\]"$/m);
    expect(out).toMatch(/^ip +"10\.0\.0\.1"$/m);
    expect(out).toContain('JWT header     {"alg":"RS256","typ":"JWT","kid":"k1"}');
    expect(out).toContain('sub: "svc-reports"');
    expect(out).toContain(`exp: ${exp}  (2031-01-02 08:34:05 +05:30)`);
    expect(out).toContain('roles: ["reader"]');
    expectNoSecrets(result, [jwt, SIGNATURE, SECRET, 'refresh-token-value-0123456789', 'abc-session']);
  });

  it('--json gives the same facts, still redacted', async () => {
    const args = await jwtServer(jwt);
    const result = await runCli(['inspect', '--json', ...args], { env: { TOKENWARD_CLIENT_SECRET: SECRET } });
    expect(result.code, result.stderr).toBe(0);
    const view = JSON.parse(result.stdout);
    expect(view).toMatchObject({
      accessTokenLength: jwt.length,
      tokenType: 'Bearer',
      scope: 'orders:read orders:write',
      clientAuth: 'body',
      obtainedBy: 'grant',
      grant: 'client_credentials',
      refreshToken: null,
      jwt: { header: { alg: 'RS256', typ: 'JWT', kid: 'k1' }, claims: { sub: 'svc-reports', exp } },
    });
    expect(view.expiresInSeconds).toBeGreaterThan(780);
    expect(view.expiresInSeconds).toBeLessThanOrEqual(840);
    expect(Math.abs(Date.parse(view.expiresAt) - (Date.now() + 840_000))).toBeLessThan(60_000);
    expect(view.accessToken).toMatch(/^eyJh…[\w-]{4} \(\d+ chars\)$/);
    expectNoSecrets(result, [jwt, SIGNATURE, SECRET]);
  });

  it('from the cache, says so and still knows which client authentication worked', async () => {
    const args = await jwtServer(`opaque-${'t'.repeat(40)}`);
    const env = { TOKENWARD_CLIENT_SECRET: SECRET, TOKENWARD_CACHE_DIR: join(scratchDir(), 'cache') };
    await runCli(['token', ...args], { env });
    const result = await runCli(['inspect', ...args], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^obtained +from the cache \(.*cache\/[\w-]+\.json\) at /m);
    expect(result.stdout).toMatch(/^client auth +body$/m);
    expect(result.stdout).not.toContain('JWT');
    // Basic refused, then body: two requests for the first token, none for the cached one.
    expect(server.requestsTo('/token')).toHaveLength(2);
    expectNoSecrets(result, [`opaque-${'t'.repeat(40)}`, SECRET]);
  });

  it('a short opaque token shows its length only', async () => {
    const args = await jwtServer('short-token');
    const result = await runCli(['inspect', ...args], { env: { TOKENWARD_CLIENT_SECRET: SECRET } });
    expect(result.stdout).toMatch(/^access token +\[11 chars\]$/m);
    expectNoSecrets(result, ['short-token']);
  });
});
