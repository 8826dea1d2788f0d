/**
 * The per-request handler behind `tokenward/undici`'s interceptor for undici's handler API, and what it
 * shares with the one for the older callback API (`undici-legacy.ts`): how a request is sent with a
 * token and replayed once.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import { tokenFor } from './auth-fetch.js';
import type { DpopApi } from './dpop-api.js';
import { isReplayableBody, withHeader } from './request-parts.js';
import { authorizationValue, type Token } from './token.js';
import type { SlotAccess } from './token-slot.js';
import { redactUrl } from './transport.js';

/** Decides from the status and headers whether the API rejected the token. */
export type IsAuthFailureStatus = (statusCode: number, headers: IncomingHttpHeaders) => boolean;

/** What a handler needs to send one request with a token. */
export interface AttemptContext {
  readonly slot: SlotAccess;
  readonly dispatch: Dispatcher.Dispatch;
  readonly opts: Dispatcher.DispatchOptions;
  readonly isAuthFailure: IsAuthFailureStatus;
  /** The caller's signal, when it passed an `AbortSignal`: the replay's wait for a token ends with it. */
  readonly signal: AbortSignal | undefined;
  /** DPoP proofs for API calls, when the manager's `dpop` option is on. */
  readonly dpop: DpopApi | undefined;
}

/**
 * What both handler flavours share: sending the request with a token (and its DPoP proof), recognising
 * a rejected token on the first answer (invalidating it, and swallowing the answer when the body can be
 * sent again), the one replay with a fresh token, and the one resend with a new proof when the API asks
 * for a DPoP nonce (the same token: a nonce challenge is not a rejection).
 */
export abstract class AuthAttempt {
  readonly #ctx: AttemptContext;
  #token: Token | undefined;
  /** 0: first attempt; 1: draining a rejected answer before the replay; 2: replay sent. */
  #state: 0 | 1 | 2 = 0;
  /**
   * The URLs undici's redirect interceptor (composed beneath this one) followed for the live attempt, as
   * it reports them in the request context; the last one answered. Empty without redirects.
   */
  #history: readonly URL[] = [];
  /** The rejected answer being drained, for the `auth-replay` event. */
  #rejection: { status: number; challenge: string | undefined } | undefined;
  /** DPoP: whether the live attempt carried a proof; whether the nonce resend was used; the state to go back to after it. */
  #proved = false;
  #nonceResent = false;
  #resumeState: 0 | 2 | undefined;

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
    const { dispatch, opts, dpop } = this.#ctx;
    if (dpop === undefined)
      return dispatch(
        { ...opts, headers: withHeader(opts.headers as Parameters<typeof withHeader>[0], 'authorization', authorizationValue(token)) as UndiciHeaders },
        this as unknown as Dispatcher.DispatchHandler,
      );
    const authorized = withHeader(opts.headers as Parameters<typeof withHeader>[0], 'authorization', authorizationValue(token));
    const proof = dpop.proof(opts.method, originOf(opts.origin), opts.path, token);
    this.#proved = proof !== undefined;
    return dispatch(
      { ...opts, headers: (proof === undefined ? authorized : withHeader(authorized, 'dpop', proof)) as UndiciHeaders },
      this as unknown as Dispatcher.DispatchHandler,
    );
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

  /** Records the redirect history undici reports with each hop's start (see {@link AuthAttempt.#history}). */
  protected noteContext(context: unknown): void {
    const history = (context as { history?: unknown } | undefined)?.history;
    if (Array.isArray(history)) this.#history = history as URL[];
  }

  /**
   * Looks at an answer's status: when the token was rejected, drops it and returns `true` if the answer
   * is to be swallowed (and the request replayed). `headers` is only read on a 400/401/403; `header`
   * (one header by lower-case name, without parsing them all) only with DPoP.
   */
  protected rejected(statusCode: number, headers: () => IncomingHttpHeaders, header: (name: string) => string | undefined): boolean {
    const { slot, opts, isAuthFailure, dpop } = this.#ctx;
    if (this.#state === 1) return false;
    if (dpop !== undefined && this.#nonceChallenge(dpop, statusCode, header)) return true;
    if (statusCode < 400 || !isAuthFailure(statusCode, headers())) {
      if (this.#token !== undefined) slot.accepted(this.#token);
      return false;
    }
    // Only an origin that received the token can condemn it: a redirect beneath us to another origin
    // dropped the Authorization header (an expired presigned URL's 401 says nothing about our token).
    if (!this.#receivedToken()) return false;
    if (this.#state === 2) {
      // The replay's renewed token was rejected too: renewing does not help, so for a while later
      // rejections are passed through without a token request each (as tm.fetch does).
      slot.replayRejected();
      return false;
    }
    // Dropped (only the token that was sent: N parallel rejections cause one renewal), unless a renewal
    // just proved useless; then the answer goes to the caller as it is.
    if (this.#token === undefined || !slot.rejected(this.#token)) return false;
    if (!isReplayableBody(opts.body)) return false;
    this.#state = 1;
    const challenge = headers()['www-authenticate'];
    this.#rejection = { status: statusCode, challenge: Array.isArray(challenge) ? challenge.join(', ') : challenge };
    return true;
  }

  /**
   * DPoP: remembers the answer's nonce; on a nonce challenge to a request that carried a proof, swallows
   * the answer (once per request) so the same token is sent again with a new proof.
   */
  #nonceChallenge(dpop: DpopApi, statusCode: number, header: (name: string) => string | undefined): boolean {
    const challenged = dpop.answered(
      originOf(this.#ctx.opts.origin),
      statusCode,
      statusCode === 401 ? header('www-authenticate') : undefined,
      header('dpop-nonce'),
    );
    if (!challenged || this.#nonceResent || !this.#proved || !isReplayableBody(this.#ctx.opts.body)) return false;
    this.#nonceResent = true;
    this.#resumeState = this.#state as 0 | 2;
    this.#state = 1;
    return true;
  }

  /**
   * The swallowed answer is drained: after a DPoP nonce challenge, send the same token with a new proof;
   * after a rejection, send once more with a fresh token. If that is rejected too, the caller gets it.
   */
  protected replay(): void {
    if (this.#resumeState !== undefined) {
      this.#state = this.#resumeState;
      this.#resumeState = undefined;
      this.#history = [];
      this.sendLater(this.#token!);
      return;
    }
    this.#state = 2;
    this.#history = [];
    tokenFor(this.#ctx.slot, this.#ctx.signal).then(
      (fresh) => {
        const { opts, slot } = this.#ctx;
        const origin = typeof opts.origin === 'string' ? opts.origin : (opts.origin?.origin ?? '');
        slot.replaying({ status: this.#rejection?.status ?? 401, url: redactUrl(`${origin}${opts.path}`), challenge: this.#rejection?.challenge });
        this.sendLater(fresh);
      },
      (err: unknown) => this.fail(err as Error),
    );
  }

  #receivedToken(): boolean {
    const last = this.#history.at(-1);
    const origin = this.#ctx.opts.origin;
    if (last === undefined || origin === undefined) return true;
    return last.origin === (typeof origin === 'string' ? new URL(origin).origin : origin.origin);
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
    this.noteContext(context);
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
    if (
      this.rejected(
        statusCode,
        () => headers,
        (name) => single(headers[name]),
      )
    )
      return;
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

type UndiciHeaders = Dispatcher.DispatchOptions['headers'];

/** A header value as one string (several lines joined, as `Headers.get` does). */
function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** A dispatch origin as a string (`undici.request` passes `url.origin`, already normalised). */
function originOf(origin: string | URL | undefined): string {
  if (origin === undefined) return '';
  return typeof origin === 'string' ? (origin.endsWith('/') ? origin.slice(0, -1) : origin) : origin.origin;
}
