/**
 * The body excerpt an error carries: a 2xx answer shows its shape and never a value (it may hold a live
 * token under any name); an error answer stays readable, but no excerpt carries a JWT or a long opaque
 * string, whoever's it is.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, normalizeTokenResponse, type TokenwardError } from '../src/index.js';
import { excerpt } from '../src/redact.js';

const JWT = `${Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'svc', exp: 1_900_000_000, jti: 'x'.repeat(300) })).toString('base64url')}.${'Sg'.repeat(120)}`;
const SID = '8d7f3b2a-1c4e-4f5a-9b6c-7d8e9f0a1b2c';
const OPAQUE = 'gho_16C7e42F292c6912E7710c838347Ae178B4a';

function failOn(status: number, body: string, type = 'application/json'): TokenwardError {
  try {
    normalizeTokenResponse({ status, headers: { 'content-type': type }, body });
  } catch (err) {
    return err as TokenwardError;
  }
  throw new Error('expected an error');
}

describe('the excerpt of a 2xx answer: keys and shapes, no values', () => {
  it('an unrecognised JSON token answer ({"jwt":…,"sid":…}) shows its keys and the length of each value', () => {
    const err = failOn(200, JSON.stringify({ jwt: JWT, sid: SID }));
    expect(err.code).toBe(ErrorCode.INVALID_TOKEN_RESPONSE);
    expect(err.bodyExcerpt).toBe(`{"jwt":<string ${JWT.length} chars>,"sid":<string 36 chars>}`);
  });

  it('every JSON type is a shape: numbers, booleans, nested objects and arrays', () => {
    expect(excerpt('{"token_type":"bearer","expires_in":3600,"ok":true,"x":null,"inner":{"k":["v",1]}}', 200)).toBe(
      '{"token_type":<string 6 chars>,"expires_in":<number>,"ok":<boolean>,"x":null,"inner":{"k":[<string 1 chars>,<number>]}}',
    );
  });

  it('a bare token as text/plain is its length', () => {
    const token = `${OPAQUE}${'q'.repeat(772)}`;
    const err = failOn(200, token, 'text/plain');
    expect(err.bodyExcerpt).toBe('<text 812 chars>');
  });

  it('a form body shows its names only', () => {
    expect(excerpt(`session=${OPAQUE}&user=admin&expires=soon`, 200)).toBe('session=<40 chars>&user=<5 chars>&expires=<4 chars>');
  });

  it('an HTML form_post page shows elements, never attribute values or text', () => {
    const page = `<html><head><title>Submit This Form</title></head><body onload="document.forms[0].submit()"><form method="post" action="https://app/cb"><input type="hidden" name="access_token" value="${OPAQUE}"/><input type="hidden" name="state" value="abc"/></form></body></html>`;
    const err = failOn(200, page, 'text/html');
    expect(err.bodyExcerpt).toBe('<html><head><title>[16 chars]</title></head><body …><form …><input …/><input …/></form></body></html>');
  });

  it('XML shows element names and text lengths', () => {
    expect(excerpt(`<?xml version="1.0"?><r><jwt>${JWT}</jwt><n>1</n></r>`, 204)).toBe(`<?…><r><jwt>[${JWT.length} chars]</jwt><n>[1 chars]</n></r>`);
  });

  it('a truncated JSON answer still shows its keys, and the cut value as at least so long', () => {
    expect(excerpt('{"access_token": "abc', 200)).toBe('{"access_token":<string 3+ chars…>');
  });

  it('an empty body', () => {
    expect(excerpt('  ', 200)).toBe('<empty>');
  });

  it('a key that is itself a token is masked', () => {
    expect(excerpt(JSON.stringify({ [OPAQUE]: 1 }), 200)).toBe('{"[redacted]":<number>}');
  });

  it('a long body stops early', () => {
    const body = JSON.stringify(Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`field${i}`, OPAQUE])));
    const shown = excerpt(body, 200);
    expect(shown.length).toBeLessThanOrEqual(201);
    expect(shown.startsWith('{"field0":<string 40 chars>,"field1":<string 40 chars>')).toBe(true);
    expect(shown).not.toContain(OPAQUE);
  });
});

describe('the excerpt of an error answer: readable, but no JWT or opaque string', () => {
  it('OAuth error codes and descriptions show', () => {
    const err = failOn(400, '{"error":"invalid_grant","error_description":"Token is not active"}');
    expect(err.bodyExcerpt).toBe('{"error":"invalid_grant","error_description":"Token is not active"}');
  });

  it("an HTML page's title shows; separators stay", () => {
    const body = `<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>\n<!-- ${'-'.repeat(60)} --></body></html>`;
    expect(failOn(502, body, 'text/html').bodyExcerpt).toContain('<title>502 Bad Gateway</title>');
    expect(excerpt(`a ${'='.repeat(40)} b`, 500)).toBe(`a ${'='.repeat(40)} b`);
  });

  it('a JWT anywhere is masked, even under a field whose name does not look secret, even a short one', () => {
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`;
    expect(unsigned.length).toBeLessThan(32);
    const err = failOn(401, JSON.stringify({ message: `The token ${JWT} has expired`, id: unsigned }));
    expect(err.bodyExcerpt).toBe('{"message":"The token [redacted] has expired","id":"[redacted]"}');
  });

  it('long opaque strings are masked: hex, base64 with + / =, UUIDs, percent-encoded', () => {
    const hex = 'a3f9c2d8e1b04f6a9c7d2e5f8a1b3c4d';
    const b64 = 'Yp5SaGYSR6ChFkr9T5LJ2PcNNGAR+Df9ixOALtAsOD0=';
    const text = `hex ${hex} b64 ${b64} sid ${SID} pct ${encodeURIComponent(b64)} gh ${OPAQUE}`;
    expect(excerpt(text, 500)).toBe('hex [redacted] b64 [redacted] sid [redacted] pct [redacted] gh [redacted]');
  });

  it('short words and long words in CamelCase, dotted names and paths stay readable', () => {
    const text = 'InvalidAuthenticationTokenTenant at org.keycloak.services.ErrorResponseException (/usr/local/lib/node_modules/server/index.js) AADSTS700016';
    expect(excerpt(text, 401)).toBe(text);
  });
});
