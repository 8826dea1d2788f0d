/**
 * The interceptor's handler for undici's older callback API (`onConnect`, `onHeaders`, ...), which
 * `undici.request` still creates: the same rules as `AuthHandler`, raw headers passed through untouched.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import { type AttemptContext, AuthAttempt } from './undici-handlers.js';

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
  return (
    typeof h.onConnect === 'function' &&
    typeof h.onHeaders === 'function' &&
    typeof h.onData === 'function' &&
    typeof h.onComplete === 'function' &&
    typeof h.onError === 'function'
  );
}

/** {@link AuthHandler} for the older handler API: the same rules, raw headers passed through untouched. */
export class LegacyAuthHandler extends AuthAttempt implements LegacyHandler {
  readonly #handler: LegacyHandler;
  #abort: ((reason?: Error) => void) | undefined;
  #abortReason: Error | undefined;
  #started = false;
  #responseStarted = false;

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
    this.noteContext(context);
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
    // Once: a DPoP nonce resend and a replay start responses of their own, invisible to the caller.
    if (this.#responseStarted) return;
    this.#responseStarted = true;
    this.#handler.onResponseStarted?.();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (
      this.rejected(
        statusCode,
        () => parseRawHeaders(rawHeaders),
        (name) => rawHeader(rawHeaders, name),
      )
    )
      return true;
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

/** One header of raw `[name, value, ...]` headers by lower-case name, several lines joined; read only with DPoP. */
function rawHeader(raw: Buffer[], name: string): string | undefined {
  let out: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!;
    // Compare lengths first: most headers are skipped without building a string.
    if (key.length !== name.length || String(key).toLowerCase() !== name) continue;
    const v = raw[i + 1] as Buffer | Buffer[] | string;
    const value = Array.isArray(v) ? v.map(String).join(', ') : String(v);
    out = out === undefined ? value : `${out}, ${value}`;
  }
  return out;
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
