/**
 * The authenticated `fetch`: WHATWG signature, token attached only for allowed origins, one replay
 * with a fresh token when the API rejects the old one.
 * @module
 */
import type { DpopApi } from './dpop-api.js';
import { ConfigError, callbackError, ErrorCode, TokenwardError } from './errors.js';
import type { Emitter } from './events.js';
import type { FetchLike, ResolvedOptions } from './options.js';
import { hasScheme, isReplayableBody, withHeader } from './request-parts.js';
import { authorizationValue, type Token } from './token.js';
import { isTokenRejection } from './token-rejection.js';
import type { SlotAccess } from './token-slot.js';
import { redactUrl } from './transport.js';

/** What the authenticated fetch needs from its manager (or view). */
export interface AuthFetchContext {
  fetch: FetchLike;
  options: ResolvedOptions;
  /** The slot requests go to now (a view looks its slot up again once the registry dropped it). */
  slot: () => SlotAccess;
  events: Emitter;
  /** DPoP proofs for API calls, when the `dpop` option is on. */
  dpop?: DpopApi | undefined;
}

/**
 * The default "token rejected" test (RFC 6750 §3.1): a 401 with no challenge or a `Bearer`/`DPoP` one
 * (a `Basic` challenge from a proxy in front of the API is not about the token), or a 400/403 whose
 * `Bearer`/`DPoP` challenge says `error="invalid_token"`. Reads no body, so the hot path stays cheap.
 *
 * @example
 * ```ts
 * import { defaultIsAuthFailure, TokenManager } from 'tokenward';
 *
 * // Keep the default and add an API that answers an expired token with a bare 403.
 * const tm = new TokenManager({
 *   tokenUrl, clientId, clientSecret,
 *   isAuthFailure: (response) => defaultIsAuthFailure(response) || (response.status === 403 && !response.headers.has('www-authenticate')),
 * });
 * ```
 */
export function defaultIsAuthFailure(response: Response): boolean {
  const status = response.status;
  if (status !== 401 && status !== 400 && status !== 403) return false;
  return isTokenRejection(status, response.headers.get('www-authenticate'));
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
  const custom = options.isAuthFailure !== undefined;
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
  const dpop = ctx.dpop;
  /**
   * Sends with `token` and, for a DPoP-bound token, its proof. An API's nonce challenge (RFC 9449 §9) is
   * answered once with a new proof: not a rejected token, so no invalidation and no token request.
   */
  const sendWithProof = async (url: string | URL, init: RequestInit | undefined, token: Token, streamed: boolean): Promise<Response> => {
    const target = typeof url === 'string' ? new URL(url) : url;
    for (let again = false; ; again = true) {
      const next = withAuthorization(init, authorization(token));
      const proof = dpop!.proof(init?.method, target.origin, target.pathname, token);
      if (proof !== undefined) next.headers = withHeader(next.headers as Parameters<typeof withHeader>[0], 'dpop', proof) as RequestInit['headers'];
      const response = await ctx.fetch(url, next);
      const origin = response.redirected && URL.canParse(response.url) ? new URL(response.url).origin : target.origin;
      const challenged = dpop!.answered(origin, response.status, response.headers.get('www-authenticate'), response.headers.get('dpop-nonce'));
      if (!challenged || again || proof === undefined || streamed || !isReplayableBody(init?.body)) return response;
      void response.body?.cancel().catch(() => {});
    }
  };
  /** The caller's predicate, with what it throws turned into a typed error and the answer not left unread. */
  const rejects = async (response: Response): Promise<boolean> => {
    try {
      return await isAuthFailure(response);
    } catch (err) {
      void response.body?.cancel().catch(() => {});
      throw callbackError('isAuthFailure', err);
    }
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
    const slot = ctx.slot();
    const token = slot.peekForRequest() ?? (await tokenFor(slot, signal));
    const response = await (dpop === undefined
      ? ctx.fetch(url, withAuthorization(requestInit, authorization(token)))
      : sendWithProof(url, requestInit, token, streamed));
    // The default predicate is synchronous: no extra microtask on the hot path.
    const verdict = custom ? await rejects(response) : isAuthFailure(response);
    if (verdict === false) {
      slot.accepted(token);
      return response;
    }

    // Only an origin that received the token can condemn it: after a redirect to another origin (an
    // expired presigned URL), fetch dropped the Authorization header, so that 401 says nothing about it.
    if (!receivedToken(response, url)) return response;
    // A renewal that just proved useless (its replay was rejected too: wrong scope, missing permission)
    // is not repeated: it would cost a token request per call, on Jim2 a licence. Return the rejection.
    // Otherwise the token is dropped (only that one: N parallel failures cause one renewal), also when
    // the request cannot be replayed, so the next call does not send it again.
    if (!slot.rejected(token)) return response;
    if (streamed || !isReplayableBody(requestInit?.body)) return response;
    // Not awaited: with msw's interceptor (and some other fetch mocks) cancel() never settles, which hung the replay.
    void response.body?.cancel().catch(() => {});
    const fresh = await tokenFor(slot, signal);
    ctx.events.emit('auth-replay', { status: response.status, url: redactUrl(String(url)), challenge: response.headers.get('www-authenticate') ?? undefined });
    // One replay only: a second rejection is returned to the caller as is, and starts the cool-down.
    const replayed = await (dpop === undefined
      ? ctx.fetch(url, withAuthorization(requestInit, authorization(fresh)))
      : sendWithProof(url, requestInit, fresh, streamed));
    if ((custom ? await rejects(replayed) : isAuthFailure(replayed)) && receivedToken(replayed, url)) slot.replayRejected();
    else slot.accepted(fresh);
    return replayed;
  };
}

/** Whether `response` came from the origin the token was sent to (not from a cross-origin redirect target). */
function receivedToken(response: Response, requested: string | URL): boolean {
  if (!response.redirected || response.url === '') return true;
  const sent = typeof requested === 'string' ? requested : requested.href;
  return URL.canParse(response.url) && URL.canParse(sent) && new URL(response.url).origin === new URL(sent).origin;
}

/**
 * `getToken`, except that a request aborted while it waited rejects as `fetch` rejects an aborted
 * request: with the signal's reason. Code written for `fetch` (`err.name === 'AbortError'`) keeps working.
 */
export async function tokenFor(slot: SlotAccess, signal: AbortSignal | undefined): Promise<Token> {
  if (signal === undefined) return slot.acquire();
  try {
    return await slot.acquire(signal);
  } catch (err) {
    if (signal.aborted && err instanceof TokenwardError && err.code === ErrorCode.ABORTED) throw signal.reason;
    throw err;
  }
}

function resolveUrl(input: string, baseUrl: URL | undefined): string {
  if (baseUrl === undefined) return input;
  // `new URL('/x', 'http://h/Jim_Test/')` would drop the site path, so a leading slash is taken relative to it.
  if (hasScheme(input)) return input;
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
  const headers = withHeader(init?.headers as Parameters<typeof withHeader>[0], 'authorization', value) as RequestInit['headers'];
  if (init === undefined) return { headers };
  // Object.assign, not a spread: undici's RequestInit converter reads spread-built objects slowly.
  const out: RequestInit = Object.assign({}, init);
  out.headers = headers;
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
