/**
 * WWW-Authenticate as challenges (RFC 9110 §11.6.1, RFC 6750 §3), with the headers real servers send,
 * one of them taken live from oidc-provider. Only a Bearer or DPoP challenge whose `error` is exactly
 * `invalid_token` says the token is rejected.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcProvider, OIDC_BASIC_CLIENT } from '../examples/_servers/oidc-provider.js';
import { asksForDpopNonce, bearerError, findChallenge, parseWwwAuthenticate, rejectsToken } from '../src/index.js';

describe('parseWwwAuthenticate: headers real servers send', () => {
  it('Keycloak: an expired or revoked token', () => {
    const h = 'Bearer realm="myrealm", error="invalid_token", error_description="Token verification failed"';
    expect(parseWwwAuthenticate(h)).toEqual([
      { scheme: 'Bearer', params: { realm: 'myrealm', error: 'invalid_token', error_description: 'Token verification failed' } },
    ]);
    expect(rejectsToken(parseWwwAuthenticate(h))).toBe(true);
  });

  it('Entra ID (Microsoft Graph): no token, then a claims challenge (CAE) whose value is base64 with =', () => {
    const none =
      'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';
    expect(parseWwwAuthenticate(none)).toEqual([
      {
        scheme: 'Bearer',
        params: {
          realm: '',
          authorization_uri: 'https://login.microsoftonline.com/common/oauth2/authorize',
          client_id: '00000003-0000-0000-c000-000000000000',
        },
      },
    ]);
    expect(rejectsToken(parseWwwAuthenticate(none))).toBe(false);
    const claims = `${none}, error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwNDEwNjY1MSJ9fX0="`;
    const [c] = parseWwwAuthenticate(claims);
    expect(c!.params.claims).toBe('eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwNDEwNjY1MSJ9fX0=');
    expect(bearerError([c!])).toBe('insufficient_claims');
    expect(rejectsToken([c!])).toBe(false);
  });

  it('Azure Resource Manager: invalid_token with a description that quotes itself', () => {
    const h =
      'Bearer authorization_uri="https://login.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47", error="invalid_token", error_description="The access token is from the wrong issuer \\"https://sts.windows.net/x/\\"."';
    const [c] = parseWwwAuthenticate(h);
    expect(c!.params.error_description).toBe('The access token is from the wrong issuer "https://sts.windows.net/x/".');
    expect(rejectsToken([c!])).toBe(true);
  });

  it('Okta: insufficient_scope is not a rejected token; an expired one is', () => {
    const scope =
      'Bearer authorization_uri="https://dev-1.okta.com/oauth2/v1/authorize", realm="https://dev-1.okta.com", scope="openid", error="insufficient_scope", error_description="The access token must provide access to at least one of these scopes - profile, email, address or phone", resource="/oauth2/v1/userinfo"';
    const parsed = parseWwwAuthenticate(scope);
    expect(parsed).toHaveLength(1);
    expect(parsed[0]!.params).toMatchObject({ scope: 'openid', error: 'insufficient_scope', resource: '/oauth2/v1/userinfo' });
    expect(rejectsToken(parsed)).toBe(false);
    expect(bearerError(parsed)).toBe('insufficient_scope');
    expect(rejectsToken(parseWwwAuthenticate(scope.replace('insufficient_scope', 'invalid_token')))).toBe(true);
  });

  it('oidc-provider: a Bearer and a DPoP challenge in one header, and use_dpop_nonce', () => {
    const both = 'Bearer realm="https://op.example.com", DPoP realm="https://op.example.com", algs="ES256 PS256"';
    expect(parseWwwAuthenticate(both)).toEqual([
      { scheme: 'Bearer', params: { realm: 'https://op.example.com' } },
      { scheme: 'DPoP', params: { realm: 'https://op.example.com', algs: 'ES256 PS256' } },
    ]);
    const nonce = 'DPoP realm="https://op.example.com", error="use_dpop_nonce", error_description="nonce is required in the DPoP proof", algs="ES256"';
    expect(asksForDpopNonce(parseWwwAuthenticate(nonce))).toBe(true);
    expect(rejectsToken(parseWwwAuthenticate(nonce))).toBe(false);
    expect(asksForDpopNonce(parseWwwAuthenticate(nonce.replace('DPoP', 'Bearer')))).toBe(false);
    expect(rejectsToken(parseWwwAuthenticate('DPoP error="invalid_token", algs="ES256"'))).toBe(true);
  });

  it("a proxy's Basic challenge is no token rejection, even with invalid_token in it", () => {
    expect(rejectsToken(parseWwwAuthenticate('Basic realm="Corporate Proxy", charset="UTF-8"'))).toBe(false);
    expect(rejectsToken(parseWwwAuthenticate('Basic realm="x", error="invalid_token"'))).toBe(false);
    expect(findChallenge(parseWwwAuthenticate('Basic realm="Corporate Proxy"'), 'basic')?.params.realm).toBe('Corporate Proxy');
  });

  it('invalid_token inside a realm or a description is not the error', () => {
    expect(parseWwwAuthenticate('Bearer realm="x, invalid_token"')).toEqual([{ scheme: 'Bearer', params: { realm: 'x, invalid_token' } }]);
    expect(rejectsToken(parseWwwAuthenticate('Bearer realm="x, invalid_token"'))).toBe(false);
    expect(rejectsToken(parseWwwAuthenticate('Bearer error="insufficient_scope", error_description="not an invalid_token"'))).toBe(false);
    expect(rejectsToken(parseWwwAuthenticate('Bearer error="invalid_token_type"'))).toBe(false);
  });

  it('the RFC 9110 example: three challenges, a token param, an escaped quote', () => {
    expect(parseWwwAuthenticate('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"')).toEqual([
      { scheme: 'Newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
      { scheme: 'Basic', params: { realm: 'simple' } },
    ]);
  });

  it('token68 (Negotiate, and a bare Bearer value)', () => {
    expect(parseWwwAuthenticate('Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnagMDAu+/A==, Basic realm="x"')).toEqual([
      { scheme: 'Negotiate', params: {}, token68: 'YIIGhgYGKwYBBQUCoIIGejCCBnagMDAu+/A==' },
      { scheme: 'Basic', params: { realm: 'x' } },
    ]);
  });

  it('schemes and names in any case, white space anywhere, empty list elements, unquoted values', () => {
    const parsed = parseWwwAuthenticate(' ,, bearer   REALM = "a" ,,\tError=invalid_token , ');
    expect(parsed).toEqual([{ scheme: 'bearer', params: { realm: 'a', error: 'invalid_token' } }]);
    expect(rejectsToken(parsed)).toBe(true);
  });

  it('a server that forgets the comma between parameters', () => {
    expect(parseWwwAuthenticate('Bearer error="invalid_token" error_description="expired"')[0]!.params).toEqual({
      error: 'invalid_token',
      error_description: 'expired',
    });
  });

  it('schemes without parameters; several header lines; none at all', () => {
    expect(parseWwwAuthenticate('Bearer, Basic')).toEqual([
      { scheme: 'Bearer', params: {} },
      { scheme: 'Basic', params: {} },
    ]);
    expect(parseWwwAuthenticate(['Basic realm="proxy"', 'Bearer error="invalid_token"']).map((c) => c.scheme)).toEqual(['Basic', 'Bearer']);
    expect(parseWwwAuthenticate(null)).toEqual([]);
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
    expect(parseWwwAuthenticate('')).toEqual([]);
    expect(bearerError([])).toBeUndefined();
  });

  it('broken input is skipped to the next comma, never thrown', () => {
    expect(parseWwwAuthenticate('"garbage", Bearer realm="r"')).toEqual([{ scheme: 'Bearer', params: { realm: 'r' } }]);
    expect(parseWwwAuthenticate('Bearer realm="unterminated')).toEqual([{ scheme: 'Bearer', params: { realm: 'unterminated' } }]);
    expect(parseWwwAuthenticate('Bearer a=b, a=c')).toEqual([{ scheme: 'Bearer', params: { a: 'b' } }]);
    expect(parseWwwAuthenticate('Bearer =x, error="invalid_token"')[0]!.params).toEqual({ error: 'invalid_token' });
  });

  it('a __proto__ parameter stays a plain field', () => {
    const [c] = parseWwwAuthenticate('Bearer __proto__="x", error="invalid_token"');
    expect(Object.getPrototypeOf(c!.params)).toBe(Object.prototype);
    expect(c!.params.error).toBe('invalid_token');
  });

  it('only the first 8 KB of a hostile header are read', () => {
    const hostile = `Bearer error="invalid_token", ${'a="'.repeat(500_000)}`;
    expect(parseWwwAuthenticate(hostile)).toEqual(parseWwwAuthenticate(hostile.slice(0, 8_192)));
    expect(rejectsToken(parseWwwAuthenticate(`${' '.repeat(8_200)}Bearer error="invalid_token"`))).toBe(false);
  });
});

describe('parseWwwAuthenticate against a live oidc-provider', () => {
  let idp: http.Server;
  let issuer: string;
  beforeAll(async () => {
    let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();
    idp = http.createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
    handler = createOidcProvider(issuer, { ttlSeconds: 60 }).callback();
  });
  afterAll(async () => {
    idp?.closeAllConnections();
    await new Promise<void>((resolve) => idp?.close(() => resolve()));
  });

  it('userinfo with a made-up token: Bearer invalid_token', async () => {
    const res = await fetch(`${issuer}/me`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(res.status).toBe(401);
    const parsed = parseWwwAuthenticate(res.headers.get('www-authenticate'));
    expect(parsed).toEqual([{ scheme: 'Bearer', params: expect.objectContaining({ realm: issuer, error: 'invalid_token' }) as Record<string, string> }]);
    expect(rejectsToken(parsed)).toBe(true);
  });

  it('the token endpoint refusing Basic client credentials: a Basic challenge, not a token rejection', async () => {
    const res = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${OIDC_BASIC_CLIENT.id}:wrong`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    expect(res.status).toBe(401);
    const parsed = parseWwwAuthenticate(res.headers.get('www-authenticate'));
    expect(parsed).toEqual([{ scheme: 'Basic', params: expect.objectContaining({ realm: issuer, error: 'invalid_client' }) as Record<string, string> }]);
    expect(rejectsToken(parsed)).toBe(false);
  });
});
