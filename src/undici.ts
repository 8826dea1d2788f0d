/**
 * `tokenward/undici`: an undici interceptor that authenticates `undici.request` / `Agent.compose()`
 * calls with a {@link TokenManager}'s token, and replays once with a fresh token when the API rejects it.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { accessPointOf } from './access-point.js';
import { tokenFor } from './auth-fetch.js';
import { ErrorCode, TokenwardError } from './errors.js';
import type { TokenManager, TokenView } from './manager.js';
import { isTokenRejection } from './token-rejection.js';
import { AuthHandler } from './undici-handlers.js';
import { isLegacy, LegacyAuthHandler } from './undici-legacy.js';

/**
 * Options of {@link authInterceptor}.
 *
 * @example
 * ```ts
 * import { Agent } from 'undici';
 * import { authInterceptor, type AuthInterceptorOptions } from 'tokenward/undici';
 *
 * // An Agent only for the API: a request elsewhere is a bug, so fail it rather than send it without a token.
 * const options: AuthInterceptorOptions = { otherOrigins: 'refuse' };
 * const api = new Agent().compose(authInterceptor(tm, options));
 * ```
 */
export interface AuthInterceptorOptions {
  /**
   * Decides from the status and headers whether the API rejected the token. Synchronous and body-free:
   * for a server that signals it in the body (InfoLink's 200 envelope), use `tm.fetch` with `isAuthFailure`.
   * @default {@link defaultIsAuthFailureStatus}
   */
  isAuthFailure?: (statusCode: number, headers: IncomingHttpHeaders) => boolean;
  /**
   * What to do with a request to an origin that may not receive the token (see `tm.allowedOrigins`):
   * `'pass'` sends it on untouched, without a token (right for an `Agent` that serves other hosts too);
   * `'refuse'` fails it with `ERR_TOKENWARD_ORIGIN_NOT_ALLOWED`.
   * @default 'pass'
   */
  otherOrigins?: 'pass' | 'refuse';
}

/**
 * An undici interceptor (`dispatch => (opts, handler) => ...`) that sets `Authorization: <type> <token>`
 * on requests to the manager's allowed origins. A cached token is attached synchronously; otherwise the
 * request waits for `getToken()`. When the API rejects the token (a 401 by default), the token is
 * invalidated and the request replayed once with a fresh one if its body can be sent again (none, a
 * string, bytes, a `Blob` or `FormData`); a streamed body gets the 401 as is. Any caller `Authorization`
 * header is replaced for allowed origins.
 *
 * @example
 * ```ts
 * import { Agent, request } from 'undici';
 * import { authInterceptor } from 'tokenward/undici';
 *
 * const api = new Agent().compose(authInterceptor(tm));
 * const { statusCode, body } = await request('https://api.example.com/v1/things', { dispatcher: api });
 * ```
 */
export function authInterceptor(tm: TokenManager | TokenView, options: AuthInterceptorOptions = {}): Dispatcher.DispatcherComposeInterceptor {
  const point = accessPointOf(tm);
  const allowed = point.allowedOrigins;
  const isAuthFailure = options.isAuthFailure ?? defaultIsAuthFailureStatus;
  const refuse = options.otherOrigins === 'refuse';

  return (dispatch) =>
    // Exactly two parameters: `Dispatcher.compose()` checks the arity.
    function tokenwardAuth(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
      const origin = opts.origin;
      // undici.request() passes `url.origin`, already normalised, so the Set lookup is the whole check.
      if (typeof origin !== 'string' || !allowed.has(origin)) {
        const normalised = normaliseOrigin(origin);
        if (normalised === undefined || !allowed.has(normalised)) {
          if (!refuse) return dispatch(opts, handler);
          fail(handler, notAllowed(normalised ?? String(origin), allowed));
          return true;
        }
      }
      // `undici.request` hands compose() a handler that still speaks undici's older callback API (wrapped
      // so it also speaks the new one). Talking the older API to both sides skips two header conversions
      // per response (about 5% of a loopback request); any other handler gets the new API.
      const slot = point.slot();
      const signal = (opts as { signal?: unknown }).signal instanceof AbortSignal ? ((opts as { signal?: AbortSignal }).signal as AbortSignal) : undefined;
      const ctx = { slot, dispatch, opts, isAuthFailure, signal, dpop: point.dpop };
      const auth = isLegacy(handler) ? new LegacyAuthHandler(ctx, handler) : new AuthHandler(ctx, handler);
      const token = slot.peekForRequest();
      // Synchronous: a throw in send() reaches the caller of dispatch(), as undici expects.
      if (token !== undefined) return auth.send(token);
      // No usable token cached: acquire (single-flight with every other caller), then send. From here a
      // throw in send() would become an unhandled rejection: sendLater() fails the request instead. An
      // abort rejects with the signal's reason, as undici.request and tm.fetch do.
      tokenFor(slot, signal).then(
        (fresh) => auth.sendLater(fresh),
        (err: unknown) => fail(handler, err as Error),
      );
      return true;
    };
}

/**
 * The interceptor's default "token rejected" test, the status-and-headers twin of `defaultIsAuthFailure`:
 * a 401 with no challenge or a `Bearer`/`DPoP` one, or a 400/403 whose `Bearer`/`DPoP` challenge says
 * `error="invalid_token"` (RFC 6750 §3.1). A proxy's `Basic` challenge is not about the token.
 *
 * @example
 * ```ts
 * import { Agent } from 'undici';
 * import { authInterceptor, defaultIsAuthFailureStatus } from 'tokenward/undici';
 *
 * // Also renew on a bare 403, which this API sends for an expired token.
 * const api = new Agent().compose(authInterceptor(tm, {
 *   isAuthFailure: (status, headers) => defaultIsAuthFailureStatus(status, headers) || (status === 403 && headers['www-authenticate'] === undefined),
 * }));
 * ```
 */
export function defaultIsAuthFailureStatus(statusCode: number, headers: IncomingHttpHeaders): boolean {
  if (statusCode !== 401 && statusCode !== 400 && statusCode !== 403) return false;
  return isTokenRejection(statusCode, headers['www-authenticate']);
}

/** A controller for failing a request before it was dispatched. */
const idleController: Dispatcher.DispatchController = {
  aborted: false,
  paused: false,
  reason: null,
  abort() {},
  pause() {},
  resume() {},
};

function fail(handler: Dispatcher.DispatchHandler, err: Error): void {
  handler.onResponseError?.(idleController, err);
}

function notAllowed(origin: string, allowed: ReadonlySet<string>): TokenwardError {
  return new TokenwardError(
    ErrorCode.ORIGIN_NOT_ALLOWED,
    `refusing to send the token to ${origin}: allowed origins are ${[...allowed].join(', ')} (add it to \`allowedOrigins\` if it should receive the token)`,
  );
}

function normaliseOrigin(origin: string | URL | undefined): string | undefined {
  if (origin === undefined) return undefined;
  if (origin instanceof URL) return origin.origin;
  try {
    return new URL(origin).origin;
  } catch {
    return undefined;
  }
}
