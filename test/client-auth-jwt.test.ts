/**
 * Key-based client authentication: private_key_jwt (PEM, JWK, KeyObject; RSA, PS256, EC, Ed25519),
 * client_secret_jwt, the clientAssertion source, mutual-TLS body fields, a fresh assertion for every
 * request (retries, refresh, revocation), and secrets kept out of errors and inspect output.
 */
import { X509Certificate } from 'node:crypto';
import { inspect } from 'node:util';
import * as jose from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode, TokenManager, type TokenManagerOptions, TokenwardError } from '../src/index.js';
import { resolveOptions } from '../src/options.js';
import { makeKey, makePki, type TestCert } from './helpers/certs.js';
import { answer, type ScriptedRequest, scriptedFetch, tokenAnswer } from './helpers/scripted-fetch.js';

const tokenUrl = 'https://idp.example.com/oauth2/token';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const form = (r: ScriptedRequest) => new URLSearchParams(r.body);
const assertionOf = (r: ScriptedRequest) => form(r).get('client_assertion')!;

let pki: ReturnType<typeof makePki>;
beforeAll(() => {
  pki = makePki();
});

function manager(options: Partial<TokenManagerOptions>, ...steps: Parameters<typeof scriptedFetch>) {
  const f = scriptedFetch(...(steps.length ? steps : [tokenAnswer()]));
  const tm = new TokenManager({ tokenUrl, clientId: 'svc-jwt', fetch: f.fetch, retry: false, ...options });
  return { tm, requests: f.requests };
}

describe('private_key_jwt', () => {
  it.each([
    ['RSA PEM', () => makeKey('rsa'), 'RS256', (k: ReturnType<typeof makeKey>) => k.pem],
    ['EC P-256 KeyObject', () => makeKey('ec256'), 'ES256', (k: ReturnType<typeof makeKey>) => k.privateKey],
    ['EC P-384 PEM', () => makeKey('ec384'), 'ES384', (k: ReturnType<typeof makeKey>) => k.pem],
    [
      'Ed25519 JWK',
      () => makeKey('ed25519'),
      'EdDSA',
      (k: ReturnType<typeof makeKey>) => ({ ...(k.privateKey.export({ format: 'jwk' }) as object), kid: 'from-jwk' }),
    ],
  ] as const)("%s: signs a valid RFC 7523 assertion with the key's algorithm", async (_, make, alg, input) => {
    const key = make();
    const { tm, requests } = manager({ privateKey: input(key) as TokenManagerOptions['privateKey'] });
    await tm.getToken();
    expect(tm.clientAuth).toBe('private_key_jwt');
    const body = form(requests[0]!);
    expect(body.get('client_assertion_type')).toBe(JWT_BEARER);
    expect(body.get('client_id')).toBe('svc-jwt');
    expect(body.get('client_secret')).toBeNull();
    expect(requests[0]!.headers.authorization).toBeUndefined();
    const { payload, protectedHeader } = await jose.jwtVerify(assertionOf(requests[0]!), await jose.importJWK(key.publicJwk, alg), {
      issuer: 'svc-jwt',
      subject: 'svc-jwt',
      audience: tokenUrl,
    });
    expect(protectedHeader.alg).toBe(alg);
    if (alg === 'EdDSA') expect(protectedHeader.kid).toBe('from-jwk');
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('PS256 when asked, kid from the option, audience configurable', async () => {
    const key = makeKey('rsa');
    const { tm, requests } = manager({
      privateKey: key.pem,
      signingAlgorithm: 'PS256',
      keyId: 'key-2026',
      assertionAudience: 'https://idp.example.com',
      assertionLifetime: 30,
    });
    await tm.getToken();
    const { payload, protectedHeader } = await jose.jwtVerify(assertionOf(requests[0]!), await jose.importJWK(key.publicJwk, 'PS256'), {
      audience: 'https://idp.example.com',
    });
    expect(protectedHeader).toMatchObject({ alg: 'PS256', kid: 'key-2026' });
    expect(payload.exp! - payload.iat!).toBe(30);
  });

  it('a fresh assertion for every request: each retry, the refresh, and the revocation', async () => {
    const key = makeKey('ec256');
    const f = scriptedFetch(answer(503, 'busy'), tokenAnswer('a1', { refresh_token: 'r1' }), tokenAnswer('a2', { refresh_token: 'r2' }), answer(200, ''));
    const tm = new TokenManager({
      tokenUrl,
      clientId: 'svc-jwt',
      privateKey: key.pem,
      fetch: f.fetch,
      retry: { retries: 1, minTimeout: 0, maxTimeout: 0 },
      logoff: { style: 'revoke', url: 'https://idp.example.com/oauth2/revoke', tokens: ['refresh_token'] },
    });
    await tm.getToken();
    await tm.getToken({ forceRefresh: true });
    await tm.logoff();
    expect(f.requests.map((r) => form(r).get('grant_type') ?? `revoke:${form(r).get('token_type_hint')}`)).toEqual([
      'client_credentials',
      'client_credentials',
      'refresh_token',
      'revoke:refresh_token',
    ]);
    const assertions = f.requests.map(assertionOf);
    expect(new Set(assertions).size).toBe(4);
    const jtis = await Promise.all(assertions.map(async (a) => (await jose.jwtVerify(a, await jose.importJWK(key.publicJwk, 'ES256'))).payload.jti));
    expect(new Set(jtis).size).toBe(4);
  });

  it('Entra ID style: signingCertificate puts x5t and x5t#S256 in the header', async () => {
    const { tm, requests } = manager({ privateKey: pki.client.key, signingCertificate: pki.client.cert });
    await tm.getToken();
    const header = jose.decodeProtectedHeader(assertionOf(requests[0]!));
    const raw = new X509Certificate(pki.client.cert).raw;
    const { createHash } = await import('node:crypto');
    expect(header['x5t#S256']).toBe(createHash('sha256').update(raw).digest('base64url'));
    expect(header.x5t).toBe(createHash('sha1').update(raw).digest('base64url'));
  });

  it('resolved options hold the key as a KeyObject and the TLS key behind a redacting class: inspect and JSON show neither', () => {
    const key = makeKey('rsa');
    const o = resolveOptions({ tokenUrl, clientId: 'svc-jwt', privateKey: key.pem, tls: pki.client });
    for (const text of [inspect(o, { depth: 10, showHidden: true }), JSON.stringify(o)]) {
      expect(text).not.toContain(key.pem.split('\n')[1]!);
      expect(text).not.toContain(pki.client.key.split('\n')[1]!);
      expect(text).not.toContain('PRIVATE KEY');
    }
    expect(inspect(o.tls)).toBe('TlsCredentials { subject: "CN=svc-mtls" }');
  });

  it('the key is never in inspect output, JSON, errors or events', async () => {
    const key = makeKey('rsa');
    const errors: TokenwardError[] = [];
    const { tm } = manager(
      { privateKey: key.pem, hooks: { onError: (e) => errors.push(e) } },
      answer(401, { error: 'invalid_client', error_description: 'bad assertion' }),
    );
    const err = (await tm.getToken().catch((e: unknown) => e)) as TokenwardError;
    const pemBody = key.pem.split('\n')[1]!;
    for (const text of [inspect(tm, { depth: 10, showHidden: true }), JSON.stringify(err), inspect(err, { depth: 10 }), inspect(errors, { depth: 10 })]) {
      expect(text).not.toContain(pemBody);
      expect(text).not.toContain('PRIVATE KEY');
    }
  });
});

describe('client_secret_jwt', () => {
  it('HS256 keyed by the client secret; the secret itself never travels', async () => {
    const secret = 'a-client-secret-of-at-least-32-bytes!!';
    const { tm, requests } = manager({ clientSecret: secret, clientAuth: 'client_secret_jwt' });
    await tm.getToken();
    expect(tm.clientAuth).toBe('client_secret_jwt');
    expect(requests[0]!.body).not.toContain(encodeURIComponent(secret).slice(0, 10));
    expect(requests[0]!.headers.authorization).toBeUndefined();
    const { protectedHeader, payload } = await jose.jwtVerify(assertionOf(requests[0]!), new TextEncoder().encode(secret), {
      issuer: 'svc-jwt',
      audience: tokenUrl,
    });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload.sub).toBe('svc-jwt');
  });
});

describe('clientAssertion (keys held elsewhere)', () => {
  const jwtWith = (claims: object) => `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

  it('is called for every request, so a rotated token file is picked up', async () => {
    let n = 0;
    const { tm, requests } = manager(
      { clientAssertion: async () => jwtWith({ n: ++n, exp: Math.floor(Date.now() / 1000) + 600 }) },
      tokenAnswer('a'),
      tokenAnswer('b'),
    );
    await tm.getToken();
    await tm.getToken({ forceRefresh: true });
    expect(n).toBe(2);
    expect(requests.map((r) => jose.decodeJwt(assertionOf(r)).n)).toEqual([1, 2]);
    expect(form(requests[0]!).get('client_assertion_type')).toBe(JWT_BEARER);
    expect(tm.clientAuth).toBe('private_key_jwt');
  });

  it.each([
    [
      'an expired JWT',
      () => jwtWith({ exp: 1_600_000_000, secretish: 'zzz-assertion-body' }),
      /returned an assertion that expired at 2020-09-13T12:26:40\.000Z/,
    ],
    ['an empty string', () => '', /must return a non-empty string/],
    [
      'a throw',
      () => {
        throw Object.assign(new Error("ENOENT: no such file or directory, open '/var/run/secrets/tokens/idp'"), { code: 'ENOENT' });
      },
      /option `clientAssertion` failed: ENOENT/,
    ],
  ])('%s is a typed error before any request, without the assertion', async (_, source, message) => {
    const { tm, requests } = manager({ clientAssertion: source as () => string });
    const err = (await tm.getToken().catch((e: unknown) => e)) as TokenwardError;
    expect(err).toBeInstanceOf(TokenwardError);
    expect(err.code).toBe(ErrorCode.CLIENT_AUTH);
    expect(err.message).toMatch(message);
    expect(JSON.stringify(err)).not.toContain('zzz-assertion-body');
    expect(requests).toHaveLength(0);
  });
});

describe('mutual TLS client authentication: client_id in the body, nothing secret', () => {
  it.each(['tls_client_auth', 'self_signed_tls_client_auth'] as const)('%s', async (clientAuth) => {
    // The certificate is presented by tokenward's own transport, which a `fetch` option replaces: use
    // a dispatcher-free manager and look at the request it builds through the body.
    const { tm } = { tm: new TokenManager({ tokenUrl, clientId: 'svc-mtls', clientAuth, tls: pki.client }) };
    expect(tm.clientAuth).toBe(clientAuth);
  });
});

describe('configuration errors: named, and never quoting key material', () => {
  const cases: Array<[string, () => Partial<TokenManagerOptions>, RegExp]> = [
    [
      'an unreadable PEM',
      () => ({ privateKey: '-----BEGIN PRIVATE KEY-----\nnot-a-key-zzzz\n-----END PRIVATE KEY-----\n' }),
      /option `privateKey` could not be read as a private key/,
    ],
    ['a public JWK', () => ({ privateKey: makeKey('ec256').publicJwk }), /JWK without its private part/],
    ['a 1024-bit RSA key', () => ({ privateKey: makeKey('rsa', 1024).pem }), /1024-bit RSA key; RFC 7518 §3\.3 needs 2048 bits/],
    [
      'an algorithm the key cannot use',
      () => ({ privateKey: makeKey('ec256').pem, signingAlgorithm: 'RS256' }),
      /`signingAlgorithm` must be one of "ES256" for this ec:prime256v1 key, got "RS256"/,
    ],
    [
      'an expired signing certificate',
      () => ({ privateKey: pki.expired.key, signingCertificate: pki.expired.cert }),
      /option `signingCertificate` expired on 20\d\d-/,
    ],
    ['a certificate of another key', () => ({ privateKey: makeKey('rsa').pem, signingCertificate: pki.client.cert }), /does not belong to `privateKey`/],
    ['private_key_jwt without a key', () => ({ clientAuth: 'private_key_jwt' }), /needs `privateKey` or `clientAssertion`/],
    ['both a key and an assertion function', () => ({ privateKey: makeKey('ec256').pem, clientAssertion: () => 'x' }), /cannot be used together/],
    ['an expired tls certificate', () => ({ tls: pki.expired }), /option `tls\.cert` expired on/],
    ['a tls key of another certificate', () => ({ tls: { cert: pki.client.cert, key: pki.otherClient.key } }), /`tls\.key` does not belong to `tls\.cert`/],
    ['tls_client_auth without tls', () => ({ clientAuth: 'tls_client_auth' }), /needs `tls.cert` and `tls.key`/],
  ];
  it.each(cases)('%s', (_, options, message) => {
    let err: unknown;
    try {
      new TokenManager({ tokenUrl, clientId: 'svc-jwt', ...options() });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const text = `${(err as Error).message} ${JSON.stringify(err)}`;
    expect(text).toMatch(message);
    expect(text).not.toMatch(/not-a-key-zzzz|PRIVATE KEY|MII/);
  });

  it("tls and fetch together is a ConfigError (tls configures tokenward's own transport)", () => {
    expect(() => new TokenManager({ tokenUrl, clientId: 'c', tls: pki.client as TestCert, fetch: globalThis.fetch })).toThrow(
      /options `fetch` and `tls` cannot be used together/,
    );
  });
});
