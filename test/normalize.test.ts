/**
 * normalizeTokenResponse: every answer shape real servers send, as one-line cases (pure, fixed clock).
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  normalizeTokenResponse,
  normalizeTokenType,
  OAuthError,
  ResponseError,
  type TokenHttpResponse,
  TokenManager,
  TokenwardError,
} from '../src/index.js';
import { fakeEndpoint } from './helpers/fake-token-endpoint.js';

const NOW = 1_700_000_000_000;
const json = { 'content-type': 'application/json' };
const res = (body: string, status = 200, headers: Record<string, string> = json): TokenHttpResponse => ({ status, headers, body });
const ok = (fields: Record<string, unknown>) => res(JSON.stringify({ access_token: 'at', token_type: 'Bearer', ...fields }));
const normalize = (r: TokenHttpResponse, options: Parameters<typeof normalizeTokenResponse>[1] = {}) => normalizeTokenResponse(r, { now: NOW, ...options });
const fail = (r: TokenHttpResponse, options: Parameters<typeof normalizeTokenResponse>[1] = {}): TokenwardError => {
  try {
    normalize(r, options);
  } catch (err) {
    expect(err).toBeInstanceOf(TokenwardError);
    return err as TokenwardError;
  }
  throw new Error('expected normalizeTokenResponse to throw');
};
const jwt = (claims: object) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('expires_in', () => {
  it.each([
    [3600, 3600],
    ['3599', 3599],
    [' 899 ', 899],
    [899.5, 899.5],
    ['1800.0', 1800],
  ])('%j → %s seconds', (value, seconds) => {
    expect(normalize(ok({ expires_in: value })).expiresAt).toBe(NOW + seconds * 1000);
  });

  it('caps absurd lifetimes at 2^31-1 seconds', () => {
    expect(normalize(ok({ expires_in: 1e12 })).expiresAt).toBe(NOW + 2_147_483_647_000);
  });

  it('missing: uses the JWT exp claim when the access token is a JWT', () => {
    const t = normalize(ok({ access_token: jwt({ exp: NOW / 1000 + 120 }) }));
    expect(t.expiresAt).toBe(NOW + 120_000);
  });

  it.each([
    ['an opaque token', 'opaque-token'],
    ['a JWT without exp', jwt({ sub: 'x' })],
    ['a JWT with a string exp', jwt({ exp: '123' })],
    ['three dots that are not base64 JSON', 'a.b.c'],
  ])('missing, %s: defaultExpiresIn (300 s unless configured)', (_, accessToken) => {
    expect(normalize(ok({ access_token: accessToken })).expiresAt).toBe(NOW + 300_000);
    expect(normalize(ok({ access_token: accessToken }), { defaultExpiresIn: 42 }).expiresAt).toBe(NOW + 42_000);
  });

  it('null or empty string count as missing', () => {
    expect(normalize(ok({ expires_in: null })).expiresAt).toBe(NOW + 300_000);
    expect(normalize(ok({ expires_in: '' })).expiresAt).toBe(NOW + 300_000);
  });

  it.each([
    [-1, 'expires_in is negative'],
    ['-5', 'expires_in is negative'],
    ['soon', 'expires_in is not a number (string)'],
    ['1e3', 'expires_in is not a number (string)'],
    [true, 'expires_in is not a number (boolean)'],
    [{ s: 1 }, 'expires_in is not a number (object)'],
  ])('%j is rejected: %s', (value, why) => {
    const err = fail(ok({ expires_in: value }));
    expect(err).toBeInstanceOf(ResponseError);
    expect(err.code).toBe(ErrorCode.INVALID_TOKEN_RESPONSE);
    expect(err.status).toBe(200);
    expect(err.message).toBe(`tokenward: token endpoint answered 200 without a usable token: ${why}`);
  });
});

describe('JSON tolerance', () => {
  it("a trailing comma (Bright Pattern's and Veeam's samples)", () => {
    const t = normalize(res('{\n"access_token":"eyJ.x.y",\n"token_type":"Bearer",\n"expires_in":"3599",\n}'));
    expect(t).toMatchObject({ accessToken: 'eyJ.x.y', tokenType: 'Bearer', expiresAt: NOW + 3_599_000 });
    expect(t.raw).toEqual({ token_type: 'Bearer', expires_in: '3599' });
  });

  it('a comma inside a string value is kept', () => {
    expect(normalize(res('{"access_token":"a,}b","scope":"x, y",}')).scope).toBe('x, y');
    expect(normalize(res('{"access_token":"a,}b"}')).accessToken).toBe('a,}b');
  });

  it('a UTF-8 BOM', () => {
    expect(normalize(res('\uFEFF{"access_token":"bom","expires_in":60}')).accessToken).toBe('bom');
  });

  it('JSON sent as text/plain or without a content type', () => {
    expect(normalize(res('{"access_token":"t1"}', 200, { 'content-type': 'text/plain' })).accessToken).toBe('t1');
    expect(normalize(res('{"access_token":"t2"}', 200, {})).accessToken).toBe('t2');
  });

  it('headers may be a Headers object', () => {
    expect(normalize({ status: 200, headers: new Headers(json), body: '{"access_token":"h"}' }).accessToken).toBe('h');
  });
});

describe('token_type', () => {
  it.each([
    ['bearer', 'Bearer'],
    ['BEARER', 'Bearer'],
    ['Bearer', 'Bearer'],
    [' bearer ', 'Bearer'],
  ])('%j → %j', (value, expected) => {
    expect(normalize(ok({ token_type: value })).tokenType).toBe(expected);
    expect(normalizeTokenType(value)).toBe(expected);
  });

  it('missing, null or empty → Bearer', () => {
    expect(normalize(res('{"access_token":"x"}')).tokenType).toBe('Bearer');
    expect(normalize(ok({ token_type: '' })).tokenType).toBe('Bearer');
    expect(normalize(ok({ token_type: '  ' })).tokenType).toBe('Bearer');
    expect(normalize(ok({ token_type: null })).tokenType).toBe('Bearer');
  });

  it.each([
    ['N_A', '"N_A"'],
    ['MAC', '"MAC"'],
    ['mac', '"mac"'],
    ['DPoP', '"DPoP"'],
    ['dpop', '"dpop"'],
    ['Basic', '"Basic"'],
    [7, '7 (a number)'],
    [{ t: 'x' }, '(an object)'],
  ])('%j is refused with a typed error naming it (it would be sent as if it were Bearer)', (value, shown) => {
    const err = fail(ok({ access_token: 'at-0123456789abcdef0123456789abcdef', token_type: value }));
    expect(err).toBeInstanceOf(ResponseError);
    expect(err).toMatchObject({ code: ErrorCode.UNSUPPORTED_TOKEN_TYPE, status: 200 });
    // A DPoP token while DPoP is off: the message says how to turn it on.
    const hint = /^dpop$/i.test(String(value)) ? '; set the `dpop` option to use DPoP-bound tokens' : '';
    expect(err.message).toBe(`tokenward: token endpoint answered 200 with token_type ${shown}, which tokenward cannot send (it sends Bearer)${hint}`);
    expect(JSON.stringify(err)).not.toContain('at-0123456789abcdef');
  });

  it('acceptedTokenTypes lets more types through, case-insensitively, in the spelling given', () => {
    expect(normalize(ok({ token_type: 'dpop' }), { acceptedTokenTypes: ['DPoP'] }).tokenType).toBe('DPoP');
    expect(normalize(ok({ token_type: 'DPoP' }), { acceptedTokenTypes: ['DPoP'] }).tokenType).toBe('DPoP');
    expect(normalize(ok({ token_type: 'n_a' }), { acceptedTokenTypes: ['N_A'] }).tokenType).toBe('N_A');
    expect(normalize(ok({ token_type: 'bearer' }), { acceptedTokenTypes: ['DPoP'] }).tokenType).toBe('Bearer');
    const err = fail(ok({ token_type: 'MAC' }), { acceptedTokenTypes: ['DPoP'] });
    expect(err.code).toBe(ErrorCode.UNSUPPORTED_TOKEN_TYPE);
    expect(err.message).toMatch(/token_type "MAC", which tokenward cannot send \(it sends Bearer, DPoP\)$/);
  });

  it('a token type that is a secret or a token is not repeated in the message', () => {
    const secret = 'hunter2-secret-value';
    const err = fail(ok({ token_type: `x ${secret} y` }), { secrets: [secret] });
    expect(err.message).toContain('token_type "x [redacted] y"');
    const token = 'c5b8d97d-768c-4c21-b8d5-995560b8bde7';
    const err2 = fail(ok({ access_token: token, token_type: token }));
    expect(err2.message).not.toContain(token);
    expect(fail(ok({ token_type: 'y'.repeat(100) })).message).toContain(`"${'y'.repeat(40)}…"`);
  });

  it('through a TokenManager: the acquisition fails once, typed, without a retry', async () => {
    const endpoint = fakeEndpoint(() => ({ access_token: 'mac-token', token_type: 'MAC', mac_key: 'k', expires_in: 3600 }));
    const tm = new TokenManager({ tokenUrl: 'https://auth.example.com/token', clientId: 'c', clientSecret: 's', clientAuth: 'body', fetch: endpoint.fetch });
    await expect(tm.getToken()).rejects.toMatchObject({ code: ErrorCode.UNSUPPORTED_TOKEN_TYPE, status: 200 });
    expect(endpoint.count()).toBe(1);
  });

  it('normalizeTokenType only fixes the spelling', () => {
    expect(normalizeTokenType('dpop')).toBe('DPoP');
    expect(normalizeTokenType('mac')).toBe('MAC');
    expect(normalizeTokenType(' N_A ')).toBe('N_A');
    expect(normalizeTokenType(undefined)).toBe('Bearer');
  });
});

describe('refresh token and its lifetime', () => {
  it('refresh_expires_in becomes refreshExpiresAt', () => {
    const t = normalize(ok({ refresh_token: 'rt', refresh_expires_in: 1800 }));
    expect(t.refreshToken).toBe('rt');
    expect(t.refreshExpiresAt).toBe(NOW + 1_800_000);
  });

  it('refresh_expires_in as a string', () => {
    expect(normalize(ok({ refresh_token: 'rt', refresh_expires_in: '600' })).refreshExpiresAt).toBe(NOW + 600_000);
  });

  it("Keycloak's refresh_expires_in: 0 (offline token) means no fixed expiry", () => {
    const t = normalize(ok({ refresh_token: 'offline', refresh_expires_in: 0 }));
    expect(t.refreshToken).toBe('offline');
    expect(t.refreshExpiresAt).toBeUndefined();
  });

  it('a negative refresh_expires_in is rejected', () => {
    expect(fail(ok({ refresh_token: 'rt', refresh_expires_in: -1 })).message).toMatch(/refresh_expires_in is negative/);
  });

  it('no refresh token: previousRefreshToken is kept (RFC 6749 §6: the server may not rotate)', () => {
    expect(normalize(ok({})).refreshToken).toBeUndefined();
    expect(normalize(ok({}), { previousRefreshToken: 'keep-me' }).refreshToken).toBe('keep-me');
    expect(normalize(ok({ refresh_token: 'new' }), { previousRefreshToken: 'old' }).refreshToken).toBe('new');
    expect(normalize(ok({ refresh_token: '' }), { previousRefreshToken: 'old' }).refreshToken).toBe('old');
  });

  it('refresh_expires_in without a new refresh token does not date the kept one', () => {
    expect(normalize(ok({ refresh_expires_in: 60 }), { previousRefreshToken: 'old' }).refreshExpiresAt).toBeUndefined();
  });
});

describe('other fields', () => {
  it('scope, id_token, receivedAt, and raw keeps every other field with its type (Keycloak extras)', () => {
    const fields = {
      access_token: 'at',
      expires_in: 300,
      refresh_expires_in: 1800,
      refresh_token: 'rt',
      token_type: 'bearer',
      id_token: 'idt',
      'not-before-policy': 0,
      not_before_policy: 0,
      session_state: 'ss',
      scope: 'openid profile',
      ip: '10.0.0.1',
      is_editor: true,
      redirect_url: 'https://app/',
    };
    const t = normalize(res(JSON.stringify(fields)));
    expect(t).toEqual({
      accessToken: 'at',
      tokenType: 'Bearer',
      expiresAt: NOW + 300_000,
      receivedAt: NOW,
      refreshToken: 'rt',
      refreshExpiresAt: NOW + 1_800_000,
      scope: 'openid profile',
      idToken: 'idt',
      raw: {
        expires_in: 300,
        refresh_expires_in: 1800,
        token_type: 'bearer',
        'not-before-policy': 0,
        not_before_policy: 0,
        session_state: 'ss',
        scope: 'openid profile',
        ip: '10.0.0.1',
        is_editor: true,
        redirect_url: 'https://app/',
      },
    });
  });

  it('now defaults to Date.now()', () => {
    const before = Date.now();
    const t = normalizeTokenResponse(ok({ expires_in: 10 }));
    expect(t.receivedAt).toBeGreaterThanOrEqual(before);
    expect(t.expiresAt).toBe(t.receivedAt + 10_000);
  });
});

describe('form-encoded and XML answers', () => {
  it('application/x-www-form-urlencoded (GitHub-style)', () => {
    const t = normalize(
      res('access_token=gho_abc%2B1&token_type=bearer&expires_in=28800&refresh_token=r%3D&scope=repo%20user', 200, {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      }),
    );
    expect(t).toMatchObject({ accessToken: 'gho_abc+1', tokenType: 'Bearer', expiresAt: NOW + 28_800_000, refreshToken: 'r=', scope: 'repo user' });
  });

  it("seed 004's XML AccessTokenResponse (namespaced, values typed back)", () => {
    const xml =
      '<AccessTokenResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/IO.Swagger.Models"> <access_token>sample string 1</access_token> <expires_in>1</expires_in> <ip>sample string 3</ip> <is_editor>true</is_editor> <not_before_policy>1</not_before_policy> <redirect_url>sample string 2</redirect_url> <refresh_expires_in>1</refresh_expires_in> <refresh_token>sample string 5</refresh_token> <scope>sample string 8</scope> <session_state>sample string 7</session_state> <token_type>sample string 6</token_type> </AccessTokenResponse>';
    // The help page's placeholder is no token type a client can send: accepted here to read the rest.
    const t = normalize(res(xml, 200, { 'content-type': 'application/xml; charset=utf-8' }), { acceptedTokenTypes: ['sample string 6'] });
    expect(t).toMatchObject({
      tokenType: 'sample string 6',
      accessToken: 'sample string 1',
      expiresAt: NOW + 1000,
      refreshToken: 'sample string 5',
      refreshExpiresAt: NOW + 1000,
      scope: 'sample string 8',
    });
    expect(t.raw).toMatchObject({ expires_in: 1, is_editor: true, not_before_policy: 1, session_state: 'sample string 7' });
  });

  it('XML with a declaration, text/xml, and a numeric-looking access token that stays text', () => {
    const t = normalize(
      res(
        '<?xml version="1.0" encoding="utf-8"?><AccessTokenResponse><access_token>000123</access_token><expires_in>60</expires_in></AccessTokenResponse>',
        200,
        { 'content-type': 'text/xml' },
      ),
    );
    expect(t.accessToken).toBe('000123');
    expect(t.expiresAt).toBe(NOW + 60_000);
  });

  it('XML entities are decoded', () => {
    expect(normalize(res('<r><access_token>a&amp;b</access_token></r>', 200, { 'content-type': 'application/xml' })).accessToken).toBe('a&b');
  });
});

describe('answers that are not tokens', () => {
  it('a 2xx without access_token', () => {
    const err = fail(res('{"token_type":"Bearer","expires_in":3600}'));
    expect(err).toMatchObject({ code: ErrorCode.INVALID_TOKEN_RESPONSE, status: 200 });
    expect(err.message).toBe('tokenward: token endpoint answered 200 without a usable token: no access_token');
  });

  it.each([
    ['an empty access_token', '{"access_token":""}'],
    ['a numeric access_token', '{"access_token":12345}'],
  ])('%s', (_, body) => {
    expect(fail(res(body)).code).toBe(ErrorCode.INVALID_TOKEN_RESPONSE);
  });

  it.each([
    ['an empty body', '', {}, 'with an empty body'],
    ['whitespace only', '  \n', json, 'with an empty body'],
    ['an HTML page', '<!DOCTYPE html><html><body>Login</body></html>', { 'content-type': 'text/html' }, 'with an HTML page'],
    ['broken JSON', '{"access_token": ', json, 'with a body that is neither JSON, form nor XML'],
    ['plain text', 'OK', { 'content-type': 'text/plain' }, 'with a body that is neither JSON, form nor XML'],
    ['a JSON array', '["a"]', json, 'with a JSON value that is not an object'],
  ])('a 200 with %s → INVALID_TOKEN_RESPONSE', (_, body, headers, what) => {
    const err = fail(res(body, 200, headers));
    expect(err).toBeInstanceOf(ResponseError);
    expect(err.code).toBe(ErrorCode.INVALID_TOKEN_RESPONSE);
    expect(err.message).toBe(`tokenward: token endpoint answered 200 ${what}`);
  });

  it('a 200 with an error field is an OAuthError ("some unorthodox servers respond 200 in error case")', () => {
    const err = fail(res('{"error":"invalid_client","error_description":"Client not found"}'));
    expect(err).toBeInstanceOf(OAuthError);
    expect(err).toMatchObject({ code: ErrorCode.OAUTH, status: 200, error: 'invalid_client', errorDescription: 'Client not found' });
  });
});

describe('error answers', () => {
  it('RFC 6749 §5.2 body with error_uri', () => {
    const err = fail(
      res('{"error":"invalid_grant","error_description":"Credentials or token is invalid or expired","error_uri":"https://docs.example/errors#grant"}', 400),
    );
    expect(err).toBeInstanceOf(OAuthError);
    expect(err).toMatchObject({
      code: ErrorCode.OAUTH,
      status: 400,
      error: 'invalid_grant',
      errorDescription: 'Credentials or token is invalid or expired',
      errorUri: 'https://docs.example/errors#grant',
    });
    expect(err.message).toBe('tokenward: token endpoint answered 400 invalid_grant: "Credentials or token is invalid or expired"');
    expect(err.bodyExcerpt).toContain('invalid_grant');
  });

  it("InfoLink's envelope → OAuthError with result.code / result.message", () => {
    const err = fail(res('{"result":{"code":"invalid_grant","message":"Credentials or token is invalid or expired"},"status":"error"}', 200));
    expect(err).toBeInstanceOf(OAuthError);
    expect(err).toMatchObject({ code: ErrorCode.OAUTH, status: 200, error: 'invalid_grant', errorDescription: 'Credentials or token is invalid or expired' });
  });

  it('an InfoLink success envelope is not an error shape', () => {
    expect(fail(res('{"result":{"code":"ok"},"status":"success"}', 200)).code).toBe(ErrorCode.INVALID_TOKEN_RESPONSE);
  });

  it('an HTML error page from a proxy: status and a short excerpt', () => {
    const html = `<html><head><title>502 Bad Gateway</title></head><body>${'x'.repeat(500)}</body></html>`;
    const err = fail(res(html, 502, { 'content-type': 'text/html' }));
    expect(err).toBeInstanceOf(ResponseError);
    expect(err).toMatchObject({ code: ErrorCode.RESPONSE, status: 502 });
    expect(err.message).toBe('tokenward: token endpoint answered 502 with an HTML page');
    expect(err.bodyExcerpt!.startsWith('<html><head><title>502 Bad Gateway</title>')).toBe(true);
    expect(err.bodyExcerpt!.length).toBeLessThanOrEqual(201);
  });

  it('an empty 401 and an empty 403', () => {
    expect(fail(res('', 401, {}))).toMatchObject({
      code: ErrorCode.RESPONSE,
      status: 401,
      message: 'tokenward: token endpoint answered 401 with an empty body',
    });
    expect(fail(res('', 403, {})).error).toBeUndefined();
  });

  it("ASP.NET's {Message} and <Error><Message> become the description", () => {
    const a = fail(res('{"Message":"Authorization has been denied for this request."}', 401));
    expect(a).toMatchObject({ code: ErrorCode.RESPONSE, status: 401, errorDescription: 'Authorization has been denied for this request.' });
    expect(a.message).toBe('tokenward: token endpoint answered 401: "Authorization has been denied for this request."');
    const b = fail(res('<Error><Message>Denied</Message></Error>', 401, { 'content-type': 'application/xml' }));
    expect(b.errorDescription).toBe('Denied');
  });

  it('Retry-After (seconds or HTTP date) is read', () => {
    expect(fail(res('', 429, { 'retry-after': '7' })).retryAfter).toBe(7);
    const date = new Date(Date.now() + 30_000).toUTCString();
    const after = fail(res('', 503, { 'retry-after': date })).retryAfter!;
    expect(after).toBeGreaterThanOrEqual(28);
    expect(after).toBeLessThanOrEqual(31);
    expect(fail(res('', 503, { 'retry-after': 'soon' })).retryAfter).toBeUndefined();
  });

  it("error fields are scrubbed of the answer's own tokens, even when nobody named them as secrets", () => {
    const at = 'c5b8d97d-768c-4c21-b8d5-995560b8bde7';
    const err = fail(
      res(JSON.stringify({ access_token: at, refresh_token: 'rt-echo-0123', error: 'server_error', error_description: `issued ${at} and rt-echo-0123` })),
    );
    expect(err.errorDescription).toBe('issued [redacted] and [redacted]');
    expect(JSON.stringify(err)).not.toMatch(/c5b8d97d|rt-echo-0123/);
  });

  it('error fields are scrubbed of the secrets passed in', () => {
    const err = fail(res('{"error":"invalid_client","error_description":"bad secret hunter2-XYZ for client","error_uri":"https://x/?s=hunter2-XYZ"}', 401), {
      secrets: ['hunter2-XYZ'],
    });
    expect(err.errorDescription).toBe('bad secret [redacted] for client');
    expect(err.errorUri).toBe('https://x/?s=[redacted]');
    expect(JSON.stringify(err)).not.toContain('hunter2-XYZ');
  });
});

describe('answers whose content type lies', () => {
  it('reads a JSON token answer labelled text/html as the token it is', () => {
    const token = normalizeTokenResponse(
      { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '{"access_token":"abc","token_type":"bearer","expires_in":3600}' },
      { now: 0 },
    );
    expect(token).toMatchObject({ accessToken: 'abc', tokenType: 'Bearer', expiresAt: 3_600_000 });
  });
});

describe('raw holds no token value (logging it for the Keycloak extras must not log the tokens)', () => {
  const AT = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.access-token-value';
  const RT = 'refresh-token-value-0123456789';
  const IDT = 'eyJhbGciOiJub25lIn0.eyJub25jZSI6Im4ifQ.id-token-value';

  it('access_token, refresh_token and id_token are dropped; every other field stays', () => {
    const t = normalize(ok({ access_token: AT, refresh_token: RT, id_token: IDT, session_state: 'ss', 'not-before-policy': 0, scope: 'openid' }));
    expect(t).toMatchObject({ accessToken: AT, refreshToken: RT, idToken: IDT });
    expect(t.raw).toEqual({ token_type: 'Bearer', session_state: 'ss', 'not-before-policy': 0, scope: 'openid' });
  });

  it('a field repeating a token under another name, or inside an object, is dropped too', () => {
    const t = normalize(
      ok({ access_token: AT, refresh_token: RT, jwt: AT, header: `Bearer ${AT}`, session: { rt: RT, n: 1 }, list: [IDT], id_token: IDT, note: 'kept' }),
    );
    expect(t.raw).toEqual({ token_type: 'Bearer', note: 'kept' });
    for (const value of [AT, RT, IDT]) {
      expect(JSON.stringify(t.raw)).not.toContain(value);
      expect(inspect(t.raw, { depth: 10 })).not.toContain(value);
    }
  });

  it('a kept refresh token (the answer did not rotate it) is not in raw either', () => {
    const t = normalize(ok({ access_token: AT, echo: RT }), { previousRefreshToken: RT });
    expect(t.refreshToken).toBe(RT);
    expect(t.raw).toEqual({ token_type: 'Bearer' });
  });

  it('form and XML answers alike', () => {
    const form = normalize(
      res(`access_token=${AT}&refresh_token=${RT}&expires_in=60&session_state=s`, 200, { 'content-type': 'application/x-www-form-urlencoded' }),
    );
    expect(form.raw).toEqual({ expires_in: '60', session_state: 's' });
    const xml = normalize(
      res(`<r><access_token>${AT}</access_token><refresh_token>${RT}</refresh_token><ip>1.2.3.4</ip></r>`, 200, { 'content-type': 'application/xml' }),
    );
    expect(xml.raw).toEqual({ ip: '1.2.3.4' });
  });

  it('a __proto__ field stays a plain field', () => {
    const t = normalize(res('{"access_token":"at","__proto__":{"polluted":true}}'));
    expect(Object.getPrototypeOf(t.raw)).toBe(Object.prototype);
    expect((t.raw as Record<string, unknown>).polluted).toBeUndefined();
  });
});
