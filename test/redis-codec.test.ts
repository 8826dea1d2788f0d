/**
 * The Redis value codec: what RedisTokenStore writes, and the full check of what it reads back. A value
 * it did not write (another program, a hand-edited key, a truncated write) reads as absent.
 */
import { describe, expect, it } from 'vitest';
import type { Token } from '../src/index.js';
import { decodeEntry, encodeEntry } from '../src/redis-codec.js';

const token: Token = {
  accessToken: 'at',
  tokenType: 'Bearer',
  expiresAt: 1_700_000_060_000,
  receivedAt: 1_700_000_000_000,
  refreshToken: 'rt',
  refreshExpiresAt: 1_700_001_800_000,
  scope: 'a b',
  idToken: 'idt',
  raw: { session_state: 's', 'not-before-policy': 0, nested: { ok: true } },
};

describe('encodeEntry / decodeEntry', () => {
  it('v1 when the key lives as long as the access token, v2 with tailMs when it outlives it', () => {
    expect(JSON.parse(encodeEntry(token, 0))).toEqual({ v: 1, token });
    expect(JSON.parse(encodeEntry(token, 7_200_000))).toEqual({ v: 2, token, tailMs: 7_200_000 });
    expect(decodeEntry(encodeEntry(token, 0))).toEqual({ token, tailMs: 0 });
    expect(decodeEntry(encodeEntry(token, 5))).toEqual({ token, tailMs: 5 });
  });

  it('optional fields may be absent; fields a Token does not have are not kept', () => {
    const bare: Token = { accessToken: 'a', tokenType: 'DPoP', expiresAt: 1, receivedAt: 0, raw: {} };
    expect(decodeEntry(encodeEntry(bare, 0))).toEqual({ token: bare, tailMs: 0 });
    const extra = JSON.stringify({ v: 1, token: { ...bare, password: 'p' } });
    expect(decodeEntry(extra)!.token).toEqual(bare);
  });

  it.each([
    ['not a string', 42],
    ['null', null],
    ['not JSON', 'not json'],
    ['JSON that is not an object', '[1]'],
    ['no version', JSON.stringify({ token })],
    ['version 3', JSON.stringify({ v: 3, token })],
    ['no token', JSON.stringify({ v: 1 })],
    ['an empty access token', JSON.stringify({ v: 1, token: { ...token, accessToken: '' } })],
    ['no tokenType', JSON.stringify({ v: 1, token: { ...token, tokenType: undefined } })],
    ['an empty tokenType', JSON.stringify({ v: 1, token: { ...token, tokenType: '' } })],
    ['expiresAt as a string', JSON.stringify({ v: 1, token: { ...token, expiresAt: '1' } })],
    ['receivedAt missing', JSON.stringify({ v: 1, token: { ...token, receivedAt: undefined } })],
    ['raw missing', JSON.stringify({ v: 1, token: { ...token, raw: undefined } })],
    ['raw a string', JSON.stringify({ v: 1, token: { ...token, raw: '{}' } })],
    ['raw null', JSON.stringify({ v: 1, token: { ...token, raw: null } })],
    ['refreshToken a number', JSON.stringify({ v: 1, token: { ...token, refreshToken: 1 } })],
    ['refreshToken empty', JSON.stringify({ v: 1, token: { ...token, refreshToken: '' } })],
    ['refreshExpiresAt null', JSON.stringify({ v: 1, token: { ...token, refreshExpiresAt: null } })],
    ['scope a list', JSON.stringify({ v: 1, token: { ...token, scope: ['a'] } })],
    ['idToken an object', JSON.stringify({ v: 1, token: { ...token, idToken: {} } })],
    ['v2 without tailMs', JSON.stringify({ v: 2, token })],
    ['v2 with tailMs 0', JSON.stringify({ v: 2, token, tailMs: 0 })],
    ['v2 with tailMs a string', JSON.stringify({ v: 2, token, tailMs: '5' })],
    ['a number too large for JSON (1e999)', '{"v":1,"token":{"accessToken":"a","tokenType":"Bearer","expiresAt":1e999,"receivedAt":0,"raw":{}}}'],
    ['nested too deep to parse', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
  ])('%s reads as absent', (_, value) => {
    expect(decodeEntry(value)).toBeUndefined();
  });
});
