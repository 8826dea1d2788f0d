/**
 * `tokenward token` spawned against a real loopback token server: stdout is exactly the token and a
 * newline; the token is cached per configuration (one request for many calls, one for concurrent
 * processes); secrets come from the environment or a file and are refused on the command line.
 */
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { CLI_TEST_TIMEOUT, cleanupDirs, expectNoSecrets, runCli, runCliTests, scratchDir } from './harness.js';

const SECRET = 'cli s3cret: with + and %';
let server: TestServer;
let n = 0;

afterEach(async () => {
  await server?.close();
  cleanupDirs();
});

/** A token endpoint that wants Basic `my-client:SECRET` and hands out `tok-<n>` tokens (long enough to look real). */
async function tokenServer(extra: Record<string, unknown> = {}) {
  server = await startServer({
    'POST /oauth/token': (req) => {
      const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      const form = new URLSearchParams(req.body);
      const [id, secret] = basic.split(':').map((s) => new URLSearchParams(`v=${s}`).get('v'));
      if (id !== 'my-client' || secret !== SECRET) return { status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed' } };
      n += 1;
      return { body: { access_token: `tok-${n}-${'x'.repeat(30)}`, token_type: 'Bearer', expires_in: 3600, scope: form.get('scope') ?? 'default', ...extra } };
    },
  });
  return { url: `${server.url}/oauth/token`, base: ['--token-url', `${server.url}/oauth/token`, '--client-id', 'my-client'] };
}

describe.runIf(runCliTests)('tokenward token', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('prints the access token and a newline, nothing else, and nothing on stderr', async () => {
    const { base } = await tokenServer();
    const result = await runCli(['token', ...base], { env: { TOKENWARD_CLIENT_SECRET: SECRET } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^tok-\d+-x{30}\n$/);
    expect(server.requestsTo('/oauth/token')).toHaveLength(1);
    expectNoSecrets(result, [SECRET]);
  });

  it('reuses the cached token across runs (one token request), and --no-cache asks anew', async () => {
    const { base } = await tokenServer();
    const env = { TOKENWARD_CLIENT_SECRET: SECRET, TOKENWARD_CACHE_DIR: join(scratchDir(), 'cache') };
    const first = await runCli(['token', ...base], { env });
    const second = await runCli(['token', ...base], { env });
    expect(second.stdout).toBe(first.stdout);
    expect(server.requestsTo('/oauth/token')).toHaveLength(1);
    const third = await runCli(['token', ...base, '--no-cache'], { env });
    expect(third.stdout).not.toBe(first.stdout);
    expect(server.requestsTo('/oauth/token')).toHaveLength(2);
    // Another scope is another token, in another cache file.
    const other = await runCli(['token', ...base, '--scope', 'reports'], { env });
    expect(other.stdout).not.toBe(first.stdout);
    expect(server.requestsTo('/oauth/token')).toHaveLength(3);
  });

  it('keeps the cache private: a 0700 directory, 0600 files holding no secret, and refuses a directory others can read', async () => {
    const { base } = await tokenServer();
    const dir = join(scratchDir(), 'cache');
    const env = { TOKENWARD_CLIENT_SECRET: SECRET, TOKENWARD_CACHE_DIR: dir };
    await runCli(['token', ...base], { env });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(statSync(join(dir, files[0]!)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, files[0]!), 'utf8')).not.toContain(SECRET);
    chmodSync(dir, 0o755);
    const result = await runCli(['token', ...base], { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('not using the token cache');
    expect(result.stderr).toContain('chmod 700');
    expect(server.requestsTo('/oauth/token')).toHaveLength(2);
  });

  it('four processes started at once make one token request between them', async () => {
    const { base } = await tokenServer();
    // Slow enough that the processes overlap; each request would get its own token.
    server.route('POST /slow/token', () => ({ delayMs: 300, body: { access_token: `slow-${++n}-${'y'.repeat(30)}`, token_type: 'Bearer', expires_in: 3600 } }));
    const env = { TOKENWARD_CLIENT_SECRET: SECRET, TOKENWARD_CACHE_DIR: join(scratchDir(), 'cache') };
    const args = ['token', ...base.slice(2), '--token-url', `${server.url}/slow/token`];
    const results = await Promise.all([1, 2, 3, 4].map(() => runCli(args, { env })));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(new Set(results.map((r) => r.stdout)).size).toBe(1);
    expect(server.requestsTo('/slow/token')).toHaveLength(1);
  });

  it('flags win over the environment', async () => {
    const { base } = await tokenServer();
    const result = await runCli(['token', ...base], {
      env: { TOKENWARD_CLIENT_SECRET: SECRET, TOKENWARD_TOKEN_URL: 'http://127.0.0.1:9/nowhere', TOKENWARD_CLIENT_ID: 'someone-else' },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(server.requestsTo('/oauth/token')).toHaveLength(1);
  });

  it('takes every setting from the environment alone', async () => {
    const { url } = await tokenServer();
    const result = await runCli(['token'], {
      env: { TOKENWARD_TOKEN_URL: url, TOKENWARD_CLIENT_ID: 'my-client', TOKENWARD_CLIENT_SECRET: SECRET, TOKENWARD_SCOPE: 'orders:read' },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(new URLSearchParams(server.requestsTo('/oauth/token')[0]!.body).get('scope')).toBe('orders:read');
  });
});

describe.runIf(runCliTests)('secrets', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('reads the client secret from --client-secret-file and TOKENWARD_CLIENT_SECRET_FILE, without the trailing newline', async () => {
    const { base } = await tokenServer();
    const file = join(scratchDir(), 'secret.txt');
    writeFileSync(file, `${SECRET}\n`, { mode: 0o600 });
    const byFlag = await runCli(['token', ...base, '--client-secret-file', file, '--no-cache']);
    expect(byFlag.code, byFlag.stderr).toBe(0);
    const byEnv = await runCli(['token', ...base, '--no-cache'], { env: { TOKENWARD_CLIENT_SECRET_FILE: file } });
    expect(byEnv.code, byEnv.stderr).toBe(0);
    expect(server.requestsTo('/oauth/token')).toHaveLength(2);
  });

  it.each([[['--client-secret', SECRET]], [[`--client-secret=${SECRET}`]], [['--secret', SECRET]], [['--password', SECRET]], [[`--password=${SECRET}`]]])(
    'refuses a secret on the command line (%j), saying how to pass it, without echoing it',
    async (flag) => {
      const { base } = await tokenServer();
      const result = await runCli(['token', ...base, ...flag]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/shell history and in `ps` output/);
      expect(result.stderr).toMatch(/TOKENWARD_(CLIENT_SECRET|PASSWORD)/);
      expect(result.stderr).toMatch(/--(client-secret|password)-file <path>/);
      expectNoSecrets(result, [SECRET]);
      expect(server.requests).toHaveLength(0);
    },
  );

  it('without a terminal to prompt on, a missing secret is an error that says how to pass it', async () => {
    const { base } = await tokenServer();
    const result = await runCli(['token', ...base]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'needs the client secret: set TOKENWARD_CLIENT_SECRET, or pass --client-secret-file <path> (or TOKENWARD_CLIENT_SECRET_FILE)',
    );
    expect(result.stderr).toContain('stdin is not a terminal');
    expect(server.requests).toHaveLength(0);
  });

  it('a public client (--client-auth none) needs no secret', async () => {
    server = await startServer({ 'POST /oauth/token': () => ({ body: { access_token: `public-${'z'.repeat(30)}`, token_type: 'Bearer', expires_in: 60 } }) });
    const result = await runCli(['token', '--token-url', `${server.url}/oauth/token`, '--client-id', 'spa', '--client-auth', 'none']);
    expect(result.code, result.stderr).toBe(0);
    expect(new URLSearchParams(server.requests[0]!.body).get('client_id')).toBe('spa');
  });

  it('refuses both TOKENWARD_CLIENT_SECRET and TOKENWARD_CLIENT_SECRET_FILE at once', async () => {
    const { base } = await tokenServer();
    const result = await runCli(['token', ...base], { env: { TOKENWARD_CLIENT_SECRET: SECRET, TOKENWARD_CLIENT_SECRET_FILE: '/nonexistent' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('both TOKENWARD_CLIENT_SECRET and TOKENWARD_CLIENT_SECRET_FILE are set');
    expectNoSecrets(result, [SECRET]);
  });

  it('an unreadable secret file is named in the error', async () => {
    const { base } = await tokenServer();
    const missing = join(scratchDir(), 'missing.txt');
    const result = await runCli(['token', ...base, '--client-secret-file', missing]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot read the client secret file ${JSON.stringify(missing)}: ENOENT`);
    expect(existsSync(missing)).toBe(false);
  });
});
