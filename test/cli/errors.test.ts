/**
 * Exit codes per error class, each with a message a person can act on: usage and configuration (1),
 * OAuth errors (2), network and timeouts (3), unusable answers (4), Ctrl-C (130). `--fail` (5), logoff
 * (6) and no Jim2 licence (7) are covered in fetch.test.ts and logoff.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { CLI_TEST_TIMEOUT, cleanupDirs, closedPort, expectNoSecrets, runCli, runCliTests } from './harness.js';

const SECRET = 'errors-secret-value';
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  cleanupDirs();
});

const env = { TOKENWARD_CLIENT_SECRET: SECRET };

describe.runIf(runCliTests)('exit codes', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('2: the token endpoint refuses the client, with a hint naming the settings to check', async () => {
    server = await startServer({
      'POST /token': () => ({ status: 401, body: { error: 'invalid_client', error_description: 'Unknown client or wrong secret' } }),
    });
    const result = await runCli(['token', '--token-url', `${server.url}/token`, '--client-id', 'svc', '--client-auth', 'basic'], { env });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('tokenward: token endpoint answered 401 invalid_client: "Unknown client or wrong secret"');
    expect(result.stderr).toContain('hint: Check the client id (--client-id / TOKENWARD_CLIENT_ID) and the client secret');
    expectNoSecrets(result, [SECRET]);
  });

  it('3: nothing listens at the token URL', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/token`;
    const result = await runCli(['token', '--token-url', url, '--client-id', 'svc', '--retries', '0'], { env });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`POST ${url} failed: ECONNREFUSED`);
    expect(result.stderr).toContain('hint: check the URL and that the server is reachable');
  });

  it('3: the token endpoint does not answer within --timeout', async () => {
    server = await startServer({ 'POST /token': () => ({ delayMs: 3_000, body: { access_token: 'late' } }) });
    const result = await runCli(['token', '--token-url', `${server.url}/token`, '--client-id', 'svc', '--timeout', '200', '--retries', '0'], { env });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('timed out after 200 ms');
    expect(result.stderr).toContain('raise --timeout');
  });

  it('4: an HTML page where a token answer should be', async () => {
    server = await startServer({ 'POST /token': () => ({ headers: { 'content-type': 'text/html' }, body: '<html><body>Please sign in</body></html>' }) });
    const result = await runCli(['token', '--token-url', `${server.url}/token`, '--client-id', 'svc'], { env });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('hint: is the token URL (--token-url) the token endpoint?');
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['token', '--frobnicate'], "Unknown option '--frobnicate'"],
    [['token', '--system', 'nope'], 'unknown --system "nope"; choose one of: jim2, veeam, infolink, bright-pattern, aspnet'],
    [['token', '--client-id', 'x'], 'no token endpoint: pass --token-url <url>'],
    [['token', '--token-url', 'not a url', '--client-id', 'x'], '`tokenUrl` is --token-url / TOKENWARD_TOKEN_URL'],
    [['token', '--token-url', 'http://h/t', '--tenant-host', 'a.example'], '--tenant-host applies only to --system bright-pattern'],
    [['token', '--system', 'bright-pattern', '--username', 'u'], '--username does not apply to --system bright-pattern; it takes --tenant-host, --client-id'],
    [['token', '--token-url', 'http://h/t', '--retries', 'many'], '--retries must be a whole number, got "many"'],
    [['inspect', '-X', 'POST', '--token-url', 'http://h/t'], '--request applies to `tokenward fetch` only'],
    [['token', 'extra', '--token-url', 'http://h/t'], '`tokenward token` takes no arguments'],
  ])('1: %j is a usage error: %s', async (args, message) => {
    const result = await runCli(args, { env });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });

  it('TOKENWARD_ISSUER is accepted: endpoints by discovery where this tokenward supports it, else a hint to use --token-url', async () => {
    server = await startServer({
      'GET /.well-known/openid-configuration': () => ({ body: { issuer: server!.url, token_endpoint: `${server!.url}/token` } }),
      'POST /token': () => ({ body: { access_token: `discovered-${'d'.repeat(30)}`, token_type: 'Bearer', expires_in: 60 } }),
    });
    const result = await runCli(['token', '--client-id', 'svc', '--client-auth', 'body'], { env: { ...env, TOKENWARD_ISSUER: server.url } });
    if (result.code === 0) expect(result.stdout).toBe(`discovered-${'d'.repeat(30)}\n`);
    else {
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('cannot discover endpoints from an issuer yet: pass --token-url');
    }
  });

  it('130: Ctrl-C while the token is being acquired', async () => {
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    server = await startServer({
      'POST /token': () => {
        arrived();
        return { delayMs: 10_000, body: { access_token: 'never' } };
      },
    });
    const result = await runCli(['token', '--token-url', `${server.url}/token`, '--client-id', 'svc'], {
      env,
      onSpawn: (child) => void requestArrived.then(() => child.kill('SIGINT')),
    });
    expect(result.code).toBe(130);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('interrupted');
  });
});
