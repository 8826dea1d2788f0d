/**
 * normalizeTokenResponse on arbitrary answers: it returns a usable token or throws a TokenwardError,
 * nothing else; and no secret, nor the answer's own tokens, reaches the error it throws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeTokenResponse, type Token, TokenwardError } from '../../src/index.js';
import { bodyOf, fields, headersFor, leaked, RUNS, secret, status, tokenFields, views } from './arbitraries.js';

const NOW = 1_700_000_000_000;

/** An answer: a status, headers and a body built from some fields (or not a body of fields at all). */
const answer = (f: fc.Arbitrary<Record<string, unknown>>) =>
  fc.tuple(status, f).chain(([s, fs]) => bodyOf(fs).chain(({ body, type }) => headersFor(type).map((headers) => ({ status: s, headers, body }))));

function outcome(run: () => Token): { token?: Token; error?: unknown } {
  try {
    return { token: run() };
  } catch (error) {
    return { error };
  }
}

describe('normalizeTokenResponse (properties)', () => {
  it('returns a token with an access token and a finite expiry at or after now, or throws a TokenwardError', () => {
    fc.assert(
      fc.property(
        fc.oneof(answer(fields), answer(tokenFields)),
        fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
        (res, defaultExpiresIn) => {
          const { token, error } = outcome(() => normalizeTokenResponse(res, { now: NOW, ...(defaultExpiresIn !== undefined ? { defaultExpiresIn } : {}) }));
          if (error !== undefined) {
            expect(error).toBeInstanceOf(TokenwardError);
            return;
          }
          expect(typeof token!.accessToken).toBe('string');
          expect(token!.accessToken).not.toBe('');
          expect(token!.tokenType).toBe('Bearer');
          expect(Number.isFinite(token!.expiresAt)).toBe(true);
          // A lifetime under a second is unknown, never "already expired".
          expect(token!.expiresAt).toBeGreaterThanOrEqual(NOW + 1000);
          expect(token!.receivedAt).toBe(NOW);
          expect(res.status).toBeGreaterThanOrEqual(200);
          expect(res.status).toBeLessThan(300);
        },
      ),
      RUNS,
    );
  });

  it('no secret passed in, embedded anywhere in the answer, reaches the error', () => {
    const withSecrets = fc.tuple(fc.array(secret, { minLength: 1, maxLength: 3 }), fields).chain(([secrets, f]) =>
      fc
        .tuple(
          // Where each secret goes: a value of any field (error_description, Message, a token field, ...), or a field name.
          fc.array(
            fc.tuple(
              fc.constantFrom('error', 'error_description', 'error_uri', 'Message', 'message', 'access_token', 'refresh_token', 'note', 'token_type', 'as-key'),
              fc.nat(secrets.length - 1),
            ),
            { minLength: 1, maxLength: 4 },
          ),
          fc.boolean(),
        )
        .chain(([places, withError]) => {
          const body: Record<string, unknown> = { ...f };
          for (const [where, i] of places) {
            const value = `before ${secrets[i]!} after`;
            if (where === 'as-key') body[secrets[i]!] = 'x';
            else body[where] = value;
          }
          if (withError && typeof body.error !== 'string') body.error = 'invalid_grant';
          return answer(fc.constant(body)).map((res) => ({ res, secrets }));
        }),
    );
    fc.assert(
      fc.property(withSecrets, ({ res, secrets }) => {
        const { error } = outcome(() => normalizeTokenResponse(res, { now: NOW, secrets }));
        if (error === undefined) return;
        expect(error).toBeInstanceOf(TokenwardError);
        expect(leaked(views(error), secrets)).toEqual([]);
      }),
      RUNS,
    );
  });

  it("a 2xx answer's own tokens never reach the error it causes, even without being named as secrets", () => {
    const token = fc.string({ minLength: 6, maxLength: 40 }).map((s) => `Tk${s}`);
    const withTokens = fc
      .tuple(token, token, token, fields, lifetimeOrBad(), fc.constantFrom('bearer', 'MAC', 'N_A', ''), fc.boolean())
      .chain(([at, rt, idt, f, expiresIn, type, echo]) => {
        const body: Record<string, unknown> = { ...f, access_token: at, refresh_token: rt, id_token: idt, expires_in: expiresIn, token_type: type };
        // Some servers echo a token into another field; on a 200 with an error field, that is the error.
        if (echo) Object.assign(body, { error: `bad ${at}`, error_description: `rt ${rt} idt ${idt}` });
        return answer(fc.constant(body))
          .filter((res) => res.status >= 200 && res.status < 300)
          .map((res) => ({ res, tokens: [at, rt, idt] }));
      });
    fc.assert(
      fc.property(withTokens, ({ res, tokens }) => {
        const { error } = outcome(() => normalizeTokenResponse(res, { now: NOW }));
        if (error === undefined) return;
        expect(error).toBeInstanceOf(TokenwardError);
        expect(leaked(views(error), tokens)).toEqual([]);
      }),
      RUNS,
    );
  });
});

function lifetimeOrBad(): fc.Arbitrary<unknown> {
  return fc.constantFrom(3600, '3599', 0, -5, 'soon', null);
}
