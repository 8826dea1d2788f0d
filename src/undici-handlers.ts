/**
 * The per-request handlers behind `tokenward/undici`'s interceptor: one for undici's handler API and one
 * for its older callback API, sharing how a request is sent with a token and replayed once.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { TokenManager } from './manager.js';
import { authorizationValue, type Token } from './token.js';

/** Decides from the status and headers whether the API rejected the token. */
export type IsAuthFailureStatus = (statusCode: number, headers: IncomingHttpHeaders) => boolean;

/** What a handler needs to send one request with a token. */
export interface AttemptContext {
  readonly tm: TokenManager;
  readonly dispatch: Dispatcher.Dispatch;
  readonly opts: Dispatcher.DispatchOptions;
  readonly isAuthFailure: IsAuthFailureStatus;
}

/**
 * What both handler flavours share: sending the request with a token, recognising a rejected token on
 * the first answer (invalidating it, and swallowing the answer when the body can be sent again), and
 * the one replay with a fresh token.
 */
abstract class AuthAttempt {
  readonly #ctx: AttemptContext;
  #token: Token | undefined;
  /** The token the first answer rejected, to tell whether the replay went out with a different one. */
  #rejectedToken: Token | undefined;
  /** 0: first attempt; 1: draining a rejected answer before the replay; 2: replay sent. */
  #state: 0 | 1 | 2 = 0;

  constructor(ctx: AttemptContext) {
    this.#ctx = ctx;
  }

  /** Dispatches the request with `token`, unless the caller aborted meanwhile. May throw (bad headers, a throwing dispatch). */
  send(token: Token): boolean {
    this.#token = token;
    const aborted = this.abortReason();
    if (aborted !== undefined) {
      this.fail(aborted);
      return true;
    }
    const { dispatch, opts } = this.#ctx;
    return dispatch({ ...opts, headers: withAuthorization(opts.headers, authorizationValue(token)) }, this as unknown as Dispatcher.DispatchHandler);
  }

  /**
   * {@link send} from a promise callback: a synchronous throw fails this request through the caller's
   * handler instead of becoming an unhandled rejection (which ends a Node process).
   */
  sendLater(token: Token): void {
    try {
      this.send(token);
    } catch (err) {
      this.fail(err as Error);
    }
  }

  /** Reports `err` to the caller's handler, in its API. */
  abstract fail(err: Error): void;

  /** The caller's abort reason, if it aborted. */
  protected abstract abortReason(): Error | undefined;

  /** Whether the first attempt is live (no rejected answer seen). */
  protected get firstAttempt(): boolean {
    return this.#state === 0;
  }

  /** Whether a rejected answer is being read and dropped before the replay. */
  protected get draining(): boolean {
    return this.#state === 1;
  }

  /**
   * Looks at the first answer's status: when the token was rejected, invalidates it and returns `true`
   * if the answer is to be swallowed (and the request replayed). `headers` is only read on a 4xx/5xx.
   */
  protected rejected(statusCode: number, headers: () => IncomingHttpHeaders): boolean {
    const { tm, opts, isAuthFailure } = this.#ctx;
    if (this.#state === 1 || statusCode < 400 || !isAuthFailure(statusCode, headers())) return false;
    if (this.#state === 2) {
      // The replay's fresh token was rejected too: renewing does not help, so for a while later
      // rejections of it are passed through without a token request each (as tm.fetch does).
      if (this.#token !== undefined && this.#token.accessToken !== this.#rejectedToken?.accessToken) tm.markRenewalUnhelpful(this.#token);
      return false;
    }
    if (this.#token !== undefined && tm.renewalUnhelpful(this.#token)) return false;
    // Only the token that was sent is dropped: N parallel rejections of it cause one renewal.
    this.#rejectedToken = this.#token;
    if (this.#token !== undefined) tm.invalidate(this.#token);
    if (!isReplayableBody(opts.body)) return false;
    this.#state = 1;
    return true;
  }

  /** The rejected answer is drained: send once more with a fresh token. If that is rejected too, the caller gets it. */
  protected replay(): void {
    this.#state = 2;
    this.#ctx.tm.getToken().then(
      (fresh) => this.sendLater(fresh),
      (err: unknown) => this.fail(err as Error),
    );
  }
}

/**
 * Sits between undici and the caller's handler for one request: forwards everything, except that a
 * first "token rejected" answer is swallowed and the request sent again with a fresh token. It is also
 * the controller the caller's handler sees, so pause/resume/abort reach whichever attempt is live.
 */
export class AuthHandler extends AuthAttempt implements Dispatcher.DispatchHandler, Dispatcher.DispatchController {
  readonly #handler: Dispatcher.DispatchHandler;
  #controller: Dispatcher.DispatchController | undefined;
  #started = false;
  #pausedByCaller = false;
  #abortReason: Error | null = null;

  constructor(ctx: AttemptContext, handler: Dispatcher.DispatchHandler) {
    super(ctx);
    this.#handler = handler;
  }

  fail(err: Error): void {
    this.#handler.onResponseError?.(this, err);
  }

  protected abortReason(): Error | undefined {
    return this.#abortReason ?? undefined;
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

  onRequestUpgrade(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, socket: Duplex): void {
    this.#handler.onRequestUpgrade?.(this, statusCode, headers, socket);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    if (this.rejected(statusCode, () => headers)) return;
    this.#handler.onResponseStart?.(this, statusCode, headers, statusMessage);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    // The rejected answer's body is read and dropped, so its connection can be reused.
    if (this.draining) return;
    this.#handler.onResponseData?.(this, chunk);
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    if (this.draining) this.replay();
    else this.#handler.onResponseEnd?.(this, trailers);
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.#handler.onResponseError?.(this, err);
  }
}

/** undici's older handler API (`onConnect`, `onHeaders`, ...), still what `undici.request` creates. */
export interface LegacyHandler {
  onConnect(abort: (reason?: Error) => void, context?: unknown): void;
  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean;
  onData(chunk: Buffer): boolean;
  onComplete(trailers: Buffer[] | null): void;
  onError(err: Error): void;
  onUpgrade?(statusCode: number, rawHeaders: Buffer[] | null, socket: Duplex): void;
  onResponseStarted?(): void;
  onBodySent?(chunk: unknown): void;
}

/** Whether `handler` speaks undici's older callback API. */
export function isLegacy(handler: Dispatcher.DispatchHandler): handler is Dispatcher.DispatchHandler & LegacyHandler {
  const h = handler as Partial<LegacyHandler>;
  return typeof h.onConnect === 'function' && typeof h.onHeaders === 'function' && typeof h.onData === 'function' && typeof h.onComplete === 'function' && typeof h.onError === 'function';
}

/** {@link AuthHandler} for the older handler API: the same rules, raw headers passed through untouched. */
export class LegacyAuthHandler extends AuthAttempt implements LegacyHandler {
  readonly #handler: LegacyHandler;
  #abort: ((reason?: Error) => void) | undefined;
  #abortReason: Error | undefined;
  #started = false;

  constructor(ctx: AttemptContext, handler: LegacyHandler) {
    super(ctx);
    this.#handler = handler;
  }

  fail(err: Error): void {
    this.#handler.onError(err);
  }

  protected abortReason(): Error | undefined {
    return this.#abortReason;
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
    if (this.firstAttempt) this.#handler.onResponseStarted?.();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (this.rejected(statusCode, () => parseRawHeaders(rawHeaders))) return true;
    return this.#handler.onHeaders(statusCode, rawHeaders, resume, statusText);
  }

  onData(chunk: Buffer): boolean {
    if (this.draining) return true;
    return this.#handler.onData(chunk);
  }

  onComplete(trailers: Buffer[] | null): void {
    if (this.draining) this.replay();
    else this.#handler.onComplete(trailers);
  }

  onError(err: Error): void {
    this.#handler.onError(err);
  }

  onUpgrade(statusCode: number, rawHeaders: Buffer[] | null, socket: Duplex): void {
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
