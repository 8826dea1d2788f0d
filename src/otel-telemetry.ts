/**
 * Turns tokenward's tracing channels and events into OpenTelemetry spans and metrics, for one
 * instrumentation (`instrument(tm)` or `enableOpenTelemetry()`). Every attribute comes from a tracing
 * context or an event payload, neither of which holds a token, a secret or a parameter value.
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { TokenwardError } from './errors.js';
import type { TokenwardEvents } from './events.js';
import type { RetryEvent } from './options.js';
import { CacheTally, type Instruments } from './otel-metrics.js';
import { ATTRIBUTES as A, SPAN_NAMES, type Outcome } from './otel-names.js';
import { isTransient } from './retry.js';
import type { AcquireTrace, CacheLookup, LogoffTrace, TokenRequestTrace } from './tracing.js';
import { bearerError, parseWwwAuthenticate } from './www-authenticate.js';

/** The acquisition or logoff whose work is running now: bound to their tracing channels' `start` (see otel.ts). */
export const currentOperation = new AsyncLocalStorage<object>();

/** An acquisition, token request or logoff being traced. */
interface Open {
  readonly span: Span | undefined;
  readonly started: number;
  /** A token request's metric attributes. */
  readonly attributes?: Attributes;
  /** Token requests sent within this acquisition (or logoff), retries among them, and the last one's client authentication. */
  requests: number;
  retries: number;
  clientAuth?: string;
  /** A refresh token was refused and the grant ran instead. */
  fellBack?: boolean;
  /** The server released the session (logoff). */
  released?: boolean;
}

/** What a {@link Telemetry} records to, and which managers it watches. */
export interface TelemetryTargets {
  readonly tracer: Tracer | undefined;
  readonly instruments: Instruments | undefined;
  /** Added to every span and metric point. */
  readonly attributes: Attributes;
  /** Whether messages about `manager` are this instrumentation's (`undefined`: a token request outside any traced operation). */
  readonly accepts: (manager: object | undefined) => boolean;
}

/** One instrumentation's handlers: each takes a channel message or an event payload. */
export class Telemetry {
  readonly tally: CacheTally;
  readonly #tracer: Tracer | undefined;
  readonly #metrics: Instruments | undefined;
  readonly #extra: Attributes;
  readonly #accepts: (manager: object | undefined) => boolean;
  readonly #open = new Map<object, Open>();

  constructor(targets: TelemetryTargets) {
    this.#tracer = targets.tracer;
    this.#metrics = targets.instruments;
    this.#extra = targets.attributes;
    this.#accepts = targets.accepts;
    this.tally = new CacheTally(targets.attributes);
  }

  readonly acquireStart = (message: unknown): void => {
    const t = message as AcquireTrace;
    if (!this.#accepts(t.manager)) return;
    // The proactive timer inherits the context of the call that scheduled it, long over: a background renewal is a trace of its own.
    const parent = t.background ? ROOT_CONTEXT : context.active();
    this.#start(t, SPAN_NAMES.acquire, SpanKind.INTERNAL, { [A.grant]: t.grant, [A.hasParameters]: t.hasParameters, [A.forced]: t.forced, [A.background]: t.background }, parent);
  };

  readonly acquireEnd = (message: unknown): void => {
    const t = message as AcquireTrace;
    const open = this.#take(t);
    if (open === undefined) return;
    const attributes: Attributes = { ...this.#extra, [A.grant]: t.grant, [A.hasParameters]: t.hasParameters, [A.outcome]: outcomeOf(t.error, false) };
    if (t.how !== undefined) attributes[A.how] = t.how;
    if (t.error !== undefined) attributes[A.errorType] = errorType(t.error);
    this.#metrics?.acquisitionDuration.record(performance.now() - open.started, attributes);
    const span = open.span;
    if (span === undefined) return;
    span.setAttributes({ ...attributes, [A.refreshTokenUsed]: t.refreshTokenUsed === true, [A.refreshFallback]: open.fellBack === true, [A.tokenRequests]: open.requests, [A.retryCount]: open.retries });
    if (open.clientAuth !== undefined) span.setAttribute(A.clientAuth, open.clientAuth);
    end(span, t.error, true);
  };

  readonly requestStart = (message: unknown): void => {
    const t = message as TokenRequestTrace;
    const parentTrace = currentOperation.getStore();
    const parent = parentTrace === undefined ? undefined : this.#open.get(parentTrace);
    // Outside any operation this instrumentation traces: another manager's (or, process-wide, an untraced caller's).
    if (parent === undefined && !this.#accepts(undefined)) return;
    const where = urlAttributes(t.url);
    if (parent !== undefined) {
      parent.requests++;
      if (t.attempt > 1) parent.retries++;
      parent.clientAuth = t.clientAuth;
    }
    const attributes: Attributes = { ...this.#extra, [A.grant]: t.grant, [A.clientAuth]: t.clientAuth, [A.serverAddress]: where[A.serverAddress] };
    if (t.attempt > 1) this.#metrics?.retries.add(1, { ...this.#extra, [A.grant]: t.grant, [A.serverAddress]: where[A.serverAddress] });
    const spanAttributes: Attributes = { ...where, [A.httpMethod]: t.method, [A.grant]: t.grant, [A.attempt]: t.attempt, [A.clientAuth]: t.clientAuth, [A.refreshTokenUsed]: t.grant === 'refresh_token' };
    if (t.attempt > 1) spanAttributes[A.resendCount] = t.attempt - 1;
    const active = context.active();
    this.#start(t, SPAN_NAMES.tokenRequest, SpanKind.CLIENT, spanAttributes, parent?.span !== undefined ? trace.setSpan(active, parent.span) : active, attributes);
  };

  readonly requestEnd = (message: unknown): void => {
    const t = message as TokenRequestTrace;
    const open = this.#take(t);
    if (open === undefined) return;
    const attributes: Attributes = { ...open.attributes, [A.outcome]: outcomeOf(t.error, true) };
    if (t.status !== undefined) attributes[A.httpStatus] = t.status;
    if (t.error !== undefined) attributes[A.errorType] = errorType(t.error);
    this.#metrics?.tokenRequests.add(1, attributes);
    this.#metrics?.tokenRequestDuration.record(performance.now() - open.started, attributes);
    const span = open.span;
    if (span === undefined) return;
    span.setAttributes({ [A.outcome]: attributes[A.outcome], ...(t.status !== undefined ? { [A.httpStatus]: t.status } : {}), ...errorAttributes(t.error) });
    end(span, t.error, false);
  };

  readonly logoffStart = (message: unknown): void => {
    const t = message as LogoffTrace;
    if (!this.#accepts(t.manager)) return;
    this.#start(t, SPAN_NAMES.logoff, SpanKind.INTERNAL, { [A.hasParameters]: t.hasParameters, [A.logoffStyle]: t.style }, context.active());
  };

  readonly logoffEnd = (message: unknown): void => {
    const t = message as LogoffTrace;
    const open = this.#take(t);
    if (open === undefined) return;
    const attributes: Attributes = { ...this.#extra, [A.logoffStyle]: t.style, [A.released]: open.released === true, [A.outcome]: outcomeOf(t.error, false) };
    if (t.error !== undefined) attributes[A.errorType] = errorType(t.error);
    this.#metrics?.logoffs.add(1, attributes);
    if (open.span === undefined) return;
    open.span.setAttributes({ ...attributes, [A.tokenRequests]: open.requests });
    end(open.span, t.error, true);
  };

  readonly cacheLookup = (message: unknown): void => {
    const m = message as CacheLookup;
    if (this.#accepts(m.manager)) this.tally.lookedUp(m.hit, m.hasParameters);
  };

  readonly retry = (payload: unknown): void => {
    const e = payload as RetryEvent;
    // The try that failed; the retry is the next token request span.
    this.#current()?.span?.addEvent('tokenward.retry', { [A.attempt]: e.attempt, ...errorAttributes(e.error), ...statusOf(e.error) });
  };

  readonly refreshFallback = (payload: unknown): void => {
    const { error } = payload as TokenwardEvents['refresh-fallback'];
    const open = this.#current();
    if (open === undefined) return;
    open.fellBack = true;
    open.span?.addEvent('tokenward.refresh_refused', { ...errorAttributes(error), ...statusOf(error) });
  };

  readonly storeError = (payload: unknown): void => {
    const error = payload as TokenwardError;
    const type = storeErrorType(error);
    this.#metrics?.storeErrors.add(1, { ...this.#extra, [A.errorType]: type });
    this.#current()?.span?.addEvent('tokenward.store_error', { [A.errorType]: type });
  };

  readonly authReplay = (payload: unknown): void => {
    const e = payload as TokenwardEvents['auth-replay'];
    const where = urlAttributes(e.url);
    this.#metrics?.authReplays.add(1, { ...this.#extra, [A.httpStatus]: e.status, [A.serverAddress]: where[A.serverAddress] });
    if (this.#tracer === undefined) return;
    const challenges = parseWwwAuthenticate(e.challenge);
    const attributes: Attributes = { ...this.#extra, ...where, [A.httpStatus]: e.status };
    if (challenges[0] !== undefined) attributes[A.challengeScheme] = challenges[0].scheme;
    const error = bearerError(challenges);
    if (error !== undefined && OAUTH_ERROR.test(error)) attributes[A.challengeError] = error;
    // An instant: the renewal it caused is its own acquisition span; the replayed request is the caller's.
    this.#tracer.startSpan(SPAN_NAMES.authReplay, { kind: SpanKind.INTERNAL, attributes }, context.active()).end();
  };

  readonly logoff = (payload: unknown): void => {
    const open = this.#current();
    if (open !== undefined) open.released = (payload as TokenwardEvents['logoff']).released;
  };

  /** Ends the spans still open (their operations go on untraced). */
  close(): void {
    for (const open of this.#open.values()) open.span?.end();
    this.#open.clear();
  }

  #start(key: object, name: string, kind: SpanKind, attributes: Attributes, parent: Context, metricAttributes?: Attributes): void {
    const span = this.#tracer?.startSpan(name, { kind, attributes: { ...this.#extra, ...attributes } }, parent);
    this.#open.set(key, { span, started: performance.now(), requests: 0, retries: 0, ...(metricAttributes !== undefined ? { attributes: metricAttributes } : {}) });
  }

  #take(key: object): Open | undefined {
    const open = this.#open.get(key);
    if (open !== undefined) this.#open.delete(key);
    return open;
  }

  /** The acquisition or logoff (of this instrumentation) whose work is running now. */
  #current(): Open | undefined {
    const key = currentOperation.getStore();
    return key === undefined ? undefined : this.#open.get(key);
  }
}

/** RFC 6749 §5.2 error codes are short ASCII words; anything else a server puts there is not recorded. */
const OAUTH_ERROR = /^[\w.:-]{1,64}$/;

function outcomeOf(error: unknown, retryable: boolean): Outcome {
  if (error === undefined) return 'success';
  return retryable && isTransient(error) ? 'transient_failure' : 'failure';
}

/** `error.type`: the tokenward error code (`ERR_TOKENWARD_OAUTH`, ...), else the error's name. */
function errorType(error: unknown): string {
  if (error instanceof TokenwardError) return error.code;
  return error instanceof Error ? error.name : '_OTHER';
}

/** `error.type` and, when the server sent one, its OAuth `error` code. */
function errorAttributes(error: unknown): Attributes {
  if (error === undefined) return {};
  const oauth = error instanceof TokenwardError ? error.error : undefined;
  return oauth !== undefined && OAUTH_ERROR.test(oauth) ? { [A.errorType]: errorType(error), [A.oauthError]: oauth } : { [A.errorType]: errorType(error) };
}

function statusOf(error: unknown): Attributes {
  return error instanceof TokenwardError && error.status !== undefined ? { [A.httpStatus]: error.status } : {};
}

/** A store failure's own code when it has a plain one (`ECONNREFUSED`, `NOSCRIPT`), else tokenward's. */
function storeErrorType(error: TokenwardError): string {
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,39}$/.test(code) ? code : error.code;
}

/** `server.address`, `server.port`, `url.scheme` and `url.path` of a URL that already has no query or user info. */
function urlAttributes(url: string): Attributes & { [A.serverAddress]?: string } {
  if (!URL.canParse(url)) return {};
  const u = new URL(url);
  const port = u.port !== '' ? Number(u.port) : u.protocol === 'https:' ? 443 : u.protocol === 'http:' ? 80 : undefined;
  return { [A.serverAddress]: u.hostname, ...(port !== undefined ? { [A.serverPort]: port } : {}), [A.urlScheme]: u.protocol.slice(0, -1), [A.urlPath]: u.pathname };
}

function end(span: Span, error: unknown, record: boolean): void {
  if (error !== undefined) {
    // tokenward's messages are secret-free by contract (and the secret sweep checks them).
    if (record && error instanceof Error) span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}
