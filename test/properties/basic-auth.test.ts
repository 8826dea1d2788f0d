/**
 * The Basic client-authentication header round-trips RFC 6749 §2.3.1 for any Unicode id and secret:
 * base64-decode, split on the first `:`, form-decode both parts, and the originals come back. With
 * `encoding: 'none'` (servers that do not form-decode) the raw pair comes back when the id has no `:`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { basicAuthorization } from '../../src/index.js';
import { RUNS } from './arbitraries.js';

/** What an RFC 6749 §2.3.1 server does with the header. */
function serverReads(header: string, formDecode: boolean): [string, string] {
  expect(header.startsWith('Basic ')).toBe(true);
  const pair = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const colon = pair.indexOf(':');
  expect(colon).toBeGreaterThanOrEqual(0);
  const decode = (s: string) => (formDecode ? decodeURIComponent(s.replace(/\+/g, ' ')) : s);
  return [decode(pair.slice(0, colon)), decode(pair.slice(colon + 1))];
}

/** Any Unicode text, with the characters form-encoding exists for mixed in. */
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: fc.constantFrom(':', '%', '+', ' ', '&', '=', 'é', '😀', 'a', '~', '*', '-', '.', '_'), maxLength: 20 }),
);

describe('basicAuthorization (properties)', () => {
  it("form encoding: the server's form-decoded id and secret are the originals, for any Unicode", () => {
    fc.assert(
      fc.property(text, text, (id, secret) => {
        const header = basicAuthorization(id, secret);
        expect(serverReads(header, true)).toEqual([id, secret]);
        // Only base64 on the wire, so no proxy or header parser can trip over it.
        expect(header).toMatch(/^Basic [A-Za-z0-9+/]*={0,2}$/);
      }),
      RUNS,
    );
  });

  it("encoding 'none': the raw pair, for an id without ':'", () => {
    fc.assert(
      fc.property(
        text.filter((id) => !id.includes(':')),
        text,
        (id, secret) => {
          expect(serverReads(basicAuthorization(id, secret, 'none'), false)).toEqual([id, secret]);
        },
      ),
      RUNS,
    );
  });
});
