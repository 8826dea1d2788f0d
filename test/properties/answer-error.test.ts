/**
 * answerError (token, logoff and revocation answers alike) on arbitrary answers: an error for every
 * non-2xx and every 2xx that is not a body of fields, `undefined` only for a 2xx with fields to read,
 * never a throw, and no secret in what it returns.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenwardError } from '../../src/index.js';
import { answerError, header } from '../../src/normalize.js';
import { parseBody } from '../../src/parse-body.js';
import { bodyOf, fields, headersFor, leaked, RUNS, secret, status, views } from './arbitraries.js';

const answer = fc
  .tuple(status, fields)
  .chain(([s, f]) => bodyOf(f).chain(({ body, type }) => headersFor(type).map((headers) => ({ status: s, headers, body }))));

describe('answerError (properties)', () => {
  it('never throws; an error for every answer but a 2xx with fields and no error field', () => {
    fc.assert(
      fc.property(answer, (res) => {
        const parsed = parseBody(res.body, header(res.headers, 'content-type'));
        const err = answerError(res, parsed);
        const success = res.status >= 200 && res.status < 300;
        if (err === undefined) {
          expect(success).toBe(true);
          expect(parsed.fields).toBeDefined();
          return;
        }
        expect(err).toBeInstanceOf(TokenwardError);
        expect(err.status).toBe(res.status);
        if (err.retryAfter !== undefined) expect(Number.isFinite(err.retryAfter) && err.retryAfter >= 0).toBe(true);
        expect((err.bodyExcerpt ?? '').length).toBeLessThanOrEqual(201);
      }),
      RUNS,
    );
  });

  it('no secret echoed anywhere in the body reaches the error, in any spelling', () => {
    const echoed = fc
      .tuple(fc.array(secret, { minLength: 1, maxLength: 3 }), status, fields, fc.nat(), fc.constantFrom('raw', 'uri', 'form', 'json'))
      .chain(([secrets, s, f, pick, spelling]) => {
        const value = secrets[pick % secrets.length]!;
        const spelled =
          spelling === 'raw'
            ? value
            : spelling === 'uri'
              ? encodeURIComponent(value)
              : spelling === 'form'
                ? new URLSearchParams({ v: value }).toString().slice(2)
                : JSON.stringify(value).slice(1, -1);
        const body = {
          ...f,
          error: pick % 2 ? `e ${value}` : 'invalid_request',
          error_description: `echo ${spelled} echo`,
          Message: spelled,
          [`k${spelled}`]: spelled,
        };
        return bodyOf(body).chain(({ body: text, type }) =>
          fc
            .oneof(fc.constant(text), fc.constant(`${text} ${spelled}`), fc.constant(`${' '.repeat(4_090)}${spelled}`))
            .chain((b) => headersFor(type).map((headers) => ({ res: { status: s, headers, body: b }, secrets }))),
        );
      });
    fc.assert(
      fc.property(echoed, ({ res, secrets }) => {
        const err = answerError(res, parseBody(res.body, header(res.headers, 'content-type')), secrets);
        if (err === undefined) return;
        expect(leaked(views(err), secrets)).toEqual([]);
      }),
      RUNS,
    );
  });
});
