/**
 * parseWwwAuthenticate on arbitrary input never throws and returns well-formed challenges; and any
 * list of challenges, written out as servers write them (quoted or bare values, token68, any case,
 * stray white space and empty list elements), parses back to what was written.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Challenge, parseWwwAuthenticate, rejectsToken } from '../../src/index.js';
import { RUNS } from './arbitraries.js';

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split('');
const TOKEN68 = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+/'.split('');
const token = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 12 });
const space = fc.string({ unit: fc.constantFrom(' ', '\t'), maxLength: 2 });
/** Between list elements: a comma, maybe empty elements, maybe white space. */
const comma = fc.tuple(space, fc.constantFrom(',', ',', ', ,', ',,'), space).map((p) => p.join(''));

/** A challenge to write: params with names unique in any case, or a token68, or nothing. */
const challenge: fc.Arbitrary<Challenge> = fc.oneof(
  fc.record({
    scheme: token,
    params: fc
      .uniqueArray(fc.tuple(token, fc.string({ maxLength: 20 })), { maxLength: 4, selector: ([name]) => name.toLowerCase() })
      .map((entries) => Object.fromEntries(entries)),
  }),
  fc.record({
    scheme: token,
    params: fc.constant({}),
    token68: fc
      .tuple(fc.string({ unit: fc.constantFrom(...TOKEN68), minLength: 1, maxLength: 20 }), fc.string({ unit: fc.constant('='), maxLength: 2 }))
      .map(([t, pad]) => t + pad),
  }),
);

/** A challenge as a server might write it, names in any case, values bare when they can be. */
function written(c: Challenge): fc.Arbitrary<string> {
  if (c.token68 !== undefined) return space.map((s) => `${c.scheme} ${s}${c.token68}`);
  const params = Object.entries(c.params);
  if (params.length === 0) return fc.constant(c.scheme);
  return fc
    .tuple(fc.array(fc.tuple(fc.boolean(), fc.boolean(), space, space, comma), { minLength: params.length, maxLength: params.length }), space)
    .map(([styles, lead]) => {
      const parts = params.map(([name, value], i) => {
        const [upper, bare, before, after] = styles[i]!;
        const shown = upper ? name.toUpperCase() : name;
        const v = bare && /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(value) ? value : `"${value.replace(/[\\"]/g, (m) => `\\${m}`)}"`;
        return `${shown}${before}=${after}${v}`;
      });
      return `${c.scheme} ${lead}${parts.map((p, i) => (i === 0 ? p : `${styles[i]![4]}${p}`)).join('')}`;
    });
}

function expected(c: Challenge): Challenge {
  return c.token68 !== undefined ? c : { scheme: c.scheme, params: Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k.toLowerCase(), v])) };
}

describe('parseWwwAuthenticate (properties)', () => {
  it('never throws, and returns challenges with a scheme and string params, on any input', () => {
    const input = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: fc.constantFrom('B', 'e', 'a', 'r', ' ', ',', '=', '"', '\\', 'x', '\t', '/'), maxLength: 300 }),
      fc.array(fc.string({ maxLength: 50 }), { maxLength: 4 }),
    );
    fc.assert(
      fc.property(input, (header) => {
        const parsed = parseWwwAuthenticate(header);
        for (const c of parsed) {
          expect(c.scheme).toMatch(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/);
          for (const [name, value] of Object.entries(c.params)) {
            expect(name).toBe(name.toLowerCase());
            expect(typeof value).toBe('string');
          }
        }
        expect(typeof rejectsToken(parsed)).toBe('boolean');
      }),
      RUNS,
    );
  });

  it('round-trips any list of challenges, however it is written', () => {
    const list = fc.array(challenge, { minLength: 1, maxLength: 4 }).chain((challenges) =>
      fc
        .tuple(fc.tuple(...challenges.map(written)), fc.array(comma, { minLength: challenges.length, maxLength: challenges.length }), space, space)
        .map(([texts, commas, lead, tail]) => ({
          challenges,
          header: `${lead}${texts.map((t, i) => (i === 0 ? t : `${commas[i]}${t}`)).join('')}${tail}`,
        })),
    );
    fc.assert(
      fc.property(list, ({ challenges, header }) => {
        expect(parseWwwAuthenticate(header)).toEqual(challenges.map(expected));
      }),
      RUNS,
    );
  });

  it('split over several header lines, the same challenges', () => {
    fc.assert(
      fc.property(
        fc.array(challenge, { minLength: 1, maxLength: 3 }).chain((cs) => fc.tuple(...cs.map(written)).map((lines) => ({ cs, lines }))),
        ({ cs, lines }) => {
          expect(parseWwwAuthenticate(lines)).toEqual(cs.map(expected));
        },
      ),
      RUNS,
    );
  });
});
