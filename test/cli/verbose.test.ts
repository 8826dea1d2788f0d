/**
 * `--verbose` shows each HTTP exchange on stderr (method, URL without query, status, time, headers,
 * redacted bodies) and never a secret or token, even when a server echoes them back; stdout stays
 * exactly what the command prints without it.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { CLI_TEST_TIMEOUT, cleanupDirs, expectNoSecrets, runCli, runCliTests, scratchDir } from './harness.js';

const SECRET = 'verbose+secret/with=chars';
const PASSWORD = 'p@ss word:1234';
let server: TestServer;
let issued: string[];

afterEach(async () => {
  await server?.close();
  cleanupDirs();
});

/** Token endpoint that echoes back everything it got in a debug field (a real misbehaving proxy does this). */
async function echoingServer() {
  issued = [];
  server = await startServer({
    'POST /oauth/token': (req) => {
      const form = new URLSearchParams(req.body);
      if (form.get('password') !== PASSWORD)
        return { status: 400, body: { error: 'invalid_grant', error_description: `bad password for ${form.get('username')}`, debug: req.body } };
      const token = `verbose-token-${issued.length + 1}-${'v'.repeat(30)}`;
      const refresh = `verbose-refresh-${issued.length + 1}-${'w'.repeat(30)}`;
      issued.push(token, refresh);
      return { body: { access_token: token, refresh_token: refresh, token_type: 'Bearer', expires_in: 3600, debug_authorization: req.headers.authorization } };
    },
    'GET /api/echo': (req) => ({
      headers: { 'content-type': 'text/plain', 'set-cookie': 'sid=cookie-value-1234; HttpOnly' },
      body: `you sent ${req.headers.authorization}`,
    }),
  });
  return [
    '--token-url',
    `${server.url}/oauth/token?tenant=query-secret-value`,
    '--client-id',
    'verbose-client',
    '--username',
    'DOMAIN\\jan',
    '--base-url',
    server.url,
  ];
}

describe.runIf(runCliTests)('--verbose', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('token: shows the exchange, redacted; stdout is still exactly the token', async () => {
    const args = await echoingServer();
    const result = await runCli(['token', '-v', ...args], { env: { TOKENWARD_CLIENT_SECRET: SECRET, TOKENWARD_PASSWORD: PASSWORD } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${issued[0]}\n`);
    const err = result.stderr;
    expect(err).toContain(`* POST ${server.url}/oauth/token\n`);
    expect(err).toContain('> authorization: Basic [redacted]');
    expect(err).toContain('> content-type: application/x-www-form-urlencoded');
    expect(err).toMatch(/> grant_type=password&username=DOMAIN%5Cjan&password=\[redacted\]/);
    expect(err).toMatch(/< 200 OK \(\d+ ms\)/);
    // A 2xx answer shows its shape only (the library's excerpt rule): never a value.
    expect(err).toMatch(/< \{"access_token":<string \d+ chars>,"refresh_token":<string \d+ chars>,/);
    expect(err).toMatch(/\* token from a password grant: Bearer, expires in (1 h|5\d min), refresh token: yes/);
    expectNoSecrets(
      result,
      [
        SECRET,
        PASSWORD,
        encodeURIComponent(PASSWORD),
        'query-secret-value',
        issued[1],
        Buffer.from(`verbose-client:${encodeURIComponent(SECRET)}`).toString('base64'),
      ],
      { stdout: false },
    );
    expect(err).not.toContain(issued[0]);
  });

  it("debugging a refused login: the server's error body is shown, the password it echoed is not", async () => {
    const args = await echoingServer();
    const result = await runCli(['token', '-v', ...args], { env: { TOKENWARD_CLIENT_SECRET: SECRET, TOKENWARD_PASSWORD: 'wrong password' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/< 400 Bad Request \(\d+ ms\)/);
    expect(result.stderr).toContain('"error":"invalid_grant","error_description":"bad password for DOMAIN\\\\jan"');
    expect(result.stderr).toContain('hint: check the user name (--username / TOKENWARD_USERNAME) and the password');
    expectNoSecrets(result, [SECRET, 'wrong password', 'wrong+password']);
  });

  it('fetch: the bearer token shows as its first and last characters, cookies hidden, the echoed token scrubbed', async () => {
    const args = await echoingServer();
    const env = { TOKENWARD_CLIENT_SECRET: SECRET, TOKENWARD_PASSWORD: PASSWORD, TOKENWARD_CACHE_DIR: join(scratchDir(), 'cache') };
    await runCli(['token', ...args], { env });
    const result = await runCli(['fetch', '/api/echo?page=2&key=query-secret-value', '-v', ...args], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`you sent Bearer ${issued[0]}`); // the API's own answer, as it came
    const err = result.stderr;
    expect(err).toContain('* token from the cache: Bearer');
    expect(err).toContain(`* GET ${server.url}/api/echo\n`);
    expect(err).toMatch(/> authorization: Bearer verb…vvvv \(\d+ chars\)/);
    expect(err).toContain('< set-cookie: [redacted]');
    expectNoSecrets({ ...result, stdout: '' }, [SECRET, PASSWORD, 'query-secret-value', issued[0], issued[1], 'cookie-value-1234']);
  });

  it('every command, with --verbose, keeps secrets and tokens off stderr', async () => {
    const args = await echoingServer();
    const env = { TOKENWARD_CLIENT_SECRET: SECRET, TOKENWARD_PASSWORD: PASSWORD, TOKENWARD_CACHE_DIR: join(scratchDir(), 'cache') };
    const runs = [
      await runCli(['inspect', '-v', ...args, '--no-cache'], { env }),
      await runCli(['inspect', '-v', '--json', ...args], { env }),
      await runCli(['fetch', '-v', '-i', '/api/missing', ...args], { env }),
      await runCli(['logoff', '-v', ...args, '--logoff-url', '/logoff'], { env }),
    ];
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      expectNoSecrets(r, [SECRET, PASSWORD, ...issued]);
    }
  });
});
