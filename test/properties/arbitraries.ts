/**
 * Shared generators for the property tests: token-endpoint answers in every shape a server (or a
 * proxy, or a broken server) sends, secrets with the characters that need escaping, and every way an
 * error is looked at. Every property runs a few hundred cases with a fixed seed, so a failure
 * reproduces and the suite stays fast.
 */
import { inspect } from 'node:util';
import fc from 'fast-check';

/** Runs and seed for every property: modest, and the same on every run. */
export const RUNS = { numRuns: 300, seed: 20_240_917 } as const;

/** Field names real servers use, plus arbitrary ones. */
export const fieldName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'access_token',
    'token_type',
    'expires_in',
    'refresh_token',
    'refresh_expires_in',
    'scope',
    'id_token',
    'error',
    'error_description',
    'error_uri',
    'status',
    'result',
    'Message',
    'message',
    'not-before-policy',
    'session_state',
  ),
  fc.string({ maxLength: 12 }),
);

/** Lifetimes as servers send them: numbers, numeric strings, junk. */
export const lifetime: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -10, max: 100_000 }),
  fc.double({ noNaN: false }),
  fc.integer({ min: -5, max: 100_000 }).map(String),
  fc.constantFrom('3599', ' 899 ', '1800.0', '0', '-5', 'abc', '1e3', '', '0.5'),
  fc.constant(null),
  fc.boolean(),
);

/** Any JSON-compatible field value, with the interesting ones more likely. */
export const fieldValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: lifetime },
  { weight: 1, arbitrary: fc.constantFrom('bearer', 'Bearer', 'DPoP', 'MAC', 'N_A', 'error', 'invalid_grant') },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

/** A JSON object of token-answer fields. */
export const fields: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(fieldName, fieldValue, { maxKeys: 8 });

/** A plausible token answer: an access token always there, other fields arbitrary. */
export const tokenFields: fc.Arbitrary<Record<string, unknown>> = fc
  .record(
    {
      access_token: fc.oneof(fc.string({ minLength: 1, maxLength: 60 }), fc.constant('')),
      expires_in: lifetime,
      token_type: fc.oneof(fc.constantFrom('bearer', 'Bearer', 'BEARER', 'dpop', 'mac'), fc.string()),
    },
    { requiredKeys: ['access_token'] },
  )
  .chain((base) => fields.map((extra) => ({ ...extra, ...base })));

/** `text` with a comma before its last `}` (Bright Pattern's and Veeam's samples). */
function trailingComma(text: string): string {
  const i = text.lastIndexOf('}');
  return i > 1 ? `${text.slice(0, i)},${text.slice(i)}` : text;
}

/** An XML element name from a field name, or `undefined` when it cannot be one. */
function xmlName(name: string): string | undefined {
  return /^[A-Za-z_][\w.-]{0,40}$/.test(name) ? name : undefined;
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The body of an answer carrying `f`, serialised as a server might, or something that is no such body. */
export function bodyOf(f: Record<string, unknown>): fc.Arbitrary<{ body: string; type: string | undefined }> {
  const json = JSON.stringify(f);
  const flat = Object.entries(f).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')]);
  const xml = `<r>${flat.map(([k, v]) => (xmlName(k) ? `<${k}>${xmlEscape(v)}</${k}>` : '')).join('')}</r>`;
  return fc.oneof(
    fc.constant({ body: json, type: 'application/json' }),
    fc.constant({ body: trailingComma(json), type: 'application/json; charset=utf-8' }),
    fc.constant({ body: `\uFEFF${json}`, type: 'text/plain' }),
    fc.constant({ body: json, type: undefined }),
    fc.constant({ body: json, type: 'text/html' }),
    fc.constant({ body: new URLSearchParams(flat).toString(), type: 'application/x-www-form-urlencoded' }),
    fc.constant({ body: xml, type: 'application/xml' }),
    fc.string({ maxLength: 200 }).map((body) => ({ body, type: 'text/plain' })),
    fc.string({ maxLength: 200 }).map((body) => ({ body: `<html><head><title>${body}</title></head><body>${json}</body></html>`, type: 'text/html' })),
    fc.constant({ body: json.slice(0, Math.floor(json.length / 2)), type: 'application/json' }),
    fc.constant({ body: '', type: undefined }),
  );
}

/** HTTP statuses, the common ones more likely. */
export const status: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(200, 201, 204, 400, 401, 403, 404, 408, 429, 500, 502, 503),
  fc.integer({ min: 100, max: 599 }),
);

/** Response headers: a content type (or none, or junk) and sometimes a Retry-After. */
export function headersFor(type: string | undefined): fc.Arbitrary<Record<string, string | undefined>> {
  return fc.record({
    'content-type': fc.oneof(fc.constant(type), fc.string({ maxLength: 20 })),
    'retry-after': fc.option(fc.oneof(fc.nat().map(String), fc.string({ maxLength: 30 })), { nil: undefined }),
  });
}

/**
 * A secret: a fixed prefix no message contains, then characters that need escaping in URLs, forms and
 * JSON (quotes, backslashes, `%`, `+`, `&`, `=`, spaces, non-ASCII), so every spelling is exercised.
 */
export const secret: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.constantFrom('"', '\\', '%', '+', '&', '=', ' ', ':', '/', 'é', '€', '😀', '<', '>'),
      fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 3 }),
    ),
    { minLength: 6, maxLength: 16 },
  )
  .map((parts) => `Zq${parts.join('')}`);

/** Every spelling a secret can take on its way into an error. */
export function spellings(value: string): string[] {
  return [...new Set([value, encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2), JSON.stringify(value).slice(1, -1)])];
}

/** Everything one can look at on an error: message, JSON, inspect output, fields, cause and attempts. */
export function views(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const parts = [err.message, JSON.stringify(err), inspect(err, { depth: 10 })];
  for (const value of Object.values(err)) if (typeof value === 'string') parts.push(value);
  return parts.join('\n');
}

/** The spellings of `values` found in `text`. */
export function leaked(text: string, values: readonly string[]): string[] {
  return values.flatMap((v) => spellings(v).filter((s) => text.includes(s)));
}
