/**
 * The shape check of the options: one zod schema, run once in the constructor, and the issues it finds
 * written as messages that name the option, what was expected and (for non-secrets) what was given.
 *
 * zod's "mini" build, whose functions tree-shake: the package bundles only the validators used here
 * (about a tenth of zod) instead of loading all of zod at import. It loads no locale by itself, so every
 * parse passes zod's English messages, the same ones full zod prints.
 * @module
 */
import type { KeyObject } from 'node:crypto';
import type { Dispatcher } from 'undici';
import * as z from 'zod/mini';
import type { $ZodIssue } from 'zod/v4/core';
import english from 'zod/v4/locales/en.js';
import type { PrivateKeyInput } from './credentials.js';
import type { DpopOption } from './dpop.js';
import { SECRET_GRANT_OPTIONS, TOKEN_TYPES } from './options-grants.js';
import type { TokenStore } from './store.js';


/** `scheme://user:pass@host` → `scheme://[user info]@host`, for echoing a string that is not a valid URL. */
export function hideUserInfo(text: string): string {
  return text.replace(/^([^/?#]*\/\/)?[^/?#@]*@/, '$1[user info]@');
}

/**
 * Why a URL with user info (`https://user:pass@host/token`) is refused, or `undefined`. fetch() refuses
 * such URLs (and its error quoted the password); credentials belong in `clientId`/`clientSecret`.
 * The message never repeats the user info.
 */
export function userInfoProblem(url: URL): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  return `must not contain user info (user:password@); pass credentials as \`clientId\`/\`clientSecret\` or \`username\`/\`password\`, got ${JSON.stringify(`${url.protocol}//[user info]@${url.host}${url.pathname}`)}`;
}

/** An issue raised inside a transform; it returns `z.NEVER`. */
function fail(ctx: { issues: unknown[] }, input: unknown, message: string): never {
  ctx.issues.push({ code: 'custom', message, input });
  return z.NEVER;
}

/** An absolute URI (`urn:…`, `https://…`): an extension grant's name, a token type's. */
const ABSOLUTE_URI = /^[a-z][a-z\d+.-]*:\S+$/i;

/** The largest delay a Node timer takes (2^31-1 ms, about 24.8 days); a longer one fires after 1 ms. */
export const MAX_INT32 = 2_147_483_647;

/** Built by the first parse, not at import (it is ~50 zod objects): every process start pays for the import. */
function buildSchema() {
  const urlInput = z.union([z.string(), z.instanceof(URL)]);

  const httpUrl = z.pipe(
    urlInput,
    z.transform((value, ctx): URL => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return fail(ctx, value, `must be an absolute http(s) URL, got ${JSON.stringify(hideUserInfo(String(value)))}`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(ctx, value, `must use http: or https:, got ${JSON.stringify(url.protocol)}`);
      const userInfo = userInfoProblem(url);
      return userInfo === undefined ? url : fail(ctx, value, userInfo);
    }),
  );

  /** A proxy URL may carry credentials (`http://user:pass@proxy:3128`): they are secrets, never echoed. */
  const proxyUrl = z.pipe(
    z.union([z.literal(false), z.string(), z.instanceof(URL)]),
    z.transform((value, ctx): URL | false => {
      if (value === false) return false;
      const url = URL.canParse(String(value)) ? new URL(String(value)) : undefined;
      if (url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:')) return url;
      return fail(ctx, value, `must be an http(s) proxy URL or false, got ${JSON.stringify(hideUserInfo(String(value)))}`);
    }),
  );

  const atMostInt32 = z.maximum(MAX_INT32, { message: `must be at most ${MAX_INT32} (2^31-1, about 24.8 days in milliseconds)` });

  const nonEmpty = z.string().check(z.minLength(1, { message: 'must not be empty' }));
  const pem = z.union([nonEmpty, z.instanceof(Buffer)]);
  const positiveMs = z.number().check(z.int(), z.positive(), atMostInt32);
  // A size, not a time: its messages speak of bytes.
  const wholeBytes = { message: 'must be a positive whole number of bytes' };
  const positiveBytes = z.number().check(z.int(wholeBytes), z.positive(wholeBytes), z.maximum(MAX_INT32, { message: `must be at most ${MAX_INT32} bytes (2^31-1, 2 GiB)` }));
  const msOrZero = z.number().check(z.int(), z.minimum(0), atMostInt32);
  const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: 'must be a function' });
  const optional = z.optional;

  /** The enterprise options' fields (`options-enterprise.ts`); `issuer` is with the URLs below. */
  const enterpriseFields = {
    privateKey: optional(
      z.custom<KeyObject | string | Buffer | Record<string, unknown>>((v) => typeof v === 'string' || (typeof v === 'object' && v !== null), {
        message: 'must be a PEM string or Buffer, a JWK object or a KeyObject',
      }),
    ),
    keyId: optional(nonEmpty),
    signingAlgorithm: optional(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'HS256', 'HS384', 'HS512'])),
    signingCertificate: optional(pem),
    assertionAudience: optional(nonEmpty),
    assertionLifetime: optional(z.number().check(z.int(), z.minimum(1), z.maximum(3600))),
    clientAssertion: optional(z.custom<() => string | Promise<string>>((v) => typeof v === 'function', { message: 'must be a function' })),
    tls: optional(z.strictObject({ cert: pem, key: pem, passphrase: optional(z.string()), ca: optional(z.union([pem, z.array(pem)])) })),
    proxy: optional(proxyUrl),
  };

  /** The delegation grants' fields (`options-grants.ts`). */
  const grantValue = z.union([nonEmpty, z.custom<() => string>((v) => typeof v === 'function')], { error: 'must be a non-empty string or a function returning one' });
  const tokenType = z.string().check(
    z.refine((v) => v in TOKEN_TYPES || ABSOLUTE_URI.test(v), { message: `must be one of ${Object.keys(TOKEN_TYPES).map((k) => JSON.stringify(k)).join(', ')} or an absolute URI` }),
  );
  const grantFields = {
    subjectToken: optional(grantValue),
    subjectTokenType: optional(tokenType),
    actorToken: optional(grantValue),
    actorTokenType: optional(tokenType),
    requestedTokenType: optional(tokenType),
    assertion: optional(
      z.union(
        [
          z.custom<() => string>((v) => typeof v === 'function'),
          z.strictObject({
            privateKey: optional(z.custom<PrivateKeyInput>((v) => typeof v === 'string' || (typeof v === 'object' && v !== null), { message: 'must be a PEM string or Buffer, a JWK object or a KeyObject' })),
            keyId: optional(z.string().check(z.minLength(1))),
            signingAlgorithm: optional(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])),
            issuer: optional(z.string().check(z.minLength(1))),
            subject: optional(z.string().check(z.minLength(1))),
            claims: optional(z.record(z.string(), z.unknown())),
          }),
        ],
        { error: 'must be a function returning the assertion, or `{ privateKey?, issuer?, subject?, claims?, keyId?, signingAlgorithm? }`' },
      ),
    ),
    grantParams: optional(z.record(z.string().check(z.minLength(1)), grantValue)),
  };

  return z.strictObject({
    tokenUrl: optional(httpUrl),
    issuer: optional(httpUrl),
    clientId: optional(nonEmpty),
    clientSecret: optional(z.string()),
    grant: optional(
      z.string().check(
        z.refine((v) => ['client_credentials', 'password', 'token_exchange', 'jwt_bearer'].includes(v) || ABSOLUTE_URI.test(v), {
          message: 'must be one of "client_credentials", "password", "token_exchange", "jwt_bearer", or an extension grant\'s absolute URI',
        }),
      ),
    ),
    username: optional(nonEmpty),
    password: optional(z.string()),
    clientAuth: optional(
      z.enum(['auto', 'basic', 'body', 'none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt', 'client_secret_jwt', 'tls_client_auth', 'self_signed_tls_client_auth']),
    ),
    ...enterpriseFields,
    ...grantFields,
    basicEncoding: optional(z.enum(['form', 'none'])),
    scope: optional(z.union([z.string(), z.array(nonEmpty)])),
    params: optional(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
    bodyFormat: optional(z.enum(['form', 'json'])),
    refreshWithClientAuth: optional(z.boolean()),
    fetch: optional(fn),
    dispatcher: optional(
      z.custom<Dispatcher>((v: unknown) => typeof v === 'object' && v !== null && typeof (v as Dispatcher).dispatch === 'function', {
        message: 'must be an undici Dispatcher (Agent, ProxyAgent, ...)',
      }),
    ),
    timeout: optional(positiveMs),
    retry: optional(
      z.union([
        z.literal(false),
        z.strictObject({
          retries: optional(z.number().check(z.int(), z.minimum(0), z.maximum(20))),
          minTimeout: optional(msOrZero),
          maxTimeout: optional(msOrZero),
          maxRetryTime: optional(positiveMs),
        }),
      ]),
    ),
    refreshSkew: optional(z.number().check(z.minimum(0))),
    defaultExpiresIn: optional(z.number().check(z.positive())),
    proactive: optional(z.boolean()),
    store: optional(
      z.custom<TokenStore>((v: unknown) => typeof v === 'object' && v !== null && ['get', 'set', 'delete'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'), {
        message: 'must implement get(key), set(key, token) and delete(key)',
      }),
    ),
    maxResponseBytes: optional(positiveBytes),
    maxCachedTokens: optional(z.number().check(z.int(), z.minimum(1), z.maximum(1_000_000))),
    baseUrl: optional(httpUrl),
    allowedOrigins: optional(z.array(httpUrl)),
    isAuthFailure: optional(fn),
    logoff: optional(
      z.union([
        z.literal(false),
        z.strictObject({ style: z.literal('bearer'), url: optional(urlInput), method: optional(z.string().check(z.regex(/^[A-Za-z]+$/))) }),
        z.strictObject({ style: z.literal('revoke'), url: optional(urlInput), tokens: optional(z.array(z.enum(['refresh_token', 'access_token'])).check(z.minLength(1))) }),
      ]),
    ),
    mapError: optional(fn),
    hooks: optional(z.strictObject({ onToken: optional(fn), onError: optional(fn), onRetry: optional(fn) })),
    dpop: optional(
      z.union([z.boolean(), z.strictObject({ privateKey: z.custom<DpopOption>((v) => typeof v === 'string' || (typeof v === 'object' && v !== null), { message: 'must be a PEM string or Buffer, a JWK object or a KeyObject' }) })], {
        error: 'must be true, false or `{ privateKey }`',
      }),
    ),
  });
}

let schema: ReturnType<typeof buildSchema> | undefined;
let messages: ReturnType<typeof english>['localeError'] | undefined;

/** The options after the shape check: URLs parsed, everything else as given. */
export type ParsedOptions = z.output<ReturnType<typeof buildSchema>>;

/** Options whose values must never be echoed in an error message. */
const SECRET_OPTIONS = new Set<string>(['clientSecret', 'password', 'privateKey', 'tls', 'proxy', 'clientAssertion', 'dpop', ...SECRET_GRANT_OPTIONS]);

/**
 * Checks the shape of `input`: the parsed options, or one message per problem found (each naming the
 * option; a secret option's value is never shown).
 */
export function parseOptions(input: object): { ok: true; options: ParsedOptions } | { ok: false; problems: string[] } {
  // jitless: the schema runs once per manager, so compiling a fast path for it would only cost time.
  schema ??= buildSchema();
  // zod's English messages ("expected number, received string"), as full zod prints them.
  messages ??= english().localeError;
  const parsed = schema.safeParse(input, { error: messages, jitless: true });
  if (parsed.success) return { ok: true, options: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((issue) => describeIssue(issue, input as Record<string, unknown>)) };
}

function describeIssue(issue: $ZodIssue, input: Record<string, unknown>): string {
  const path = issue.path.map(String).join('.');
  const top = String(issue.path[0] ?? '');
  if (issue.code === 'unrecognized_keys') return `unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `\`${k}\``).join(', ')}`;
  let given = '';
  if (!SECRET_OPTIONS.has(top)) {
    let value: unknown = input;
    for (const key of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key as PropertyKey];
    given = `, got ${describeValue(value)}`;
  }
  const message = issue.code === 'invalid_value' ? `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` : issue.message.replace(/^Invalid input: /, '');
  return `option \`${path}\` ${message}${message.includes(', got ') ? '' : given}`;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'object') return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
