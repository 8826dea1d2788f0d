/**
 * Enterprise features against a real oidc-provider (panva, OpenID Certified) started here on loopback:
 * discovery (OpenID Connect with and without an issuer path, RFC 8414 only), private_key_jwt with RSA,
 * EC and Ed25519 keys, client_secret_jwt, tls_client_auth and self_signed_tls_client_auth through the
 * discovered mTLS aliases with certificate-bound access tokens checked by a protected API, revocation at
 * the discovered endpoint, and each failure as a typed error without a secret.
 */
import { X509Certificate } from 'node:crypto';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateThumbprint, type EnterpriseIdp, type EnterpriseIdpOptions, startEnterpriseIdp } from '../../examples/_servers/oidc-enterprise.js';
import { ErrorCode, TokenManager, type TokenManagerOptions, type TokenwardError } from '../../src/index.js';
import { makeKey, makePki, type TestKey } from '../helpers/certs.js';

const HS_SECRET = 'client-secret-jwt: a shared secret of 40+ bytes';
let pki: ReturnType<typeof makePki>;
const keys: Record<'rsa' | 'ec256' | 'ec384' | 'ed25519', TestKey> = {} as never;
const started: EnterpriseIdp[] = [];

/** The self-signed certificate as a JWK with its x5c, as RFC 8705 §2.2 registers it. */
function selfSignedJwk(pem: string): Record<string, unknown> {
  const cert = new X509Certificate(pem);
  return { ...(cert.publicKey.export({ format: 'jwk' }) as object), x5c: [cert.raw.toString('base64')] };
}

function clients(): EnterpriseIdpOptions['clients'] {
  const jwt = (id: string, key: TestKey, extra: Record<string, unknown> = {}) => ({
    client_id: id,
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [key.publicJwk] },
    ...extra,
  });
  return [
    { client_id: 'svc-basic', client_secret: 'basic-secret-1', token_endpoint_auth_method: 'client_secret_basic' },
    jwt('svc-rsa', keys.rsa),
    jwt('svc-ps', keys.rsa, { token_endpoint_auth_signing_alg: 'PS256' }),
    jwt('svc-ec', keys.ec256),
    jwt('svc-ec384', keys.ec384),
    jwt('svc-ed', keys.ed25519),
    { client_id: 'svc-hs', client_secret: HS_SECRET, token_endpoint_auth_method: 'client_secret_jwt' },
    {
      client_id: 'svc-mtls',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=svc-mtls',
      tls_client_certificate_bound_access_tokens: true,
    },
    {
      client_id: 'svc-self',
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: { keys: [selfSignedJwk(pki.selfSigned.cert)] },
      tls_client_certificate_bound_access_tokens: true,
    },
  ];
}

async function idp(options: Partial<EnterpriseIdpOptions> = {}): Promise<EnterpriseIdp> {
  const server = await startEnterpriseIdp({ clients: clients(), tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert }, ...options });
  started.push(server);
  return server;
}

const metadataRequests = (s: EnterpriseIdp) => s.requests.filter((r) => r.method === 'GET' && r.path.includes('/.well-known/'));
const tokenRequests = (s: EnterpriseIdp) => s.requests.filter((r) => r.method === 'POST' && /\/token$/.test(r.path));
const manager = (s: EnterpriseIdp, options: Partial<TokenManagerOptions>) => new TokenManager({ issuer: s.issuer, retry: false, ...options });

beforeAll(() => {
  pki = makePki();
  for (const kind of ['rsa', 'ec256', 'ec384', 'ed25519'] as const) keys[kind] = makeKey(kind);
});
afterAll(async () => {
  for (const s of started) await s.close();
});

describe('discovery against oidc-provider', () => {
  it('an issuer without a path: OpenID Connect metadata, fetched once for many tokens', async () => {
    const s = await idp();
    const tm = manager(s, { clientId: 'svc-basic', clientSecret: 'basic-secret-1' });
    await tm.getToken();
    await tm.getToken();
    await tm.getToken({ forceRefresh: true });
    expect(metadataRequests(s).map((r) => r.path)).toEqual(['/.well-known/openid-configuration']);
    expect(tokenRequests(s)).toHaveLength(2);
    // The provider lists what it supports, so auto picks client_secret_basic without probing.
    expect(tm.clientAuth).toBe('basic');
  });

  it('an issuer with a path (Keycloak style): the suffix after the path', async () => {
    const s = await idp({ path: '/realms/acme' });
    await manager(s, { clientId: 'svc-basic', clientSecret: 'basic-secret-1' }).getToken();
    expect(metadataRequests(s).map((r) => r.path)).toEqual(['/realms/acme/.well-known/openid-configuration']);
    expect(tokenRequests(s).map((r) => r.path)).toEqual(['/realms/acme/token']);
  });

  it('RFC 8414 only: the path-inserted well-known URL after the OpenID one answers 404', async () => {
    const s = await idp({ path: '/tenant-7', discovery: 'rfc8414' });
    await manager(s, { clientId: 'svc-basic', clientSecret: 'basic-secret-1' }).getToken();
    expect(metadataRequests(s).map((r) => r.path)).toEqual(['/tenant-7/.well-known/openid-configuration', '/.well-known/oauth-authorization-server/tenant-7']);
  });
});

describe('private_key_jwt and client_secret_jwt against oidc-provider', () => {
  it.each([
    ['RSA (RS256, PEM)', 'svc-rsa', () => ({ privateKey: keys.rsa.pem })],
    ['RSA (PS256)', 'svc-ps', () => ({ privateKey: keys.rsa.pem, signingAlgorithm: 'PS256' as const })],
    ['EC P-256 (ES256, KeyObject)', 'svc-ec', () => ({ privateKey: keys.ec256.privateKey })],
    ['EC P-384 (ES384, JWK)', 'svc-ec384', () => ({ privateKey: keys.ec384.privateKey.export({ format: 'jwk' }) as Record<string, unknown> })],
    ['Ed25519 (EdDSA)', 'svc-ed', () => ({ privateKey: keys.ed25519.pem })],
    ['client_secret_jwt (HS256)', 'svc-hs', () => ({ clientSecret: HS_SECRET, clientAuth: 'client_secret_jwt' as const })],
  ])('%s: a token, then a refresh with a new assertion the provider accepts (jti replay detection on)', async (_, clientId, options) => {
    const s = await idp();
    const tm = manager(s, { clientId, ...options() });
    const first = await tm.getToken();
    const second = await tm.getToken({ forceRefresh: true });
    expect(second.accessToken).not.toBe(first.accessToken);
    const bodies = tokenRequests(s).map((r) => new URLSearchParams(r.body));
    expect(bodies.map((b) => b.get('client_assertion_type'))).toEqual([expect.stringContaining('jwt-bearer'), expect.stringContaining('jwt-bearer')]);
    expect(bodies[0]!.get('client_assertion')).not.toBe(bodies[1]!.get('client_assertion'));
    expect((await s.findToken(second.accessToken))?.clientId).toBe(clientId);
  });

  it('revocation at the discovered endpoint, authenticated with a fresh assertion', async () => {
    const s = await idp({ path: '/realms/acme' });
    const tm = manager(s, { clientId: 'svc-ec', privateKey: keys.ec256.pem, logoff: { style: 'revoke' } });
    const token = await tm.getToken();
    expect(await s.findToken(token.accessToken)).toBeDefined();
    await tm.logoff();
    const revocation = s.requests.filter((r) => r.path === '/realms/acme/token/revocation');
    expect(revocation).toHaveLength(1);
    expect(new URLSearchParams(revocation[0]!.body).get('client_assertion')).toMatch(/^ey/);
    expect(await s.findToken(token.accessToken)).toBeUndefined();
  });

  it('a key the provider does not know: invalid_client, typed, no key or assertion in the error', async () => {
    const s = await idp();
    const stranger = makeKey('ec256');
    const err = (await manager(s, { clientId: 'svc-ec', privateKey: stranger.pem })
      .getToken()
      .catch((e: unknown) => e)) as TokenwardError;
    expect(err).toMatchObject({ code: ErrorCode.OAUTH, status: 401, error: 'invalid_client' });
    const assertion = new URLSearchParams(tokenRequests(s)[0]!.body).get('client_assertion')!;
    const text = `${JSON.stringify(err)} ${inspect(err, { depth: 5 })}`;
    expect(text).not.toContain(assertion);
    expect(text).not.toContain(stranger.pem.split('\n')[1]!);
  });
});

describe('mutual TLS against oidc-provider (RFC 8705)', () => {
  it.each([
    // auto: the provider lists both mTLS methods, and they are the same on the wire; the name is what differs.
    ['tls_client_auth (CA-issued certificate, auto)', 'svc-mtls', () => pki.client, 'auto', 'tls_client_auth'],
    ['self_signed_tls_client_auth', 'svc-self', () => pki.selfSigned, 'self_signed_tls_client_auth', 'self_signed_tls_client_auth'],
  ] as const)(
    '%s: the token comes from the mTLS alias, is bound to the certificate, and tm.fetch presents it',
    async (_, clientId, cert, clientAuth, method) => {
      const s = await idp({ path: '/realms/acme' });
      const tm = manager(s, { clientId, clientAuth, tls: { ...cert(), ca: pki.ca.cert }, baseUrl: s.mtlsOrigin });
      const token = await tm.getToken();
      expect(tm.clientAuth).toBe(method);
      const sent = tokenRequests(s);
      expect(sent.map((r) => [r.listener, r.path])).toEqual([['mtls', '/realms/acme/token']]);
      expect(new URLSearchParams(sent[0]!.body).get('client_id')).toBe(clientId);
      expect(sent[0]!.body).not.toContain('client_secret');
      const thumbprint = certificateThumbprint(new X509Certificate(cert().cert).raw);
      expect((await s.findToken(token.accessToken))?.['x5t#S256']).toBe(thumbprint);

      const res = await tm.fetch('/api/me');
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ client_id: clientId, cnf: { 'x5t#S256': thumbprint } });
    },
  );

  it('a bound token presented without the certificate (or with another) is refused by the API', async () => {
    const s = await idp();
    const tm = manager(s, { clientId: 'svc-mtls', tls: { ...pki.client, ca: pki.ca.cert }, baseUrl: s.mtlsOrigin });
    const token = await tm.getToken();
    const other = new TokenManager({
      tokenUrl: `${s.issuer}/token`,
      clientId: 'svc-basic',
      clientSecret: 'basic-secret-1',
      tls: { ...pki.otherClient, ca: pki.ca.cert },
      baseUrl: s.mtlsOrigin,
      retry: false,
    });
    // `other`'s own fetch presents another certificate; send the first manager's token through it.
    const { Agent, fetch: undiciFetch } = await import('undici');
    const stranger = new Agent({ connect: { ...pki.otherClient, ca: pki.ca.cert } });
    const res = await undiciFetch(s.apiUrl, { headers: { authorization: `Bearer ${token.accessToken}` }, dispatcher: stranger });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('not the one the token is bound to');
    await stranger.close();
    void other;
  });

  it('a certificate the provider refuses (wrong subject): invalid_client, typed, nothing secret', async () => {
    const s = await idp();
    const err = (await manager(s, { clientId: 'svc-mtls', tls: { ...pki.otherClient, ca: pki.ca.cert } })
      .getToken()
      .catch((e: unknown) => e)) as TokenwardError;
    expect(err).toMatchObject({ code: ErrorCode.OAUTH, status: 401, error: 'invalid_client' });
    expect(inspect(err, { depth: 5 })).not.toContain(pki.otherClient.key.split('\n')[1]!);
  });
});

describe('discovery failures against oidc-provider: typed, naming the URL', () => {
  it('metadata naming another issuer is refused (mix-up defence)', async () => {
    const s = await idp({ tamper: (doc) => ({ ...doc, issuer: 'https://attacker.example' }) });
    const err = (await manager(s, { clientId: 'svc-basic', clientSecret: 'basic-secret-1' })
      .getToken()
      .catch((e: unknown) => e)) as TokenwardError;
    expect(err.code).toBe(ErrorCode.DISCOVERY);
    expect(err.message).toContain(`${s.issuer}/.well-known/openid-configuration names issuer "https://attacker.example"`);
    expect(tokenRequests(s)).toHaveLength(0);
  });

  it('metadata without a token endpoint', async () => {
    const s = await idp({ tamper: ({ token_endpoint: _, ...doc }) => doc });
    const err = (await manager(s, { clientId: 'svc-basic', clientSecret: 'basic-secret-1' })
      .getToken()
      .catch((e: unknown) => e)) as TokenwardError;
    expect(err).toMatchObject({
      code: ErrorCode.DISCOVERY,
      message: `tokenward: discovery metadata from ${s.issuer}/.well-known/openid-configuration has no token_endpoint`,
    });
  });
});
