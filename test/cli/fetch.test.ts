/**
 * `tokenward fetch`: a tiny curl through `tm.fetch` against a real loopback API. The bearer token is
 * sent, the body printed as it came; `-i` adds the status line and headers; `-X`, `-d` (text, @file,
 * @-) and `-H` shape the request; `--fail` turns HTTP errors into exit code 5; a rejected token is
 * renewed and the call replayed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RecordedRequest, type RouteAnswer, startServer, type TestServer } from '../helpers/http-server.js';
import { CLI_TEST_TIMEOUT, cleanupDirs, closedPort, expectNoSecrets, runCli, runCliTests, scratchDir } from './harness.js';

const SECRET = 'fetch-secret-value';
let server: TestServer;
let issued: string[];

afterEach(async () => {
  await server?.close();
  cleanupDirs();
});

async function api() {
  issued = [];
  const valid = new Set<string>();
  const answer = (req: RecordedRequest): RouteAnswer => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (bearer === undefined || !valid.has(bearer)) return { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' }, body: 'denied' };
    return {
      headers: { 'content-type': 'application/json', 'x-request-id': 'r-1' },
      body: JSON.stringify({
        method: req.method,
        path: req.path,
        type: req.headers['content-type'] ?? null,
        body: req.body,
        extra: req.headers['x-extra'] ?? null,
      }),
    };
  };
  server = await startServer({
    'POST /oauth/token': () => {
      const token = `api-token-${issued.length + 1}-${'q'.repeat(30)}`;
      issued.push(token);
      valid.add(token);
      return { body: { access_token: token, token_type: 'Bearer', expires_in: 3600 } };
    },
    'GET /v1/orders': answer,
    'POST /v1/orders': answer,
    'PUT /v1/orders': answer,
    'GET /v1/missing': () => ({ status: 404, headers: { 'content-type': 'application/json' }, body: '{"error":"no such thing"}' }),
  });
  return {
    args: ['--token-url', `${server.url}/oauth/token`, '--client-id', 'c', '--base-url', server.url],
    env: { TOKENWARD_CLIENT_SECRET: SECRET },
    revokeAll: () => valid.clear(),
  };
}

describe.runIf(runCliTests)('tokenward fetch', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('sends the bearer token and prints the body exactly as it came', async () => {
    const { args, env } = await api();
    const result = await runCli(['fetch', '/v1/orders?status=open', ...args], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ method: 'GET', path: '/v1/orders?status=open', type: null, body: '', extra: null });
    expect(server.requestsTo('/v1/orders')[0]!.headers.authorization).toBe(`Bearer ${issued[0]}`);
    expectNoSecrets(result, [SECRET, ...issued]);
  });

  it('-i prints the status line and headers first', async () => {
    const { args, env } = await api();
    const result = await runCli(['fetch', `${server.url}/v1/orders`, '-i', ...args], { env });
    expect(result.code, result.stderr).toBe(0);
    const [head, body] = result.stdout.split('\n\n');
    expect(head).toMatch(/^HTTP 200 OK\n/);
    expect(head).toContain('\ncontent-type: application/json');
    expect(head).toContain('\nx-request-id: r-1');
    expect(JSON.parse(body!).method).toBe('GET');
  });

  it('-X, -d and -H shape the request; -d defaults to form content and POST, as with curl', async () => {
    const { args, env } = await api();
    const form = await runCli(['fetch', '/v1/orders', '-d', 'a=1', '-d', 'b=2', ...args], { env });
    expect(JSON.parse(form.stdout)).toMatchObject({ method: 'POST', type: 'application/x-www-form-urlencoded', body: 'a=1&b=2' });
    const json = await runCli(['fetch', '/v1/orders', '-X', 'put', '-H', 'Content-Type: application/json', '-H', 'X-Extra: yes', '-d', '{"qty":2}', ...args], {
      env,
    });
    expect(JSON.parse(json.stdout)).toMatchObject({ method: 'PUT', type: 'application/json', body: '{"qty":2}', extra: 'yes' });
  });

  it('-d @file sends the file as it is, -d @- sends stdin', async () => {
    const { args, env } = await api();
    const file = join(scratchDir(), 'order.json');
    writeFileSync(file, '{"qty":3}\n');
    const fromFile = await runCli(['fetch', '/v1/orders', '-H', 'content-type: application/json', '-d', `@${file}`, ...args], { env });
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ method: 'POST', body: '{"qty":3}\n' });
    const fromStdin = await runCli(['fetch', '/v1/orders', '-d', '@-', ...args], { env, input: 'piped=yes' });
    expect(JSON.parse(fromStdin.stdout)).toMatchObject({ body: 'piped=yes' });
  });

  it('an HTTP error is printed and exits 0 without --fail; with --fail nothing is printed and the exit code is 5', async () => {
    const { args, env } = await api();
    const plain = await runCli(['fetch', '/v1/missing', ...args], { env });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe('{"error":"no such thing"}');
    const failing = await runCli(['fetch', '/v1/missing', '--fail', ...args], { env });
    expect(failing.code).toBe(5);
    expect(failing.stdout).toBe('');
    expect(failing.stderr).toContain(`tokenward: GET ${server.url}/v1/missing answered 404 Not Found`);
  });

  it('a token the API rejects is renewed once and the call replayed', async () => {
    const { args, env, revokeAll } = await api();
    const cache = { ...env, TOKENWARD_CACHE_DIR: join(scratchDir(), 'cache') };
    await runCli(['token', ...args], { env: cache });
    revokeAll();
    const result = await runCli(['fetch', '/v1/orders', ...args], { env: cache });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).method).toBe('GET');
    expect(issued).toHaveLength(2);
    expect(server.requestsTo('/v1/orders').map((r) => r.headers.authorization)).toEqual([`Bearer ${issued[0]}`, `Bearer ${issued[1]}`]);
    // The renewed token replaced the rejected one in the cache.
    const again = await runCli(['token', ...args], { env: cache });
    expect(again.stdout).toBe(`${issued[1]}\n`);
  });

  it('refuses to send the token to another origin (exit 1), with a hint', async () => {
    const { args, env } = await api();
    const result = await runCli(['fetch', 'http://127.0.0.2:9/steal', ...args], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('refusing to send the token to http://127.0.0.2:9');
    expect(result.stderr).toContain('--allowed-origin');
  });

  it('an API that does not answer is a network error (exit 3), and --max-time bounds the call (exit 3)', async () => {
    const { args, env } = await api();
    server.route('GET /v1/slow', () => ({ delayMs: 5_000, body: 'late' }));
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const down = await runCli(['fetch', `${dead}/v1/orders?key=hidden`, '--allowed-origin', dead, ...args], { env });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain(`GET ${dead}/v1/orders failed: ECONNREFUSED`);
    expect(down.stderr).not.toContain('hidden');
    const slow = await runCli(['fetch', '/v1/slow', '--max-time', '0.5', ...args], { env });
    expect(slow.code, slow.stdout + slow.stderr).toBe(3);
    expect(slow.stderr).toContain('no complete answer within --max-time 0.5 s');
  });

  it('needs a URL', async () => {
    const result = await runCli(['fetch', '--token-url', 'http://127.0.0.1:9/t']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('`tokenward fetch` needs a URL');
  });
});
