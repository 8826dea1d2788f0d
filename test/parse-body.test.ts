/**
 * parseBody / parseJsonTolerant: what a body is, whatever the content type claims.
 */
import { describe, expect, it } from 'vitest';
import { parseBody, parseJsonTolerant } from '../src/parse-body.js';

describe('parseJsonTolerant', () => {
  it.each([
    ['{"a":1}', { a: 1 }],
    ['{"a":1,}', { a: 1 }],
    ['{"a":[1,2,],}', { a: [1, 2] }],
    ['{ "a": 1 ,\n }', { a: 1 }],
    ['{"a":",}"}', { a: ',}' }],
    ['{"a":"x\\",}"}', { a: 'x",}' }],
    ['[1,]', [1]],
  ])('%s', (text, value) => {
    expect(parseJsonTolerant(text)).toEqual(value);
  });

  it.each(['{', '{"a":}', 'nope', '{"a":1,,}'])('%s is not JSON', (text) => {
    expect(parseJsonTolerant(text)).toBeUndefined();
  });
});

describe('parseBody', () => {
  it.each([
    ['', null, 'empty'],
    ['   ', 'application/json', 'empty'],
    ['\uFEFF', 'application/json', 'empty'],
    ['{"a":1}', 'application/json', 'json'],
    ['\uFEFF{"a":1}', 'application/json; charset=utf-8', 'json'],
    ['{"a":1}', 'text/plain', 'json'],
    ['{"a":1}', undefined, 'json'],
    ['[1]', 'application/json', 'json'],
    ['a=1&b=2', 'application/x-www-form-urlencoded', 'form'],
    ['access_token=x&expires_in=3', 'text/plain', 'form'],
    ['<r><a>1</a></r>', 'application/xml', 'xml'],
    ['<r><a>1</a></r>', 'text/xml; charset=utf-8', 'xml'],
    ['<r><a>1</a></r>', null, 'xml'],
    ['<!DOCTYPE html><p>x</p>', 'text/plain', 'html'],
    ['<html><body>oops</body></html>', null, 'html'],
    // A JSON token answer mislabelled text/html is JSON (the first character wins); broken JSON labelled html is html.
    ['{"a":1}', 'text/html', 'json'],
    ['{"a":1}', 'text/html; charset=utf-8', 'json'],
    ['{broken', 'text/html', 'html'],
    ['<p>Bad Gateway</p>', 'text/html', 'html'],
    ['Bad Gateway', 'text/html', 'html'],
    ['<html><body>oops</body></html>', 'application/json', 'html'],
    ['Service Unavailable', 'text/plain', 'text'],
    ['{broken', 'application/json', 'text'],
    ['<unclosed', 'application/xml', 'text'],
  ])('%j as %s → %s', (body, type, kind) => {
    expect(parseBody(body, type).kind).toBe(kind);
  });

  it('form fields are decoded', () => {
    expect(parseBody('access_token=a%2Bb&scope=x+y', 'application/x-www-form-urlencoded').fields).toEqual({ access_token: 'a+b', scope: 'x y' });
  });

  it('a JSON array has no fields', () => {
    expect(parseBody('[{"access_token":"x"}]', 'application/json')).toEqual({ kind: 'json', fields: undefined });
  });

  it("XML: the root element's children, namespace prefixes dropped, numbers and booleans typed, nested elements skipped", () => {
    const xml =
      '<?xml version="1.0"?><a:AccessTokenResponse xmlns:a="urn:x"><a:access_token>t</a:access_token><a:expires_in>60</a:expires_in><a:is_editor>false</a:is_editor><a:nested><b>1</b></a:nested><a:ip>10.0.0.1</a:ip></a:AccessTokenResponse>';
    expect(parseBody(xml, 'application/xml').fields).toEqual({ access_token: 't', expires_in: 60, is_editor: false, ip: '10.0.0.1' });
  });

  it('XML with two roots is not a token', () => {
    expect(parseBody('<a>1</a><b>2</b>', 'application/xml').fields).toBeUndefined();
  });

  it('a non-numeric expires_in in XML stays text (normalize rejects it)', () => {
    expect(parseBody('<r><expires_in>soon</expires_in></r>', 'application/xml').fields).toEqual({ expires_in: 'soon' });
  });
});
