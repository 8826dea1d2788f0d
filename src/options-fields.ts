/**
 * The zod schema of each option, built when an options object first holds that option and kept for
 * the process. A manager built with `{ tokenUrl, clientId, clientSecret }` builds four schemas, not
 * the ~80 objects of every option: each zod/mini schema costs ~0.1-0.2 ms to construct and the first
 * of each kind ~0.5 ms more (V8 compiling zod's code on first use), which made the first
 * `new TokenManager()` of a process cost ~16 ms of CPU when the whole schema was built at once.
 * @module
 */
import type { KeyObject } from 'node:crypto';
import type { Dispatcher } from 'undici';
import * as z from 'zod/mini';
import type { PrivateKeyInput } from './credentials.js';
import type { DpopOption } from './dpop.js';
import { TOKEN_TYPES } from './options-grants.js';
import type { TokenStore } from './store.js';

/** `scheme://user:pass@host` → `scheme://[user info]@host`, for echoing a string that is not a valid URL. */
export function hideUserInfo(text: string): string {
  // Up to the last `@` of the authority: a password may itself hold `/`, `?`, `#` or `@` (unencoded,
  // so the URL does not even parse), and must not be echoed either way.
  const start = /^[a-z][a-z\d+.-]*:\/\//i.exec(text)?.[0].length ?? 0;
  const at = text.lastIndexOf('@');
  return at < start ? text : `${text.slice(0, start)}[user info]${text.slice(at)}`;
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

/** The largest delay a Node timer takes (2^31-1 ms, about 24.8 days); a longer one fires after 1 ms. */
export const MAX_INT32 = 2_147_483_647;

/** An absolute URI (`urn:…`, `https://…`): an extension grant's name, a token type's. */
const ABSOLUTE_URI = /^[a-z][a-z\d+.-]*:\S+$/i;

/** `build` run by the first call only: a schema shared by the options that use it, built when first needed. */
function once<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => (built ??= build());
}

/** An issue raised inside a transform; it returns `z.NEVER`. */
function fail(ctx: { issues: unknown[] }, input: unknown, message: string): never {
  ctx.issues.push({ code: 'custom', message, input });
  return z.NEVER;
}

const urlInput = once(() => z.union([z.string(), z.instanceof(URL)], { error: 'must be a URL (a string or a URL object)' }));

const httpUrl = once(() =>
  z.pipe(
    urlInput(),
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
  ),
);

/** A proxy URL may carry credentials (`http://user:pass@proxy:3128`): they are secrets, never echoed. */
const proxyUrl = () =>
  z.pipe(
    z.union([z.literal(false), z.string(), z.instanceof(URL)], { error: 'must be an http(s) proxy URL or false' }),
    z.transform((value, ctx): URL | false => {
      if (value === false) return false;
      const url = URL.canParse(String(value)) ? new URL(String(value)) : undefined;
      if (url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:')) return url;
      return fail(ctx, value, `must be an http(s) proxy URL or false, got ${JSON.stringify(hideUserInfo(String(value)))}`);
    }),
  );

const atMostInt32 = () => z.maximum(MAX_INT32, { message: `must be at most ${MAX_INT32} (2^31-1, about 24.8 days in milliseconds)` });
const nonEmpty = once(() => z.string().check(z.minLength(1, { message: 'must not be empty' })));
const pem = once(() => z.union([nonEmpty(), z.instanceof(Buffer)], { error: 'must be a PEM string or a Buffer' }));
/** A CA certificate: PEM text holding a certificate block, or a Buffer (PEM or DER); parsed later (TlsCredentials). */
const caCert = once(() => z.custom<string | Buffer>((v) => Buffer.isBuffer(v) || (typeof v === 'string' && v.includes('-----BEGIN CERTIFICATE-----'))));
const positiveMs = once(() => z.number().check(z.int(), z.positive(), atMostInt32()));
const msOrZero = once(() => z.number().check(z.int(), z.minimum(0), atMostInt32()));
const fn = once(() => z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: 'must be a function' }));
const isKey = (v: unknown) => typeof v === 'string' || (typeof v === 'object' && v !== null);
const keyMessage = { message: 'must be a PEM string or Buffer, a JWK object or a KeyObject' };
const stringOrFn = once(() =>
  z.union([nonEmpty(), z.custom<() => string>((v) => typeof v === 'function')], { error: 'must be a non-empty string or a function returning one' }),
);
const tokenType = once(() =>
  z.string().check(
    z.refine((v) => v in TOKEN_TYPES || ABSOLUTE_URI.test(v), {
      message: `must be one of ${Object.keys(TOKEN_TYPES)
        .map((k) => JSON.stringify(k))
        .join(', ')} or an absolute URI`,
    }),
  ),
);
const optional = z.optional;

/**
 * How to build the schema of each option, in the order their problems are reported. `undefined` is
 * never parsed (every option is optional), so these schemas need not accept it.
 */
export const FIELDS = {
  tokenUrl: httpUrl,
  issuer: httpUrl,
  clientId: nonEmpty,
  clientSecret: () => z.string(),
  grant: () =>
    z.string().check(
      z.refine((v) => ['client_credentials', 'password', 'token_exchange', 'jwt_bearer'].includes(v) || ABSOLUTE_URI.test(v), {
        message: 'must be one of "client_credentials", "password", "token_exchange", "jwt_bearer", or an extension grant\'s absolute URI',
      }),
    ),
  username: nonEmpty,
  password: () => z.string(),
  clientAuth: () =>
    z.enum([
      'auto',
      'basic',
      'body',
      'none',
      'client_secret_basic',
      'client_secret_post',
      'private_key_jwt',
      'client_secret_jwt',
      'tls_client_auth',
      'self_signed_tls_client_auth',
    ]),
  // The enterprise options (options-enterprise.ts); `issuer` is with the URLs above.
  privateKey: () => z.custom<KeyObject | string | Buffer | Record<string, unknown>>(isKey, keyMessage),
  keyId: nonEmpty,
  signingAlgorithm: () => z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'HS256', 'HS384', 'HS512']),
  signingCertificate: pem,
  assertionAudience: nonEmpty,
  assertionLifetime: () => z.number().check(z.int(), z.minimum(1), z.maximum(3600)),
  clientAssertion: fn,
  tls: () =>
    z.strictObject({
      cert: optional(pem()),
      key: optional(pem()),
      passphrase: optional(z.string()),
      ca: optional(
        z.union([caCert(), z.array(caCert()).check(z.minLength(1))], {
          error: 'must be a PEM certificate (-----BEGIN CERTIFICATE-----) or a Buffer, or a non-empty array of them',
        }),
      ),
    }),
  proxy: proxyUrl,
  // The delegation grants' options (options-grants.ts).
  subjectToken: stringOrFn,
  subjectTokenType: tokenType,
  actorToken: stringOrFn,
  actorTokenType: tokenType,
  requestedTokenType: tokenType,
  assertion: () =>
    z.union(
      [
        z.custom<() => string>((v) => typeof v === 'function'),
        z.strictObject({
          privateKey: optional(z.custom<PrivateKeyInput>(isKey, keyMessage)),
          keyId: optional(z.string().check(z.minLength(1))),
          signingAlgorithm: optional(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])),
          issuer: optional(z.string().check(z.minLength(1))),
          subject: optional(z.string().check(z.minLength(1))),
          claims: optional(z.record(z.string(), z.unknown())),
        }),
      ],
      { error: 'must be a function returning the assertion, or `{ privateKey?, issuer?, subject?, claims?, keyId?, signingAlgorithm? }`' },
    ),
  grantParams: () => z.record(z.string().check(z.minLength(1)), stringOrFn()),
  basicEncoding: () => z.enum(['form', 'none']),
  scope: () => z.union([z.string(), z.array(nonEmpty())], { error: 'must be a string or an array of strings' }),
  params: () => z.record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: 'must be a string, a number or a boolean' })),
  bodyFormat: () => z.enum(['form', 'json']),
  refreshWithClientAuth: () => z.boolean(),
  fetch: fn,
  dispatcher: () =>
    z.custom<Dispatcher>((v: unknown) => typeof v === 'object' && v !== null && typeof (v as Dispatcher).dispatch === 'function', {
      message: 'must be an undici Dispatcher (Agent, ProxyAgent, ...)',
    }),
  timeout: positiveMs,
  retry: () =>
    z.union(
      [
        z.literal(false),
        z.strictObject({
          retries: optional(z.number().check(z.int(), z.minimum(0), z.maximum(20))),
          minTimeout: optional(msOrZero()),
          maxTimeout: optional(msOrZero()),
          maxRetryTime: optional(positiveMs()),
        }),
      ],
      { error: 'must be false or an object' },
    ),
  refreshSkew: () => z.number().check(z.minimum(0)),
  defaultExpiresIn: () => z.number().check(z.positive()),
  proactive: () => z.boolean(),
  store: () =>
    z.custom<TokenStore>(
      (v: unknown) => typeof v === 'object' && v !== null && ['get', 'set', 'delete'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
      {
        message: 'must implement get(key), set(key, token) and delete(key)',
      },
    ),
  // A size, not a time: its messages speak of bytes.
  maxResponseBytes: () => {
    const bytes = { message: 'must be a positive whole number of bytes' };
    return z.number().check(z.int(bytes), z.positive(bytes), z.maximum(MAX_INT32, { message: `must be at most ${MAX_INT32} bytes (2^31-1, 2 GiB)` }));
  },
  maxCachedTokens: () => z.number().check(z.int(), z.minimum(1), z.maximum(1_000_000)),
  baseUrl: httpUrl,
  allowedOrigins: () => z.array(httpUrl()),
  isAuthFailure: fn,
  logoff: () =>
    z.union(
      [
        z.literal(false),
        z.discriminatedUnion('style', [
          z.strictObject({
            style: z.literal('bearer'),
            url: optional(urlInput()),
            method: optional(z.string().check(z.regex(/^[A-Za-z]+$/, { message: 'must be an HTTP method (letters only)' }))),
          }),
          z.strictObject({
            style: z.literal('revoke'),
            url: optional(urlInput()),
            tokens: optional(z.array(z.enum(['refresh_token', 'access_token'])).check(z.minLength(1))),
          }),
        ]),
      ],
      { error: 'must be false, or an object whose `style` is "bearer" or "revoke"' },
    ),
  mapError: fn,
  hooks: () => z.strictObject({ onToken: optional(fn()), onError: optional(fn()), onRetry: optional(fn()) }),
  dpop: () =>
    z.union([z.boolean(), z.strictObject({ privateKey: z.custom<DpopOption>(isKey, keyMessage) })], {
      error: 'must be true, false or `{ privateKey }`',
    }),
};

/** An option's name. */
export type OptionName = keyof typeof FIELDS;

/** The options after the shape check: URLs parsed, everything else as given. */
export type ParsedOptions = { [K in OptionName]?: z.output<ReturnType<(typeof FIELDS)[K]>> };

const built = new Map<OptionName, z.ZodMiniType>();

/** The schema of one option, built by its first use in the process. */
export function fieldSchema(name: OptionName): z.ZodMiniType {
  let schema = built.get(name);
  if (schema === undefined) built.set(name, (schema = FIELDS[name]()));
  return schema;
}
