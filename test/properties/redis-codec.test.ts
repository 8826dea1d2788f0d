/**
 * The Redis value codec: whatever tokenward writes reads back the same, and whatever else is under the
 * key (any string, any JSON, a value with a field missing or mistyped) reads as a whole token or as
 * absent, never a throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Token } from '../../src/index.js';
import { decodeEntry, encodeEntry } from '../../src/redis-codec.js';
import { RUNS } from './arbitraries.js';

/** JSON values as they come back from JSON (no -0, no undefined). */
const rawFields = fc
  .dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 })
  .map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>);
const time = fc.integer({ min: 0, max: 4_102_444_800_000 });

const validToken: fc.Arbitrary<Token> = fc
  .record(
    {
      accessToken: fc.string({ minLength: 1, maxLength: 40 }),
      tokenType: fc.oneof(fc.constantFrom('Bearer', 'DPoP'), fc.string({ minLength: 1, maxLength: 10 })),
      expiresAt: time,
      receivedAt: time,
      raw: rawFields,
      refreshToken: fc.string({ minLength: 1, maxLength: 40 }),
      refreshExpiresAt: time,
      scope: fc.string({ maxLength: 20 }),
      idToken: fc.string({ maxLength: 40 }),
    },
    { requiredKeys: ['accessToken', 'tokenType', 'expiresAt', 'receivedAt', 'raw'] },
  )
  .map((t) => t as Token);

/** What a whole token is, checked independently of the codec. */
function isWholeToken(t: Token): boolean {
  const optional = (v: unknown, type: 'string' | 'number') => v === undefined || (typeof v === type && (type === 'string' || Number.isFinite(v)));
  return (
    typeof t.accessToken === 'string' &&
    t.accessToken !== '' &&
    typeof t.tokenType === 'string' &&
    t.tokenType !== '' &&
    Number.isFinite(t.expiresAt) &&
    Number.isFinite(t.receivedAt) &&
    typeof t.raw === 'object' &&
    t.raw !== null &&
    !Array.isArray(t.raw) &&
    optional(t.refreshToken, 'string') &&
    t.refreshToken !== '' &&
    optional(t.refreshExpiresAt, 'number') &&
    optional(t.scope, 'string') &&
    optional(t.idToken, 'string')
  );
}

describe('Redis value codec (properties)', () => {
  it('encode then decode is the identity for every valid token, with or without a tail', () => {
    fc.assert(
      fc.property(validToken, fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 ** 40 })), (token, tailMs) => {
        expect(decodeEntry(encodeEntry(token, tailMs))).toEqual({ token, tailMs });
      }),
      RUNS,
    );
  });

  it('decoding anything never throws, and gives a whole token or nothing', () => {
    const field = fc.oneof(fc.string({ maxLength: 10 }), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 1 }));
    const mangled = fc
      .tuple(
        validToken,
        fc.dictionary(
          fc.constantFrom('accessToken', 'tokenType', 'expiresAt', 'receivedAt', 'raw', 'refreshToken', 'refreshExpiresAt', 'scope', 'idToken'),
          field,
          { maxKeys: 3 },
        ),
        fc.constantFrom(1, 2, 3, '1', null),
        fc.oneof(fc.integer({ min: -5, max: 1000 }), fc.string({ maxLength: 3 })),
      )
      .map(([token, overrides, v, tailMs]) => JSON.stringify({ v, token: { ...token, ...overrides }, tailMs }));
    const anything = fc.oneof(
      mangled,
      fc.string({ maxLength: 200 }),
      fc.json({ maxDepth: 3 }),
      fc.jsonValue().map((v) => JSON.stringify({ v: 1, token: v })),
      fc.constantFrom(undefined, null, 42, {}),
    );
    fc.assert(
      fc.property(anything, (value) => {
        const entry = decodeEntry(value);
        if (entry === undefined) return;
        expect(isWholeToken(entry.token)).toBe(true);
        expect(Number.isFinite(entry.tailMs) && entry.tailMs >= 0).toBe(true);
        // What was read is what would be written back.
        expect(decodeEntry(encodeEntry(entry.token, entry.tailMs))).toEqual(entry);
      }),
      RUNS,
    );
  });
});
