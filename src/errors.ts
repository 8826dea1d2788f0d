/**
 * One error class, a stable `code` from {@link ErrorCode}, and nothing secret in any enumerable field.
 *
 * Every failure tokenward reports is a {@link TokenwardError} (or one of its thin subclasses, which
 * exist so `instanceof` reads well). Messages read like
 * `tokenward: token endpoint answered 400 invalid_grant: "Credentials or token is invalid or expired"`.
 * @module
 */

/**
 * Stable error codes. Match on `err.code`, never on the message.
 *
 * @example
 * ```ts
 * import { ErrorCode, isTokenwardError } from 'tokenward';
 *
 * try {
 *   await tm.getToken();
 * } catch (err) {
 *   if (isTokenwardError(err, ErrorCode.NO_LICENCE)) log.warn('every Jim2 licence is taken; try later');
 *   else throw err;
 * }
 * ```
 */
export const ErrorCode = {
  /** An option passed to the constructor is wrong (thrown synchronously). */
  CONFIG: 'ERR_TOKENWARD_CONFIG',
  /** The server sent an OAuth error body (RFC 6749 §5.2, or InfoLink's `{result:{code}}` envelope). */
  OAUTH: 'ERR_TOKENWARD_OAUTH',
  /** Jim2Server refused the token because no user licence was free. Never retried. */
  NO_LICENCE: 'ERR_TOKENWARD_NO_LICENCE',
  /** The answer was not a usable token response: HTML error page, empty body, unknown format. */
  RESPONSE: 'ERR_TOKENWARD_RESPONSE',
  /** A 2xx answer that is not a valid token: no access token, a negative or non-numeric lifetime. */
  INVALID_TOKEN_RESPONSE: 'ERR_TOKENWARD_INVALID_TOKEN_RESPONSE',
  /**
   * A 2xx token answer whose `token_type` tokenward cannot send (RFC 6749 §7.1): anything but Bearer,
   * unless accepted explicitly (DPoP, once enabled). Sending it as Bearer would make every call fail.
   */
  UNSUPPORTED_TOKEN_TYPE: 'ERR_TOKENWARD_UNSUPPORTED_TOKEN_TYPE',
  /** The answer was larger than `maxResponseBytes`. */
  RESPONSE_TOO_LARGE: 'ERR_TOKENWARD_RESPONSE_TOO_LARGE',
  /** The connection failed (DNS, refused, reset, TLS). */
  NETWORK: 'ERR_TOKENWARD_NETWORK',
  /** A token request took longer than `timeout`. */
  TIMEOUT: 'ERR_TOKENWARD_TIMEOUT',
  /** The caller's `AbortSignal` fired. */
  ABORTED: 'ERR_TOKENWARD_ABORTED',
  /** `tm.fetch` was asked to send the token to an origin that is not allowed. */
  ORIGIN_NOT_ALLOWED: 'ERR_TOKENWARD_ORIGIN_NOT_ALLOWED',
  /** The server did not release the session on `logoff()` (local state is cleared regardless). */
  LOGOFF: 'ERR_TOKENWARD_LOGOFF',
  /** The token store failed; tokenward carried on without it. Reported through events, never thrown to callers. */
  STORE: 'ERR_TOKENWARD_STORE',
  /** A function passed in the options (`mapError`, `isAuthFailure`, ...) threw; `cause` holds what it threw. */
  CALLBACK: 'ERR_TOKENWARD_CALLBACK',
  /** The issuer's metadata could not be fetched or is unusable (wrong `issuer`, no `token_endpoint`). Names the URL. */
  DISCOVERY: 'ERR_TOKENWARD_DISCOVERY',
  /** Client authentication could not be prepared or was refused below HTTP: an assertion that could not be signed or made, a client certificate the server refused in the TLS handshake. */
  CLIENT_AUTH: 'ERR_TOKENWARD_CLIENT_AUTH',
  /** The proxy refused the request or the CONNECT tunnel (403, 407 Proxy Authentication Required, ...). Not retried. */
  PROXY: 'ERR_TOKENWARD_PROXY',
  /**
   * A grant's own input could not be made: a `subjectToken`, `actorToken`, `assertion` or `grantParams`
   * function returned no usable value, or the grant's assertion could not be signed. Not retried.
   */
  GRANT: 'ERR_TOKENWARD_GRANT',
} as const;

/**
 * One of the {@link ErrorCode} values.
 *
 * @example
 * ```ts
 * import { ErrorCode } from 'tokenward';
 *
 * const retryable: ReadonlySet<ErrorCode> = new Set([ErrorCode.NETWORK, ErrorCode.TIMEOUT]);
 * ```
 */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * The brand on tokenward's error classes, shared by every copy of the package in a process: an app
 * (or its dependencies) can load both the ESM and the CommonJS build, or two versions, and each copy
 * has its own classes. Each class's prototype holds its own name under this key (non-enumerable), so
 * `isTokenwardError` and `instanceof` recognise an error from any copy.
 */
const BRAND: unique symbol = Symbol.for('tokenward.error') as never;

/** Marks `Class` as tokenward's error class `name`, for every copy of the package to recognise. */
function brand(Class: abstract new (...args: never[]) => Error, name: string): void {
  Object.defineProperty(Class.prototype, BRAND, { value: name });
}

/** Node's `util.inspect.custom`, by its registered name, so this module needs no `node:util` import. */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** The part of `util.inspect`'s signature the custom inspector uses. */
type Inspect = (value: unknown, options?: object) => string;

/** The fields `inspect` shows first, in order; `attempts` and `cause` follow, each its own way. */
const FIELDS = ['code', 'status', 'error', 'errorDescription', 'errorUri', 'bodyExcerpt', 'retryAfter'] as const;

/** Whether `value` is a tokenward error from any copy of the package. */
function branded(value: unknown): value is TokenwardError {
  return typeof value === 'object' && value !== null && typeof (value as { [BRAND]?: unknown })[BRAND] === 'string';
}

/**
 * Fields an error may carry besides its message. All of them are safe to log. The third argument of
 * the {@link TokenwardError} constructor, for a `mapError` hook or a test double that builds its own.
 *
 * @example
 * ```ts
 * import { ErrorCode, TokenwardError, type TokenwardErrorDetails } from 'tokenward';
 *
 * const details: TokenwardErrorDetails = { status: 400, error: 'invalid_grant', errorDescription: 'refresh token expired' };
 * const err = new TokenwardError(ErrorCode.OAUTH, 'token endpoint answered 400 invalid_grant', details);
 * ```
 */
export interface TokenwardErrorDetails {
  /** HTTP status of the answer that caused the error, if there was one. */
  status?: number;
  /** OAuth `error` code (`invalid_grant`, `invalid_client`, ...) or InfoLink's `result.code`. */
  error?: string;
  /** OAuth `error_description`, or InfoLink's `result.message`. */
  errorDescription?: string;
  /** OAuth `error_uri`. */
  errorUri?: string;
  /** The first bytes of the answer, with token-looking fields and known secrets redacted. */
  bodyExcerpt?: string;
  /** Seconds the server asked us to wait (`Retry-After`), when it said. */
  retryAfter?: number;
  /** For client-auth probing: the answers to each try, oldest first. */
  attempts?: readonly TokenwardError[];
  /** The underlying error. Its message is kept; secrets never reach it. */
  cause?: unknown;
  /** The raw answer. Kept non-enumerable so it never appears when the error is logged or serialised. */
  response?: Response;
}

/**
 * The error tokenward throws. `code` is stable; `status`, `error` and `errorDescription` are set when a
 * server answered. `response` (when set) is non-enumerable.
 *
 * @example
 * ```ts
 * import { ErrorCode, TokenwardError } from 'tokenward';
 *
 * try { await tm.getToken(); }
 * catch (err) {
 *   if (err instanceof TokenwardError && err.code === ErrorCode.OAUTH && err.error === 'invalid_client') {
 *     // wrong credentials: page a human, retrying will not help
 *   }
 * }
 * ```
 */
export class TokenwardError extends Error {
  /** The class's name, which `console.error` and stack traces start with. */
  override name = 'TokenwardError';
  /** Stable machine-readable code from {@link ErrorCode}. */
  readonly code: ErrorCode;
  /** HTTP status of the answer, when there was one. */
  declare readonly status?: number;
  /** OAuth `error` code, when the server sent one. */
  declare readonly error?: string;
  /** OAuth `error_description`, when the server sent one. */
  declare readonly errorDescription?: string;
  /** OAuth `error_uri`, when the server sent one. */
  declare readonly errorUri?: string;
  /** A short, redacted excerpt of the answer body. */
  declare readonly bodyExcerpt?: string;
  /** Seconds the server asked us to wait before retrying. */
  declare readonly retryAfter?: number;
  /** For client-auth probing: each try's error. */
  declare readonly attempts?: readonly TokenwardError[];
  /** The raw `Response` (non-enumerable), when there was one. */
  declare readonly response?: Response;

  // `declare` above: ES2022 class fields would otherwise define every optional field as an own,
  // enumerable `undefined`, cluttering logs and inspect output.
  constructor(code: ErrorCode, message: string, details: TokenwardErrorDetails = {}) {
    super(message.startsWith('tokenward: ') ? message : `tokenward: ${message}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    // Assign only what is present so serialised errors stay short and readable.
    if (details.status !== undefined) this.status = details.status;
    if (details.error !== undefined) this.error = details.error;
    if (details.errorDescription !== undefined) this.errorDescription = details.errorDescription;
    if (details.errorUri !== undefined) this.errorUri = details.errorUri;
    if (details.bodyExcerpt !== undefined) this.bodyExcerpt = details.bodyExcerpt;
    if (details.retryAfter !== undefined) this.retryAfter = details.retryAfter;
    if (details.attempts !== undefined) this.attempts = details.attempts;
    if (details.response !== undefined) Object.defineProperty(this, 'response', { value: details.response, enumerable: false });
  }

  /**
   * `err instanceof TokenwardError` (or `OAuthError`, ...) is also true for an error from another copy
   * of tokenward in the process (its ESM and CommonJS builds, two versions), matched by the brand of
   * each class along the error's prototype chain. A subclass of your own keeps the plain rule.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const kind = Object.hasOwn(this.prototype, BRAND) ? (this.prototype as unknown as { [BRAND]: string })[BRAND] : undefined;
    if (kind === undefined || !branded(value)) return false;
    for (let proto: object | null = Object.getPrototypeOf(value); proto !== null; proto = Object.getPrototypeOf(proto)) {
      if (Object.hasOwn(proto, BRAND) && (proto as { [BRAND]: string })[BRAND] === kind) return true;
    }
    return false;
  }

  /**
   * What `console.error(err)` and `util.inspect(err)` print: the message and this error's stack, then
   * its fields, then each of `attempts` once, numbered, on a line of its own without its stack, and
   * `cause` on one line unless it is one of the attempts. Node's default printed every attempt's stack
   * and the cause's again: about 60 lines with three stack traces for one wrong secret.
   */
  /** @internal Node's `util.inspect.custom` hook; not called directly. */
  [INSPECT](depth: number, options: { depth?: number | null }, inspect: Inspect): string {
    if (depth < 0) return `[${this.name}: ${this.message}]`;
    const compact = { ...options, breakLength: Infinity, compact: true };
    const lines = [this.stack ?? `${this.name}: ${this.message}`];
    for (const key of FIELDS) if (this[key] !== undefined) lines.push(`  ${key}: ${inspect(this[key], compact)}`);
    if (this.attempts !== undefined && this.attempts.length > 0) {
      lines.push('  attempts:');
      for (const [i, attempt] of this.attempts.entries()) lines.push(`    ${i + 1}. ${oneLine(attempt, compact, inspect)}`);
    }
    if (this.cause !== undefined && !this.attempts?.includes(this.cause as TokenwardError)) lines.push(`  cause: ${oneLine(this.cause, compact, inspect)}`);
    return lines.join('\n');
  }

  /** Plain-object form for structured logs (JSON.stringify uses it). Carries no secrets. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    for (const key of ['status', 'error', 'errorDescription', 'errorUri', 'bodyExcerpt', 'retryAfter', 'attempts'] as const) {
      if (this[key] !== undefined) out[key] = this[key];
    }
    if (this.cause !== undefined) out.cause = this.cause instanceof Error ? { name: this.cause.name, message: this.cause.message } : String(this.cause);
    return out;
  }
}

/**
 * The server answered with an OAuth error body (RFC 6749 §5.2 or InfoLink's envelope).
 *
 * @example
 * ```ts
 * import { OAuthError } from 'tokenward';
 *
 * try {
 *   await tm.getToken();
 * } catch (err) {
 *   if (err instanceof OAuthError && err.error === 'invalid_client') log.error('check TOKENWARD_CLIENT_SECRET:', err.errorDescription);
 *   throw err;
 * }
 * ```
 */
export class OAuthError extends TokenwardError {
  /** Always `'OAuthError'`. */
  override name = 'OAuthError';
}

/**
 * The answer could not be used: not a token response, HTML, empty, too large, or malformed.
 *
 * @example
 * ```ts
 * import { ResponseError } from 'tokenward';
 *
 * try {
 *   await tm.getToken();
 * } catch (err) {
 *   // `bodyExcerpt` is redacted: safe to log. An HTML login page here usually means a wrong `tokenUrl`.
 *   if (err instanceof ResponseError) log.error(err.status, err.bodyExcerpt);
 *   throw err;
 * }
 * ```
 */
export class ResponseError extends TokenwardError {
  /** Always `'ResponseError'`. */
  override name = 'ResponseError';
}

/**
 * The request never got an answer: connection failure, timeout, or the caller aborted.
 *
 * @example
 * ```ts
 * import { ErrorCode, NetworkError } from 'tokenward';
 *
 * try {
 *   await tm.getToken({ signal: AbortSignal.timeout(2_000) });
 * } catch (err) {
 *   if (err instanceof NetworkError && err.code !== ErrorCode.ABORTED) log.error('identity provider unreachable:', err.message);
 *   throw err;
 * }
 * ```
 */
export class NetworkError extends TokenwardError {
  /** Always `'NetworkError'`. */
  override name = 'NetworkError';
}

/**
 * An option or argument is wrong: thrown by the `TokenManager` and `RedisTokenStore` constructors, the
 * profile helpers, and `tm.fetch` for a relative URL without `baseUrl`.
 *
 * @example
 * ```ts
 * import { ConfigError, TokenManager } from 'tokenward';
 *
 * try {
 *   new TokenManager({ tokenUrl: 'idp.example.com/token', clientId: 'svc', clientSecret });
 * } catch (err) {
 *   // "option `tokenUrl` must be an absolute http(s) URL, got "idp.example.com/token""
 *   if (err instanceof ConfigError) log.error(err.message);
 * }
 * ```
 */
export class ConfigError extends TokenwardError {
  /** Always `'ConfigError'`. */
  override name = 'ConfigError';
  constructor(message: string) {
    super(ErrorCode.CONFIG, message);
  }
}

/**
 * An error as `Name: message` plus the fields its message does not already say (for a foreign error,
 * its `code`), without a stack; anything else as `inspect` shows it.
 */
function oneLine(value: unknown, options: object, inspect: Inspect): string {
  if (!(value instanceof Error)) return inspect(value, options);
  const head = `${value.name}: ${value.message}`;
  const shown: string[] = [];
  for (const key of branded(value) ? FIELDS.filter((k) => k !== 'code') : (['code'] as const)) {
    const field = (value as unknown as Record<string, unknown>)[key];
    if (field !== undefined && !value.message.includes(String(field))) shown.push(`${key}: ${inspect(field, options)}`);
  }
  return shown.length === 0 ? head : `${head} (${shown.join(', ')})`;
}

brand(TokenwardError, 'TokenwardError');
brand(OAuthError, 'OAuthError');
brand(ResponseError, 'ResponseError');
brand(NetworkError, 'NetworkError');
brand(ConfigError, 'ConfigError');

/**
 * True when `err` is a {@link TokenwardError} with the given code. Recognises errors from every copy of
 * tokenward loaded in the process (the ESM and the CommonJS build, or two versions), by a
 * `Symbol.for('tokenward.error')` brand.
 *
 * @example
 * ```ts
 * import { ErrorCode, isTokenwardError } from 'tokenward';
 *
 * try {
 *   await tm.logoff();
 * } catch (err) {
 *   // The local state is cleared either way; the server may still hold the session until it expires.
 *   if (!isTokenwardError(err, ErrorCode.LOGOFF)) throw err;
 * }
 * ```
 */
export function isTokenwardError(err: unknown, code?: ErrorCode): err is TokenwardError {
  return branded(err) && (code === undefined || err.code === code);
}

/**
 * Runs a function the caller passed in the options. What it throws becomes a {@link TokenwardError} with
 * code `ERR_TOKENWARD_CALLBACK` naming the option (and the thrown value as `cause`), so a bug in the
 * caller's own code is neither taken for a network failure nor retried.
 */
export function callOption<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw callbackError(name, err);
  }
}

/** The error for a function passed as option `name` that threw (or rejected with) `err`. */
export function callbackError(name: string, err: unknown): TokenwardError {
  if (err instanceof TokenwardError) return err;
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new TokenwardError(ErrorCode.CALLBACK, `option \`${name}\` threw ${what.length > 200 ? `${what.slice(0, 200)}…` : what}`, { cause: err });
}
