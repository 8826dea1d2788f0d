/**
 * The secret sweep can fail: it finds a secret in what it collected, in every spelling, through the wiring
 * of test/setup/secret-sweep.ts (tokens handed out, the wire, diagnostics channels), and reports where
 * without printing the secret. Plus what it found in tokenward that no other test looked at.
 */
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { channels, ErrorCode, type Token, TokenManager, type TokenStore, TokenwardError } from '../src/index.js';
import { fakeEndpoint } from './helpers/fake-token-endpoint.js';
import { startServer } from './helpers/http-server.js';
import { currentSweep, formatFindings, SecretSweep } from './helpers/secret-sweep.js';

describe('SecretSweep', () => {
  it('reports a registered secret found in a collected error, naming where and masking it', () => {
    const sweep = new SecretSweep();
    sweep.register('at-LEAKED-0123456789', 'access token');
    sweep.collect(new TokenwardError(ErrorCode.RESPONSE, 'answered 500: echo at-LEAKED-0123456789'), "the 'error' event payload");
    const findings = sweep.check();
    expect(findings.length).toBeGreaterThan(0);
    expect(findings[0]).toMatchObject({ secret: 'access token', where: "the 'error' event payload" });
    const report = formatFindings(findings);
    expect(report).toContain('[SECRET]');
    expect(report).not.toContain('at-LEAKED-0123456789');
  });

  it('finds a secret in its form-encoded and JSON-escaped spellings, in a cause and in an event payload', () => {
    const sweep = new SecretSweep();
    sweep.register('p@ss "word" 9', 'password');
    sweep.collect(new Error('outer', { cause: new Error('body was password=p%40ss+%22word%22+9') }), 'a cause');
    sweep.collect({ attempt: 1, error: new Error('{"password":"p@ss \\"word\\" 9"}') }, 'a retry payload');
    expect(
      sweep
        .check()
        .map((f) => f.where)
        .sort(),
    ).toEqual(['a cause', 'a retry payload']);
  });

  it("ignores values too short to mean anything, the library's own words, and matches inside longer tokens", () => {
    const sweep = new SecretSweep('const field = "password"; // Bearer');
    sweep.register('pw', 'password');
    sweep.register(' , ; ', 'password');
    sweep.register('password', 'password');
    sweep.register('at-1', 'access token');
    sweep.collect(new Error('wrong password: pw. Bearer at-12 is not at-1x'), 'an error');
    expect(sweep.check()).toEqual([]);
    sweep.collect(new Error('token at-1 leaked'), 'another error');
    expect(sweep.check()).toHaveLength(1);
  });

  it('does not look for a value declared public (a token type that is also a test password)', () => {
    const sweep = new SecretSweep();
    sweep.register('sample string 6', 'password');
    sweep.allow('sample string 6');
    sweep.collect({ how: 'grant', tokenType: 'sample string 6' }, "the 'token' event payload");
    expect(sweep.check()).toEqual([]);
    expect(sweep.isSecret('sample string 6')).toBe(false);
  });

  it('stops collecting while paused', () => {
    const sweep = new SecretSweep();
    sweep.register('paused-secret-value', 'client secret');
    sweep.pause();
    sweep.collect(new Error('paused-secret-value'), 'while paused');
    sweep.resume();
    expect(sweep.check()).toEqual([]);
  });
});

describe('the sweep wired into every test file', () => {
  it('learns the tokens a manager hands out and reports one published on a diagnostics channel', async () => {
    const endpoint = fakeEndpoint(() => ({ access_token: 'sweep-wired-at-7f3a9c', refresh_token: 'sweep-wired-rt-2b8d41', expires_in: 3600 }));
    const tm = new TokenManager({ tokenUrl: 'https://auth.example.com/token', clientId: 'c', clientSecret: 'sweep-wired-secret-55e1', fetch: endpoint.fetch });
    const token = await tm.getToken();
    const sweep = currentSweep();
    expect(sweep.isSecret(token.accessToken)).toBe(true);
    expect(sweep.isSecret(token.refreshToken!)).toBe(true);
    expect(sweep.isSecret('sweep-wired-secret-55e1'), 'the client secret, learned from the token request').toBe(true);

    // A leak on purpose, on the channel tracing tools read; the sweep must find it, then forget it.
    try {
      channels.error.publish(new TokenwardError(ErrorCode.NETWORK, `failed with ${token.refreshToken}`));
      expect(sweep.check()).toEqual([expect.objectContaining({ secret: 'refresh token', where: 'diagnostics_channel tokenward:error' })]);
    } finally {
      sweep.discard('diagnostics_channel tokenward:error');
    }
    expect(sweep.check()).toEqual([]);
  });

  it('learns a token acquired only through tm.fetch (the per-parameter-set slot path)', async () => {
    const endpoint = fakeEndpoint(() => ({ access_token: 'sweep-fetch-only-at-91c3e0', expires_in: 3600 }));
    const tm = new TokenManager({ tokenUrl: 'https://auth.example.com/token', fetch: endpoint.fetch });
    await (await tm.fetch('https://auth.example.com/api')).text();
    expect(endpoint.requests.map((r) => r.headers.get('authorization'))).toContain('Bearer sweep-fetch-only-at-91c3e0');
    expect(currentSweep().isSecret('sweep-fetch-only-at-91c3e0')).toBe(true);
  });

  it('learns credentials sent over the wire through undici', async () => {
    const server = await startServer({ 'POST /token': () => ({ status: 204 }) });
    try {
      const basic = Buffer.from('client:wire-secret-9c2e77').toString('base64');
      const { body } = await request(`${server.url}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=password&username=u&password=wire-password-61aa0f',
      });
      await body.text();
      const sweep = currentSweep();
      expect(sweep.isSecret('wire-secret-9c2e77')).toBe(true);
      expect(sweep.isSecret('wire-password-61aa0f')).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe('what the sweep found', () => {
  it('a custom store whose error quotes the token it was given: the store-error payload does not carry the token', async () => {
    const seen: TokenwardError[] = [];
    const leakyStore: TokenStore = {
      get: () => undefined,
      // A store that puts the value into its error (as some client libraries quote a failed command).
      set: (_key: string, token: Token) => {
        throw new Error(`SET failed for value ${JSON.stringify(token)}`);
      },
      delete: () => {},
    };
    const endpoint = fakeEndpoint(() => ({ access_token: 'store-quoted-at-4e5f6a7b', expires_in: 3600 }));
    const tm = new TokenManager({ tokenUrl: 'https://auth.example.com/token', fetch: endpoint.fetch, store: leakyStore });
    tm.on('store-error', (e) => seen.push(e));
    try {
      await tm.getToken();
      expect(seen).toHaveLength(1);
      const text = [seen[0]!.message, JSON.stringify(seen[0]), String((seen[0]!.cause as Error)?.message)].join('\n');
      expect(text, 'the store-error payload carries the access token').not.toContain('store-quoted-at-4e5f6a7b');
    } finally {
      // This test reports the finding itself; the file's sweep stays about the tests above.
      currentSweep().discard("the 'store-error' event payload");
    }
  });
});
