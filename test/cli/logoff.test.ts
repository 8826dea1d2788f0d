/**
 * `tokenward logoff` against the demo's licence-counting Jim2Server emulation (one user licence) and
 * plain servers: it releases the cached token's session, logs in and straight out with `--system jim2`
 * when nothing is cached, explains what it cannot release (a session whose tokens it never had), and
 * exits 6 when the server refuses.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_SECRET } from '../../demo/emulations.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { CLI_TEST_TIMEOUT, cleanupDirs, type Emulated, expectNoSecrets, runCli, runCliTests, scratchDir, startEmulation } from './harness.js';

let emulation: Emulated | undefined;
let server: TestServer | undefined;

afterEach(async () => {
  await emulation?.close();
  await server?.close();
  emulation = undefined;
  server = undefined;
  cleanupDirs();
});

async function jim2() {
  emulation = await startEmulation('jim2');
  const cache = join(scratchDir(), 'cache');
  return {
    args: ['--system', 'jim2', '--base-url', `${emulation.origin}/Jim_Test/`, '--client-id', 'TestClientId'],
    env: { TOKENWARD_CLIENT_SECRET: DEMO_SECRET, TOKENWARD_CACHE_DIR: cache },
    cache,
    sessions: () => emulation!.server.sessions.size,
  };
}

describe.runIf(runCliTests)('tokenward logoff --system jim2', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('releases the licence the cached token holds, so the next login finds it free', async () => {
    const { args, env, cache, sessions } = await jim2();
    expect((await runCli(['token', ...args], { env })).code).toBe(0);
    expect(sessions()).toBe(1);
    // The only licence is taken: a login that does not reuse the cache is refused, exit 7.
    const refused = await runCli(['token', ...args, '--no-cache'], { env });
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain('No user licences are available');
    expect(refused.stderr).toContain('--scope view takes none');

    const result = await runCli(['logoff', ...args], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('released the session of the cached token at the server; the cache file is deleted\n');
    expect(sessions()).toBe(0);
    expect(emulation!.server.counts.logoff).toBe(1);
    expect(readdirSync(cache).filter((f) => f.endsWith('.json'))).toEqual([]);
    expect((await runCli(['token', ...args, '--no-cache'], { env })).code).toBe(0);
    expectNoSecrets(result, [DEMO_SECRET, ...emulation!.issued]);
  });

  it('with nothing cached, logs in and straight out: the CLI holds no licence afterwards', async () => {
    const { args, env, sessions } = await jim2();
    const result = await runCli(['logoff', ...args], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('logged in and out again');
    expect(emulation!.server.counts).toMatchObject({ token: 1, logoff: 1 });
    expect(sessions()).toBe(0);
    expectNoSecrets(result, [DEMO_SECRET, ...emulation!.issued]);
  });

  it('cannot release a licence held by a session whose tokens it never had (a crashed service), and says so', async () => {
    const { args, env, sessions } = await jim2();
    // A "crashed service": it logged in and its tokens died with it.
    expect((await runCli(['token', ...args, '--no-cache'], { env })).code).toBe(0);
    const result = await runCli(['logoff', ...args], { env });
    expect(result.code).toBe(7);
    expect(result.stderr).toContain('tokenward cannot release a session whose tokens it does not have');
    expect(result.stderr).toContain('20 minutes after its last token request');
    expect(sessions()).toBe(1);
  });

  it('a cached token the server has forgotten: the session is renewed by its refresh token and its licence released', async () => {
    const { args, env, sessions } = await jim2();
    expect((await runCli(['token', ...args], { env })).code).toBe(0);
    emulation!.server.forgetAccessTokens();
    const result = await runCli(['logoff', ...args], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('released the session of the cached token');
    expect(sessions()).toBe(0);
    // The grant, then one refresh to release the session: never a second grant (a second licence).
    expect(emulation!.server.counts.token).toBe(2);
  });

  it('fetch --logoff releases the licence right after the call', async () => {
    const { args, env, sessions } = await jim2();
    const result = await runCli(['fetch', 'api/v1/cardfilecreate', '-H', 'content-type: application/json', '-d', '{"Name":"Acme"}', '--logoff', ...args], {
      env,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('{"ok":true}');
    expect(emulation!.server.lastApiPath).toBe('/Jim_Test/api/v1/cardfilecreate');
    expect(sessions()).toBe(0);
  });
});

describe.runIf(runCliTests)('tokenward logoff', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('Veeam: DELETE /api/token with the cached token ends the session', async () => {
    emulation = await startEmulation('veeam');
    const args = ['--system', 'veeam', '--base-url', emulation.origin, '--username', 'vdro\\administrator'];
    const env = { TOKENWARD_PASSWORD: DEMO_SECRET, TOKENWARD_CACHE_DIR: join(scratchDir(), 'cache') };
    expect((await runCli(['token', ...args], { env })).code).toBe(0);
    expect(emulation.server.sessions.size).toBe(1);
    const result = await runCli(['logoff', ...args], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(emulation.server.sessions.size).toBe(0);
    expect(emulation.server.counts.logoff).toBe(1);
  });

  it('InfoLink has no logoff endpoint: the cached token is deleted locally, and the output says it stays valid at the server', async () => {
    emulation = await startEmulation('infolink');
    const cache = join(scratchDir(), 'cache');
    const args = ['--system', 'infolink', '--base-url', emulation.origin, '--client-id', '9605c5d5-2a1b-49cc-8aaa-b350ee9d86b6'];
    const env = { TOKENWARD_CLIENT_SECRET: DEMO_SECRET, TOKENWARD_CACHE_DIR: cache };
    expect((await runCli(['token', ...args], { env })).code).toBe(0);
    const result = await runCli(['logoff', ...args], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^InfoLink has no logoff endpoint: the cached token is deleted here, and stays valid at the server until \d{4}-/);
    expect(readdirSync(cache).filter((f) => f.endsWith('.json'))).toEqual([]);
    expect(emulation.server.counts.logoff).toBe(0);
  });

  it('with nothing cached and no --acquire, acquires nothing and sends nothing', async () => {
    server = await startServer({});
    const result = await runCli(['logoff', '--token-url', `${server.url}/token`, '--client-id', 'c', '--logoff-url', '/logoff'], {
      env: { TOKENWARD_CLIENT_SECRET: 'x-secret' },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('nothing to release: no cached token for this configuration');
    expect(server.requests).toHaveLength(0);
  });

  it('a session that had already ended at the server: said so, and the cache file is deleted', async () => {
    server = await startServer({
      'POST /token': () => ({ body: { access_token: `ended-${'e'.repeat(30)}`, token_type: 'Bearer', expires_in: 600 } }),
      'DELETE /session': () => ({ status: 401 }),
    });
    const cache = join(scratchDir(), 'cache');
    const args = ['--token-url', `${server.url}/token`, '--client-id', 'c', '--logoff-url', `${server.url}/session`];
    const env = { TOKENWARD_CLIENT_SECRET: 'x-secret', TOKENWARD_CACHE_DIR: cache };
    expect((await runCli(['token', ...args], { env })).code).toBe(0);
    const result = await runCli(['logoff', ...args], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('the session of the cached token had already ended at the server; the cache file is deleted\n');
    expect(readdirSync(cache).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('a server that does not revoke this kind of token (RFC 7009 unsupported_token_type): says the token lives on, not that the session ended', async () => {
    server = await startServer({
      'POST /token': () => ({ body: { access_token: `jwt-like-${'j'.repeat(30)}`, token_type: 'Bearer', expires_in: 600 } }),
      'POST /revoke': () => ({ status: 400, body: { error: 'unsupported_token_type' } }),
    });
    const cache = join(scratchDir(), 'cache');
    const args = ['--token-url', `${server.url}/token`, '--client-id', 'c', '--logoff-style', 'revoke', '--logoff-url', `${server.url}/revoke`];
    const env = { TOKENWARD_CLIENT_SECRET: 'x-secret', TOKENWARD_CACHE_DIR: cache };
    expect((await runCli(['token', ...args], { env })).code).toBe(0);
    const result = await runCli(['logoff', ...args, '--verbose'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^the server does not revoke this kind of token \(unsupported_token_type\): the cache file is deleted, and the token stays valid at the server until .+\n$/,
    );
    expect(result.stderr).toContain('* logoff: the server does not revoke this kind of token (unsupported_token_type)');
    expect(readdirSync(cache).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('a server that does not release the session: exit 6, and the cache file is gone anyway', async () => {
    server = await startServer({
      'POST /token': () => ({ body: { access_token: `to-release-${'r'.repeat(30)}`, token_type: 'Bearer', expires_in: 600 } }),
      'DELETE /session': () => ({ status: 500, body: 'internal error' }),
    });
    const cache = join(scratchDir(), 'cache');
    const args = ['--token-url', `${server.url}/token`, '--client-id', 'c', '--logoff-url', `${server.url}/session`, '--retries', '0'];
    const env = { TOKENWARD_CLIENT_SECRET: 'x-secret', TOKENWARD_CACHE_DIR: cache };
    expect((await runCli(['token', ...args], { env })).code).toBe(0);
    const result = await runCli(['logoff', ...args], { env });
    expect(result.code).toBe(6);
    expect(result.stderr).toContain(`logoff failed: DELETE ${server.url}/session answered 500`);
    expect(result.stderr).toContain('hint: the cached token was forgotten anyway');
    expect(server.requestsTo('/session')[0]!.headers.authorization).toBe(`Bearer to-release-${'r'.repeat(30)}`);
    expect(existsSync(cache) ? readdirSync(cache).filter((f) => f.endsWith('.json')) : []).toEqual([]);
    expectNoSecrets(result, ['x-secret', `to-release-${'r'.repeat(30)}`]);
  });
});
