/**
 * Discovery: OpenID Connect then RFC 8414 (path insertion), the issuer check, what is taken from the
 * metadata, single-flight and caching (in memory and in the store), re-fetch on a 404 from the token
 * endpoint, and never a metadata request on a cache hit.
 */
import { describe, expect, it } from 'vitest';
import { Discovery, metadataUrls } from '../src/discovery.js';
import { Emitter } from '../src/events.js';
import { ConfigError, ErrorCode, MemoryTokenStore, TokenManager, type TokenManagerOptions, type TokenwardError } from '../src/index.js';
import { createSend } from '../src/transport.js';
import { answer, type ScriptedRequest, scriptedFetch, tokenAnswer } from './helpers/scripted-fetch.js';

const ISSUER = 'https://idp.example.com/realms/acme';
const meta = (extra: Record<string, unknown> = {}) => ({
  issuer: ISSUER,
  token_endpoint: `${ISSUER}/protocol/openid-connect/token`,
  revocation_endpoint: `${ISSUER}/protocol/openid-connect/revoke`,
  ...extra,
});

/** A fetch that serves metadata at `metadataAt` (others 404) and tokens at the token endpoint. */
function idp(metadataAt: string, doc: () => unknown, token: (r: ScriptedRequest) => Response = () => tokenAnswer()) {
  return scriptedFetch((r) => {
    if (r.method === 'GET') return r.url === metadataAt ? answer(200, doc()) : answer(404, 'not found');
    return token(r);
  });
}
const OIDC_URL = `${ISSUER}/.well-known/openid-configuration`;
const RFC8414_URL = 'https://idp.example.com/.well-known/oauth-authorization-server/realms/acme';
const gets = (requests: ScriptedRequest[]) => requests.filter((r) => r.method === 'GET').map((r) => r.url);
const posts = (requests: ScriptedRequest[]) => requests.filter((r) => r.method === 'POST');

function manager(fetch: ScriptedRequest[] extends never ? never : ReturnType<typeof scriptedFetch>, options: Partial<TokenManagerOptions> = {}): TokenManager {
  return new TokenManager({ issuer: ISSUER, clientId: 'svc', clientSecret: 's3cret', fetch: fetch.fetch, retry: false, ...options });
}

describe('metadataUrls', () => {
  it('OIDC (suffix appended) first, then RFC 8414 §3.1 (suffix inserted before the path)', () => {
    expect(metadataUrls(ISSUER)).toEqual([OIDC_URL, RFC8414_URL]);
    expect(metadataUrls('https://login.example.com')).toEqual([
      'https://login.example.com/.well-known/openid-configuration',
      'https://login.example.com/.well-known/oauth-authorization-server',
    ]);
    expect(metadataUrls('https://h/tenant/v2.0/')).toEqual([
      'https://h/tenant/v2.0/.well-known/openid-configuration',
      'https://h/.well-known/oauth-authorization-server/tenant/v2.0',
    ]);
  });
});

describe('discovery through the manager', () => {
  it('finds the token endpoint once; cache hits and later renewals never fetch metadata again', async () => {
    const f = idp(OIDC_URL, () => meta());
    const tm = manager(f);
    await tm.getToken();
    for (let i = 0; i < 5; i++) await tm.getToken();
    await tm.getToken({ forceRefresh: true });
    expect(gets(f.requests)).toEqual([OIDC_URL]);
    expect(posts(f.requests).map((r) => r.url)).toEqual([meta().token_endpoint, meta().token_endpoint]);
  });

  it('an issuer with a path and only RFC 8414 metadata: the path-inserted URL', async () => {
    const f = idp(RFC8414_URL, () => meta());
    await manager(f).getToken();
    expect(gets(f.requests)).toEqual([OIDC_URL, RFC8414_URL]);
  });

  it('auto picks a method the metadata lists instead of probing', async () => {
    const f = idp(OIDC_URL, () => meta({ token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_post'] }));
    const tm = manager(f);
    await tm.getToken();
    expect(posts(f.requests)).toHaveLength(1);
    expect(posts(f.requests)[0]!.headers.authorization).toBeUndefined();
    expect(posts(f.requests)[0]!.body).toContain('client_secret=s3cret');
    expect(tm.clientAuth).toBe('body');
  });

  it('auto with a secret signs client_secret_jwt when that is the only secret method listed', async () => {
    const f = idp(OIDC_URL, () => meta({ token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_jwt'] }));
    const tm = manager(f);
    await tm.getToken();
    const body = new URLSearchParams(posts(f.requests)[0]!.body);
    expect(body.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(body.get('client_secret')).toBeNull();
    expect(posts(f.requests)[0]!.headers.authorization).toBeUndefined();
    expect(tm.clientAuth).toBe('client_secret_jwt');
  });

  it('auto with a secret and a list naming no method it can use: probes as without a list', async () => {
    const f = idp(OIDC_URL, () => meta({ token_endpoint_auth_methods_supported: ['private_key_jwt'] }));
    const tm = manager(f);
    await tm.getToken();
    expect(posts(f.requests)[0]!.headers.authorization).toMatch(/^Basic /);
    expect(tm.clientAuth).toBe('basic');
  });

  it("logoff { style: 'revoke' } needs no url: the discovered revocation endpoint", async () => {
    const f = idp(
      OIDC_URL,
      () => meta(),
      (r) => (r.url.endsWith('/revoke') ? answer(200, '') : tokenAnswer('at', { refresh_token: 'rt' })),
    );
    const tm = manager(f, { logoff: { style: 'revoke' } });
    await tm.getToken();
    await tm.logoff();
    expect(posts(f.requests).map((r) => r.url)).toEqual([meta().token_endpoint, meta().revocation_endpoint, meta().revocation_endpoint]);
    expect(gets(f.requests)).toHaveLength(1);
  });

  it('a private_key_jwt assertion is addressed to the issuer', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const f = idp(OIDC_URL, () => meta());
    await manager(f, { clientSecret: undefined, privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }).getToken();
    const assertion = new URLSearchParams(posts(f.requests)[0]!.body).get('client_assertion')!;
    expect(JSON.parse(Buffer.from(assertion.split('.')[1]!, 'base64url').toString()).aud).toBe(ISSUER);
  });

  it('a 404 from the token endpoint re-fetches the metadata once and follows the move', async () => {
    let version = 0;
    const f = idp(
      OIDC_URL,
      () => meta({ token_endpoint: `${ISSUER}/v${++version}/token` }),
      (r) => (r.url.endsWith('/v1/token') ? answer(404, 'gone') : tokenAnswer('moved')),
    );
    await expect(manager(f).getToken()).resolves.toMatchObject({ accessToken: 'moved' });
    expect(gets(f.requests)).toEqual([OIDC_URL, OIDC_URL]);
    expect(posts(f.requests).map((r) => new URL(r.url).pathname)).toEqual(['/realms/acme/v1/token', '/realms/acme/v2/token']);
  });

  it('a 404 from a token endpoint that did not move is the error', async () => {
    const f = idp(
      OIDC_URL,
      () => meta(),
      () => answer(404, 'nope'),
    );
    await expect(manager(f).getToken()).rejects.toMatchObject({ status: 404 });
    expect(gets(f.requests)).toHaveLength(2);
    expect(posts(f.requests)).toHaveLength(1);
  });

  it('a fleet shares the metadata through the store: the second manager fetches none', async () => {
    const store = new MemoryTokenStore();
    const f = idp(OIDC_URL, () => meta());
    await manager(f, { store, scope: 'a' }).getToken();
    await manager(f, { store, scope: 'b' }).getToken();
    expect(gets(f.requests)).toHaveLength(1);
    expect(posts(f.requests)).toHaveLength(2);
  });

  it('a 5xx on the metadata is retried like a token request', async () => {
    let n = 0;
    const f = scriptedFetch((r) => (r.method === 'GET' ? (++n === 1 ? answer(503, 'busy') : answer(200, meta())) : tokenAnswer()));
    await manager(f, { retry: { retries: 2, minTimeout: 0, maxTimeout: 0 } }).getToken();
    expect(gets(f.requests)).toEqual([OIDC_URL, OIDC_URL]);
  });

  it("with issuer and no baseUrl, the issuer's origin may receive the token; the cache key follows the issuer", () => {
    const f = idp(OIDC_URL, () => meta());
    const tm = manager(f);
    expect([...tm.allowedOrigins]).toEqual(['https://idp.example.com']);
    expect(manager(f, { issuer: 'https://idp.example.com/realms/other' }).cacheKey).not.toBe(tm.cacheKey);
  });
});

describe('discovery errors: typed, naming the URL and what was wrong', () => {
  const fail = async (doc: unknown) =>
    (await manager(idp(OIDC_URL, () => doc))
      .getToken()
      .catch((e: unknown) => e)) as TokenwardError;

  it('a metadata document for another issuer is refused (mix-up defence)', async () => {
    const err = await fail(meta({ issuer: 'https://evil.example.com/realms/acme' }));
    expect(err.code).toBe(ErrorCode.DISCOVERY);
    expect(err.message).toBe(
      `tokenward: discovery metadata from ${OIDC_URL} names issuer "https://evil.example.com/realms/acme", not the configured "${ISSUER}"; refusing it (mix-up defence, RFC 8414 §3.3)`,
    );
  });

  it('an issuer differing only by a trailing slash is refused too (compared exactly)', async () => {
    expect((await fail(meta({ issuer: `${ISSUER}/` }))).code).toBe(ErrorCode.DISCOVERY);
  });

  it.each([
    ['no token_endpoint', { token_endpoint: undefined }, /has no token_endpoint/],
    ['a token_endpoint that is not a URL', { token_endpoint: 'token' }, /has a token_endpoint that is not a URL/],
    ['an http token_endpoint for an https issuer', { token_endpoint: 'http://idp.example.com/token' }, /not https: "http:\/\/idp\.example\.com\/token"/],
    ['auth methods that are not a list', { token_endpoint_auth_methods_supported: 'client_secret_basic' }, /not a list of strings/],
  ])('%s', async (_, extra, message) => {
    const err = await fail(meta(extra));
    expect(err.code).toBe(ErrorCode.DISCOVERY);
    expect(err.message).toContain(OIDC_URL);
    expect(err.message).toMatch(message);
  });

  it('no metadata at either URL names both', async () => {
    const f = scriptedFetch(answer(404, 'nope'));
    const err = (await manager(f)
      .getToken()
      .catch((e: unknown) => e)) as TokenwardError;
    expect(err.code).toBe(ErrorCode.DISCOVERY);
    expect(err.message).toBe(
      `tokenward: no metadata for issuer "${ISSUER}": ${OIDC_URL} (404), ${RFC8414_URL} (404); check \`issuer\`, or give \`tokenUrl\` instead`,
    );
  });

  it('HTML instead of JSON', async () => {
    const f = scriptedFetch(answer(200, '<html>login</html>', { 'content-type': 'text/html' }));
    const err = (await manager(f)
      .getToken()
      .catch((e: unknown) => e)) as TokenwardError;
    expect(err).toMatchObject({ code: ErrorCode.DISCOVERY, message: `tokenward: discovery: ${OIDC_URL} answered 200 with a body that is not JSON` });
  });

  it('a failed discovery is not cached: the next call tries again', async () => {
    let up = false;
    const f = scriptedFetch((r) => (r.method === 'GET' ? (up ? answer(200, meta()) : answer(404, '')) : tokenAnswer()));
    const tm = manager(f);
    await expect(tm.getToken()).rejects.toMatchObject({ code: ErrorCode.DISCOVERY });
    up = true;
    await expect(tm.getToken()).resolves.toMatchObject({ accessToken: 'at-1' });
  });
});

describe('Discovery (unit)', () => {
  it('single-flight: concurrent callers share one fetch', async () => {
    const f = idp(OIDC_URL, () => meta());
    const d = new Discovery({
      issuer: ISSUER,
      send: createSend({ fetch: f.fetch, timeout: 1000, maxResponseBytes: 1e6 }),
      retry: false,
      events: new Emitter(),
      mtls: false,
    });
    const all = await Promise.all(Array.from({ length: 10 }, () => d.get()));
    expect(new Set(all).size).toBe(1);
    expect(f.requests).toHaveLength(1);
    expect(all[0]).toMatchObject({ issuer: ISSUER, token: meta().token_endpoint, revocation: meta().revocation_endpoint });
  });

  it("with a client certificate, mtls_endpoint_aliases replace the endpoints; the assertion audience stays the issuer's", async () => {
    const aliases = { token_endpoint: 'https://mtls.idp.example.com/token', revocation_endpoint: 'https://mtls.idp.example.com/revoke' };
    const f = idp(OIDC_URL, () => meta({ mtls_endpoint_aliases: aliases }));
    const send = createSend({ fetch: f.fetch, timeout: 1000, maxResponseBytes: 1e6 });
    const withCert = await new Discovery({ issuer: ISSUER, send, retry: false, events: new Emitter(), mtls: true }).get();
    expect(withCert).toMatchObject({ token: aliases.token_endpoint, revocation: aliases.revocation_endpoint, tokenAudience: meta().token_endpoint });
    const without = await new Discovery({ issuer: ISSUER, send, retry: false, events: new Emitter(), mtls: false }).get();
    expect(without).toMatchObject({ token: meta().token_endpoint });
  });
});

describe('issuer options', () => {
  it.each([
    [{}, /option `tokenUrl` or `issuer` is required/],
    [{ tokenUrl: 'https://h/token', issuer: ISSUER }, /options `tokenUrl` and `issuer` cannot be used together/],
    [{ issuer: `${ISSUER}?tenant=1` }, /option `issuer` must have no query or fragment/],
    [{ tokenUrl: 'https://h/token', logoff: { style: 'revoke' } }, /`logoff.url` is required for style 'revoke' without `issuer`/],
  ])('%j', (options, message) => {
    expect(() => new TokenManager({ clientId: 'c', ...(options as object) } as TokenManagerOptions)).toThrow(ConfigError);
    expect(() => new TokenManager({ clientId: 'c', ...(options as object) } as TokenManagerOptions)).toThrow(message);
  });
});
