/**
 * The JWT-bearer grant (RFC 7523 §2.1) and extension grants by URI (issue 11, item 3): the assertion
 * tokenward signs (claims, audience, a fresh one per request), the caller's assertion function, a
 * per-call assertion (Entra ID's on-behalf-of), `grantParams`, and secrets kept out of errors.
 */
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode, TokenManager, type TokenManagerOptions, type TokenwardError } from '../src/index.js';
import { fakeEndpoint, json } from './helpers/fake-token-endpoint.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_URL = 'https://auth.example.com/oauth2/token';
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicJwk = ec.publicKey.export({ format: 'jwk' });

const base = (extra: Partial<TokenManagerOptions> = {}): TokenManagerOptions => ({ tokenUrl: TOKEN_URL, clientId: 'svc', retry: false, ...extra });

describe('grant jwt_bearer with an assertion tokenward signs', () => {
  it('signs { iss, sub, aud, jti, iat, nbf, exp } with the key, a new one per request; aud is the token endpoint', async () => {
    const endpoint = fakeEndpoint();
    const tm = new TokenManager(
      base({
        fetch: endpoint.fetch,
        grant: 'jwt_bearer',
        clientAuth: 'none',
        assertion: { privateKey: ec.privateKey, keyId: 'k1', subject: 'alice@example.com', claims: { scope: 'read' } },
      }),
    );
    await tm.getToken();
    await tm.getToken({ forceRefresh: true });
    const [first, second] = endpoint.requests.map((r) => r.form);
    expect(first!.get('grant_type')).toBe(JWT_BEARER);
    const assertion = first!.get('assertion')!;
    const { payload } = await jwtVerify(assertion, await importJWK(publicJwk, 'ES256'), { issuer: 'svc', subject: 'alice@example.com', audience: TOKEN_URL });
    expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'ES256', kid: 'k1', typ: 'JWT' });
    expect(payload.scope).toBe('read');
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(typeof payload.jti).toBe('string');
    // Every request signs afresh: servers with jti replay detection refuse a reused assertion.
    expect(second!.get('assertion')).not.toBe(assertion);
    expect(decodeJwt(second!.get('assertion')!).jti).not.toBe(payload.jti);
    // A public client: only the grant, no client credentials.
    expect(first!.get('client_id')).toBe('svc');
    expect(endpoint.requests[0]!.headers.get('authorization')).toBeNull();
  });

  it('uses the privateKey option by default, with assertionAudience and assertionLifetime as client assertions do', async () => {
    const endpoint = fakeEndpoint();
    const tm = new TokenManager(
      base({
        fetch: endpoint.fetch,
        grant: 'jwt_bearer',
        privateKey: ec.privateKey,
        assertionAudience: 'https://auth.example.com',
        assertionLifetime: 120,
        assertion: { issuer: 'issuer-app' },
      }),
    );
    await tm.getToken();
    const form = endpoint.requests[0]!.form;
    const claims = decodeJwt(form.get('assertion')!);
    expect([claims.iss, claims.sub, claims.aud, claims.exp! - claims.iat!]).toEqual(['issuer-app', 'svc', 'https://auth.example.com', 120]);
    // `auto` authenticates the client with the same key (private_key_jwt): a different JWT.
    expect(form.get('client_assertion')).toMatch(/^ey/);
    expect(form.get('client_assertion')).not.toBe(form.get('assertion'));
  });

  it('without a clientId, with clientAuth none: the assertion alone, as Google service accounts send it (RFC 7523 §3.1)', async () => {
    const endpoint = fakeEndpoint();
    const tm = new TokenManager({
      tokenUrl: TOKEN_URL,
      fetch: endpoint.fetch,
      retry: false,
      grant: 'jwt_bearer',
      clientAuth: 'none',
      assertion: { privateKey: ec.privateKey, issuer: 'ci@project.iam.example.com', subject: 'build-bot' },
    });
    await tm.getToken();
    const form = endpoint.requests[0]!.form;
    expect([...form.keys()].sort()).toEqual(['assertion', 'grant_type']);
    expect(decodeJwt(form.get('assertion')!)).toMatchObject({ iss: 'ci@project.iam.example.com', sub: 'build-bot' });
    // Any other grant with clientAuth none still needs the client id it would send.
    expect(() => new TokenManager({ tokenUrl: TOKEN_URL, clientAuth: 'none' })).toThrow(ConfigError);
  });

  it('different assertion subjects are different tokens: different cache keys', () => {
    const one = new TokenManager(base({ grant: 'jwt_bearer', assertion: { privateKey: ec.privateKey, subject: 'alice' } }));
    const two = new TokenManager(base({ grant: 'jwt_bearer', assertion: { privateKey: ec.privateKey, subject: 'bob' } }));
    expect(one.cacheKey).not.toBe(two.cacheKey);
  });
});

describe('grant jwt_bearer with the caller’s assertion', () => {
  it('an assertion function is called for every token request', async () => {
    const endpoint = fakeEndpoint();
    let n = 0;
    const tm = new TokenManager(base({ fetch: endpoint.fetch, grant: 'jwt_bearer', assertion: async () => `workload-identity-token-${++n}` }));
    await tm.getToken();
    await tm.getToken();
    await tm.getToken({ forceRefresh: true });
    expect(endpoint.requests.map((r) => r.form.get('assertion'))).toEqual(['workload-identity-token-1', 'workload-identity-token-2']);
  });

  it('per call (Entra ID on-behalf-of): one token per user assertion, with grantParams, none of it on refresh', async () => {
    const endpoint = fakeEndpoint((req, n) => ({
      access_token: `obo:${req.form.get('assertion')?.slice(-6)}#${n}`,
      refresh_token: `rt-${n}`,
      expires_in: 3600,
    }));
    const tm = new TokenManager(
      base({
        fetch: endpoint.fetch,
        clientSecret: 'app-secret-1',
        clientAuth: 'body',
        grant: 'jwt_bearer',
        grantParams: { requested_token_use: 'on_behalf_of' },
        scope: 'api://orders/.default',
      }),
    );
    const alice = await tm.for({ assertion: 'user-token-of-alice-AAAAAA' }).getToken();
    const bob = await tm.getToken({ assertion: 'user-token-of-bob-BBBBBB' });
    expect(alice.accessToken).toMatch(/^obo:AAAAAA/);
    expect(bob.accessToken).toMatch(/^obo:BBBBBB/);
    expect(await tm.getToken({ assertion: 'user-token-of-alice-AAAAAA' })).toBe(alice);
    const form = endpoint.requests[0]!.form;
    expect([...form.keys()]).toEqual(['grant_type', 'assertion', 'requested_token_use', 'scope', 'client_id', 'client_secret']);
    tm.invalidate(alice);
    await tm.getToken({ assertion: 'user-token-of-alice-AAAAAA' });
    const refresh = endpoint.requests[2]!.form;
    expect(refresh.get('grant_type')).toBe('refresh_token');
    expect(refresh.get('requested_token_use')).toBeNull();
    expect(refresh.get('assertion')).toBeNull();
  });

  it('a function that throws or answers nothing: typed errors; without any assertion: a ConfigError', async () => {
    const endpoint = fakeEndpoint();
    const throwing = new TokenManager(
      base({
        fetch: endpoint.fetch,
        grant: 'jwt_bearer',
        assertion: () => {
          throw new Error('no token file');
        },
      }),
    );
    expect(await throwing.getToken().catch((e: TokenwardError) => e.code)).toBe(ErrorCode.CALLBACK);
    const empty = new TokenManager(base({ fetch: endpoint.fetch, grant: 'jwt_bearer', assertion: () => '  ' }));
    expect(await empty.getToken().catch((e: TokenwardError) => e.code)).toBe(ErrorCode.GRANT);
    const none = new TokenManager(base({ fetch: endpoint.fetch, grant: 'jwt_bearer' }));
    await expect(none.getToken()).rejects.toThrow(/needs an assertion/);
    expect(endpoint.count()).toBe(0);
  });
});

describe('extension grants by URI', () => {
  it('sends grant_type=<uri> and grantParams (functions called per request); secrets scrubbed from the error', async () => {
    const endpoint = fakeEndpoint((req) =>
      json({ error: 'authorization_pending', error_description: `still waiting for ${req.form.get('device_code')} / ${req.form.get('attestation')}` }, 400),
    );
    const tm = new TokenManager(
      base({
        fetch: endpoint.fetch,
        clientAuth: 'none',
        grant: 'urn:ietf:params:oauth:grant-type:device_code',
        grantParams: { device_code: 'GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS', attestation: async () => 'attestation-from-fn-7777', purpose: 'batch' },
      }),
    );
    const err = (await tm.getToken().catch((e: unknown) => e)) as TokenwardError;
    const form = endpoint.requests[0]!.form;
    expect([...form.entries()]).toEqual([
      ['grant_type', 'urn:ietf:params:oauth:grant-type:device_code'],
      ['device_code', 'GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS'],
      ['attestation', 'attestation-from-fn-7777'],
      ['purpose', 'batch'],
      ['client_id', 'svc'],
    ]);
    expect(err.error).toBe('authorization_pending');
    const shown = JSON.stringify({ m: err.message, d: err.errorDescription, b: err.bodyExcerpt });
    expect(shown).not.toContain('GmRhmhcxhwAzkoEqiMEg');
    expect(shown).not.toContain('attestation-from-fn-7777');
  });

  it('the JWT-bearer grant through its URI: the generic path works for any grant', async () => {
    const endpoint = fakeEndpoint();
    const tm = new TokenManager(
      base({ fetch: endpoint.fetch, clientAuth: 'none', grant: JWT_BEARER, grantParams: { assertion: () => 'assertion-made-elsewhere' } }),
    );
    await tm.getToken();
    expect(endpoint.requests[0]!.form.get('assertion')).toBe('assertion-made-elsewhere');
  });
});

describe('configuration errors name the option and never quote its value', () => {
  it.each<[string, Partial<TokenManagerOptions>, RegExp]>([
    ['assertion without jwt_bearer', { assertion: () => 'x' }, /`assertion` is for `grant: 'jwt_bearer'`/],
    ['no key to sign with', { grant: 'jwt_bearer', assertion: { subject: 'alice' } }, /needs a key to sign with/],
    ['a reserved claim', { grant: 'jwt_bearer', assertion: { privateKey: ec.privateKey, claims: { aud: 'x' } } }, /must not set `aud`/],
    ['a reserved grant field', { grantParams: { grant_type: 'password' } }, /`grantParams` must not set `grant_type`/],
    ['a grant that is neither a name nor a URI', { grant: 'refresh' as never }, /option `grant` must be one of .* absolute URI/],
    [
      'an unreadable assertion key',
      { grant: 'jwt_bearer', assertion: { privateKey: 'not-a-pem-super-secret' } },
      /option `assertion.privateKey` could not be read/,
    ],
    ['a grantParams value of the wrong type', { grantParams: { device_code: 42 as never } }, /option `grantParams.device_code`/],
  ])('%s', (_, options, message) => {
    let err: unknown;
    try {
      new TokenManager(base(options));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('super-secret');
    expect((err as Error).message).not.toContain('42');
  });

  it('a per-call assertion needs grant jwt_bearer', async () => {
    const tm = new TokenManager(base({ fetch: fakeEndpoint().fetch }));
    await expect(tm.getToken({ assertion: 'user-token' })).rejects.toThrow(/`assertion` needs `grant: 'jwt_bearer'`/);
  });
});
