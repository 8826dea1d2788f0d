/**
 * `tokenward/undici`: an undici interceptor that authenticates `undici.request` / `Agent.compose()`
 * calls with a {@link TokenManager}'s token, and replays once with a fresh token when the API rejects it.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { ErrorCode, TokenwardError } from './errors.js';
import type { TokenManager } from './manager.js';
import { authorizationValue, type Token } from './token.js';

/** Options of {@link authInterceptor}. */
export interface AuthInterceptorOptions {
  /**
   * Decides from the status and headers whether the API rejected the token. Synchronous and body-free:
   * for a server that signals it in the body (InfoLink's 200 envelope), use `tm.fetch` with `isAuthFailure`.
   * @default 401, or a 4xx whose `WWW-Authenticate` says `invalid_token`
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
export function authInterceptor(tm: TokenManager, options: AuthInterceptorOptions = {}): Dispatcher.DispatcherComposeInterceptor {
  const allowed = tm.allowedOrigins;
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
      const auth = isLegacy(handler)
        ? new LegacyAuthHandler(tm, dispatch, opts, handler, isAuthFailure)
        : new AuthHandler(tm, dispatch, opts, handler, isAuthFailure);
      const token = tm.peekToken();
      if (token !== undefined) return auth.send(token);
      // No usable token cached: acquire (single-flight with every other caller), then send.
      const signal = opts as { signal?: unknown };
      const tokenPromise = signal.signal instanceof AbortSignal ? tm.getToken({ signal: signal.signal }) : tm.getToken();
      tokenPromise.then(
        (fresh) => auth.send(fresh),
        (err: unknown) => fail(handler, err as Error),
      );
      return true;
    };
}

/**
 * The interceptor's default "token rejected" test, the status-and-headers twin of `defaultIsAuthFailure`:
 * a 401, or a 4xx whose `WWW-Authenticate` says `invalid_token` (RFC 6750 §3.1).
 */
export function defaultIsAuthFailureStatus(statusCode: number, headers: IncomingHttpHeaders): boolean {
  if (statusCode === 401) return true;
  if (statusCode < 400 || statusCode >= 500) return false;
  const challenge = headers['www-authenticate'];
  return challenge !== undefined && /invalid_token/i.test(Array.isArray(challenge) ? challenge.join(', ') : challenge);
}

/**
 * Sits between undici and the caller's handler for one request: forwards everything, except that a
 * first "token rejected" answer is swallowed and the request sent again with a fresh token. It is also
 * the controller the caller's handler sees, so pause/resume/abort reach whichever attempt is live.
 */
class AuthHandler implements Dispatcher.DispatchHandler, Dispatcher.DispatchController {
  readonly #tm: TokenManager;
  readonly #dispatch: Dispatcher.Dispatch;
  readonly #opts: Dispatcher.DispatchOptions;
  readonly #handler: Dispatcher.DispatchHandler;
  readonly #isAuthFailure: (statusCode: number, headers: IncomingHttpHeaders) => boolean;
  #token: Token | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  /** 0: first attempt; 1: draining a rejected answer before the replay; 2: replay sent. */
  #state = 0;
  #started = false;
  #pausedByCaller = false;
  #abortReason: Error | null = null;

  constructor(
    tm: TokenManager,
    dispatch: Dispatcher.Dispatch,
    opts: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
    isAuthFailure: (statusCode: number, headers: IncomingHttpHeaders) => boolean,
  ) {
    this.#tm = tm;
    this.#dispatch = dispatch;
    this.#opts = opts;
    this.#handler = handler;
    this.#isAuthFailure = isAuthFailure;
  }

  send(token: Token): boolean {
    this.#token = token;
    if (this.#abortReason !== null) {
      this.#handler.onResponseError?.(this, this.#abortReason);
      return true;
    }
    return this.#dispatch({ ...this.#opts, headers: withAuthorization(this.#opts.headers, authorizationValue(token)) }, this);
  }

  // --- DispatchController, as the caller's handler sees it ---

  get aborted(): boolean {
    return this.#abortReason !== null || (this.#controller?.aborted ?? false);
  }

  get paused(): boolean {
    return this.#pausedByCaller || (this.#controller?.paused ?? false);
  }

  get reason(): Error | null {
    return this.#abortReason ?? this.#controller?.reason ?? null;
  }

  abort(reason: Error): void {
    this.#abortReason ??= reason;
    this.#controller?.abort(reason);
  }

  pause(): void {
    this.#pausedByCaller = true;
    this.#controller?.pause();
  }

  resume(): void {
    this.#pausedByCaller = false;
    this.#controller?.resume();
  }

  // --- DispatchHandler, as undici sees it ---

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.#controller = controller;
    if (this.#pausedByCaller) controller.pause();
    if (this.#abortReason !== null) controller.abort(this.#abortReason);
    // The caller's handler starts once; a replay is invisible to it.
    if (this.#started) return;
    this.#started = true;
    this.#handler.onRequestStart?.(this, context);
  }

  onRequestUpgrade(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, socket: import('node:stream').Duplex): void {
    this.#handler.onRequestUpgrade?.(this, statusCode, headers, socket);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    if (this.#state === 0 && statusCode >= 400 && this.#isAuthFailure(statusCode, headers)) {
      // Only the token that was sent is dropped: N parallel rejections of it cause one renewal.
      if (this.#token !== undefined) this.#tm.invalidate(this.#token);
      if (isReplayableBody(this.#opts.body)) {
        this.#state = 1;
        return;
      }
    }
    this.#handler.onResponseStart?.(this, statusCode, headers, statusMessage);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    // The rejected answer's body is read and dropped, so its connection can be reused.
    if (this.#state === 1) return;
    this.#handler.onResponseData?.(this, chunk);
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    if (this.#state !== 1) {
      this.#handler.onResponseEnd?.(this, trailers);
      return;
    }
    // One replay only: if the fresh token is rejected too, that answer goes to the caller.
    this.#state = 2;
    this.#tm.getToken().then(
      (fresh) => {
        try {
          this.send(fresh);
        } catch (err) {
          this.#handler.onResponseError?.(this, err as Error);
        }
      },
      (err: unknown) => this.#handler.onResponseError?.(this, err as Error),
    );
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.#handler.onResponseError?.(this, err);
  }
}

/** undici's older handler API (`onConnect`, `onHeaders`, ...), still what `undici.request` creates. */
interface LegacyHandler {
  onConnect(abort: (reason?: Error) => void, context?: unknown): void;
  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean;
  onData(chunk: Buffer): boolean;
  onComplete(trailers: Buffer[] | null): void;
  onError(err: Error): void;
  onUpgrade?(statusCode: number, rawHeaders: Buffer[] | null, socket: import('node:stream').Duplex): void;
  onResponseStarted?(): void;
  onBodySent?(chunk: unknown): void;
}

function isLegacy(handler: Dispatcher.DispatchHandler): handler is Dispatcher.DispatchHandler & LegacyHandler {
  const h = handler as Partial<LegacyHandler>;
  return typeof h.onConnect === 'function' && typeof h.onHeaders === 'function' && typeof h.onData === 'function' && typeof h.onComplete === 'function' && typeof h.onError === 'function';
}

/** {@link AuthHandler} for the older handler API: the same rules, raw headers passed through untouched. */
class LegacyAuthHandler implements LegacyHandler {
  readonly #tm: TokenManager;
  readonly #dispatch: Dispatcher.Dispatch;
  readonly #opts: Dispatcher.DispatchOptions;
  readonly #handler: LegacyHandler;
  readonly #isAuthFailure: (statusCode: number, headers: IncomingHttpHeaders) => boolean;
  #token: Token | undefined;
  #abort: ((reason?: Error) => void) | undefined;
  #abortReason: Error | undefined;
  /** 0: first attempt; 1: draining a rejected answer before the replay; 2: replay sent. */
  #state = 0;
  #started = false;

  constructor(
    tm: TokenManager,
    dispatch: Dispatcher.Dispatch,
    opts: Dispatcher.DispatchOptions,
    handler: LegacyHandler,
    isAuthFailure: (statusCode: number, headers: IncomingHttpHeaders) => boolean,
  ) {
    this.#tm = tm;
    this.#dispatch = dispatch;
    this.#opts = opts;
    this.#handler = handler;
    this.#isAuthFailure = isAuthFailure;
  }

  send(token: Token): boolean {
    this.#token = token;
    if (this.#abortReason !== undefined) {
      this.#handler.onError(this.#abortReason);
      return true;
    }
    return this.#dispatch({ ...this.#opts, headers: withAuthorization(this.#opts.headers, authorizationValue(token)) }, this as unknown as Dispatcher.DispatchHandler);
  }

  onConnect(abort: (reason?: Error) => void, context?: unknown): void {
    this.#abort = abort;
    if (this.#abortReason !== undefined) {
      abort(this.#abortReason);
      return;
    }
    if (this.#started) return;
    this.#started = true;
    // The caller's abort must reach whichever attempt is live.
    this.#handler.onConnect((reason) => {
      this.#abortReason ??= reason ?? new Error('aborted');
      this.#abort?.(reason);
    }, context);
  }

  onResponseStarted(): void {
    if (this.#state === 0) this.#handler.onResponseStarted?.();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (this.#state === 0 && statusCode >= 400 && this.#isAuthFailure(statusCode, parseRawHeaders(rawHeaders))) {
      if (this.#token !== undefined) this.#tm.invalidate(this.#token);
      if (isReplayableBody(this.#opts.body)) {
        this.#state = 1;
        return true;
      }
    }
    return this.#handler.onHeaders(statusCode, rawHeaders, resume, statusText);
  }

  onData(chunk: Buffer): boolean {
    if (this.#state === 1) return true;
    return this.#handler.onData(chunk);
  }

  onComplete(trailers: Buffer[] | null): void {
    if (this.#state !== 1) {
      this.#handler.onComplete(trailers);
      return;
    }
    this.#state = 2;
    this.#tm.getToken().then(
      (fresh) => {
        try {
          this.send(fresh);
        } catch (err) {
          this.#handler.onError(err as Error);
        }
      },
      (err: unknown) => this.#handler.onError(err as Error),
    );
  }

  onError(err: Error): void {
    this.#handler.onError(err);
  }

  onUpgrade(statusCode: number, rawHeaders: Buffer[] | null, socket: import('node:stream').Duplex): void {
    this.#handler.onUpgrade?.(statusCode, rawHeaders, socket);
  }

  onBodySent(chunk: unknown): void {
    this.#handler.onBodySent?.(chunk);
  }
}

/** Raw `[name, value, ...]` response headers as an object with lower-case names (only read on a 4xx). */
function parseRawHeaders(raw: Buffer[]): IncomingHttpHeaders {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = String(raw[i]).toLowerCase();
    const v = raw[i + 1] as Buffer | Buffer[] | string;
    const value = Array.isArray(v) ? v.map(String).join(', ') : String(v);
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out as IncomingHttpHeaders;
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

/** A body undici can send twice: none, a string, bytes, a `Blob` or `FormData` (a stream can be read once). */
function isReplayableBody(body: unknown): boolean {
  if (body === undefined || body === null || typeof body === 'string' || ArrayBuffer.isView(body) || body instanceof ArrayBuffer) return true;
  if (body instanceof Blob) return true;
  const tag = Object.prototype.toString.call(body);
  return tag === '[object FormData]' || tag === '[object Blob]' || tag === '[object File]';
}

type UndiciHeaders = Dispatcher.DispatchOptions['headers'];

/** The caller's headers in undici's accepted shapes, with any `Authorization` replaced by `value`. */
function withAuthorization(headers: UndiciHeaders, value: string): UndiciHeaders {
  if (headers === undefined || headers === null) return { authorization: value };
  if (Array.isArray(headers)) {
    // undici's flat form: [name, value, name, value, ...].
    const out: string[] = [];
    for (let i = 0; i < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() !== 'authorization') out.push(headers[i] as string, headers[i + 1] as string);
    }
    out.push('authorization', value);
    return out;
  }
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    // `Headers`, a `Map`, or any iterable of [name, value] pairs.
    const out: string[] = [];
    for (const [name, v] of headers as Iterable<[string, string | string[] | undefined]>) {
      if (name.toLowerCase() === 'authorization' || v === undefined) continue;
      if (Array.isArray(v)) for (const item of v) out.push(name, item);
      else out.push(name, v);
    }
    out.push('authorization', value);
    return out;
  }
  const out: Record<string, string | string[] | undefined> = {};
  for (const name in headers as Record<string, string | string[] | undefined>) {
    if (name.length !== 13 || name.toLowerCase() !== 'authorization') out[name] = (headers as Record<string, string | string[] | undefined>)[name];
  }
  out.authorization = value;
  return out;
}
