/**
 * The authenticated `fetch`: WHATWG signature, token attached only for allowed origins, one replay
 * with a fresh token when the API rejects the old one.
 * @module
 */
import { ConfigError, ErrorCode, TokenwardError } from './errors.js';
import type { Emitter } from './events.js';
import type { FetchLike, ResolvedOptions } from './options.js';
import { authorizationValue, type Token } from './token.js';
import { redactUrl } from './transport.js';

/**
 * When a 401-triggered renewal did not help (the replay with the fresh token was rejected too), how long
 * further rejections of that token are returned without renewing again.
 */
export const RENEWAL_COOLDOWN_MS = 5_000;

/** What the authenticated fetch needs from its manager. */
export interface AuthFetchContext {
  fetch: FetchLike;
  options: ResolvedOptions;
  getToken: (signal?: AbortSignal) => Promise<Token>;
  /**
   * The cached token when a request may carry it as is, else `undefined` (then `getToken` runs). It must
   * answer `undefined` when a shared store's re-validation is due, so that runs too (`peekForRequest`).
   */
  peekToken: () => Token | undefined;
  invalidate: (token: Token) => void;
  /** Whether a rejection of `token` is to be returned without renewing (see {@link RENEWAL_COOLDOWN_MS}). */
  renewalUnhelpful: (token: Token) => boolean;
  /** Records that `token`, fresh from a renewal, was rejected too. */
  markRenewalUnhelpful: (token: Token) => void;
  events: Emitter;
}

/**
 * The default "token rejected" test: a 401, or any 4xx whose `WWW-Authenticate` says `invalid_token`
 * (RFC 6750 §3.1). Reads no body, so the hot path stays cheap.
 */
export function defaultIsAuthFailure(response: Response): boolean {
  if (response.status === 401) return true;
  return response.status >= 400 && response.status < 500 && /invalid_token/i.test(response.headers.get('www-authenticate') ?? '');
}

/**
 * Whether a request body can be sent twice: none, string, bytes, `URLSearchParams`, `Blob`, `FormData`.
 * A stream can be read once only, so a request with one is never replayed.
 */
export function isReplayableBody(body: unknown): boolean {
  if (body === undefined || body === null || typeof body === 'string') return true;
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return true;
  if (body instanceof URLSearchParams) return true;
  if (typeof Blob !== 'undefined' && body instanceof Blob) return true;
  if (typeof FormData !== 'undefined' && body instanceof FormData) return true;
  // FormData/Blob from another copy of undici (the npm package) are not instances of the globals.
  const tag = Object.prototype.toString.call(body);
  return tag === '[object FormData]' || tag === '[object Blob]' || tag === '[object File]';
}

/**
 * Builds `tm.fetch`.
 *
 * It behaves as `fetch` does for an aborted request: when `init.signal` (or the `Request`'s signal) fires
 * while a token is being acquired, it rejects with the signal's `reason` (by default a `DOMException`
 * named `AbortError`), exactly as the underlying `fetch` would, not with a `TokenwardError`. A relative
 * URL without the `baseUrl` option is a {@link ConfigError}; a disallowed origin is a `TokenwardError`
 * with code `ERR_TOKENWARD_ORIGIN_NOT_ALLOWED`. Token-endpoint failures reject with their `TokenwardError`.
 */
export function createAuthFetch(ctx: AuthFetchContext): FetchLike {
  const { options } = ctx;
  const isAuthFailure = options.isAuthFailure ?? defaultIsAuthFailure;
  const allowed = options.allowedOrigins;
  // An absolute URL string that starts with `<allowed origin>/` has that origin: the authority ends at
  // the first `/`, so no user info or other host can hide behind the prefix. Saves a `new URL()` per call.
  const prefixes = [...allowed].map((origin) => `${origin}/`);
  const sameOrigin = (url: string): boolean => {
    for (const prefix of prefixes) if (url.startsWith(prefix)) return true;
    return allowed.has(originOf(url));
  };
  // `Bearer <token>` is built once per token, not once per call.
  let lastToken: Token | undefined;
  let lastValue = '';
  const authorization = (token: Token): string => {
    if (token !== lastToken) {
      lastToken = token;
      lastValue = authorizationValue(token);
    }
    return lastValue;
  };

  return async function authFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    let url: string | URL;
    let requestInit: RequestInit | undefined = init;
    let streamed = false;
    if (typeof input === 'string') url = resolveUrl(input, options.baseUrl);
    else if (input instanceof URL) url = input;
    else {
      // A Request (from any fetch implementation) is turned into url + init, so its headers can be set
      // and it works with undici's fetch whichever copy created it. Its body is a stream: not replayed.
      url = input.url;
      requestInit = requestToInit(input, init);
      streamed = input.body !== null && init?.body === undefined;
    }
    if (typeof url === 'string' ? !sameOrigin(url) : !allowed.has(url.origin)) {
      const origin = typeof url === 'string' ? originOf(url) : url.origin;
      throw new TokenwardError(
        ErrorCode.ORIGIN_NOT_ALLOWED,
        `refusing to send the token to ${origin}: allowed origins are ${[...allowed].join(', ')} (add it to \`allowedOrigins\` if it should receive the token)`,
      );
    }
    const signal = requestInit?.signal ?? undefined;
    const token = ctx.peekToken() ?? (await tokenFor(ctx, signal));
    const response = await ctx.fetch(url, withAuthorization(requestInit, authorization(token)));
    // The default predicate is synchronous: no extra microtask on the hot path.
    const verdict = isAuthFailure(response);
    if (verdict === false || (verdict !== true && !(await verdict))) return response;

    // A token fresh from a renewal that did not help: renewing again would not either (wrong scope, missing
    // permission) and would cost a token request per call, on Jim2 a licence. Return the rejection as is.
    if (ctx.renewalUnhelpful(token)) return response;
    // Only the token that was sent is dropped: N parallel failures on it cause one renewal. Dropped even
    // when the request cannot be replayed, so the next call does not send it again.
    ctx.invalidate(token);
    if (streamed || !isReplayableBody(requestInit?.body)) return response;
    // Not awaited: with msw's interceptor (and some other fetch mocks) cancel() never settles, which hung the replay.
    void response.body?.cancel().catch(() => {});
    const fresh = await tokenFor(ctx, signal);
    ctx.events.emit('auth-replay', { status: response.status, url: redactUrl(String(url)) });
    // One replay only: a second rejection is returned to the caller as is, and marks the fresh token as
    // "renewing does not help" for a while, so later calls do not each pay a token request for it.
    const replayed = await ctx.fetch(url, withAuthorization(requestInit, authorization(fresh)));
    // A renewal whose replay succeeded proves the API works, so a later rejection still renews at once.
    if (fresh.accessToken !== token.accessToken && (await isAuthFailure(replayed))) ctx.markRenewalUnhelpful(fresh);
    return replayed;
  };
}

/**
 * `getToken`, except that a request aborted while it waited rejects as `fetch` rejects an aborted
 * request: with the signal's reason. Code written for `fetch` (`err.name === 'AbortError'`) keeps working.
 */
async function tokenFor(ctx: AuthFetchContext, signal: AbortSignal | undefined): Promise<Token> {
  if (signal === undefined) return ctx.getToken();
  try {
    return await ctx.getToken(signal);
  } catch (err) {
    if (signal.aborted && err instanceof TokenwardError && err.code === ErrorCode.ABORTED) throw signal.reason;
    throw err;
  }
}

function resolveUrl(input: string, baseUrl: URL | undefined): string {
  if (baseUrl === undefined) return input;
  // `new URL('/x', 'http://h/Jim_Test/')` would drop the site path, so a leading slash is taken relative to it.
  if (/^[a-z][a-z\d+.-]*:/i.test(input)) return input;
  const base = baseUrl.href.endsWith('/') ? baseUrl.href : `${baseUrl.href}/`;
  return new URL(input.replace(/^\/+/, ''), base).href;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    throw new ConfigError(`tm.fetch needs an absolute URL or the \`baseUrl\` option, got ${JSON.stringify(url.split(/[?#]/)[0]!.slice(0, 100))}`);
  }
}

/** A copy of `init` whose headers carry `authorization: value`, any caller Authorization replaced, the rest untouched. */
function withAuthorization(init: RequestInit | undefined, value: string): RequestInit {
  const headers = init?.headers;
  let next: RequestInit["headers"];
  if (headers === undefined || headers === null) next = { authorization: value };
  else if (Array.isArray(headers)) next = [...headers.filter(([k]) => k!.toLowerCase() !== 'authorization'), ['authorization', value]];
  else if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).set === 'function') {
    const copy = new Headers(headers as Headers);
    copy.set('authorization', value);
    next = copy;
  } else {
    const record: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers as Record<string, string>)) if (k.toLowerCase() !== 'authorization') record[k] = v;
    record.authorization = value;
    next = record;
  }
  if (init === undefined) return { headers: next };
  // Object.assign, not a spread: undici's RequestInit converter reads spread-built objects slowly.
  const out: RequestInit = Object.assign({}, init);
  out.headers = next;
  return out;
}

function requestToInit(request: Request, init: RequestInit | undefined): RequestInit {
  const base: RequestInit & { duplex?: 'half' } = {
    method: request.method,
    headers: [...request.headers],
    redirect: request.redirect,
    signal: request.signal,
  };
  if (request.body !== null) {
    base.body = request.body;
    base.duplex = 'half';
  }
  return init === undefined ? base : Object.assign(base, init);
}
