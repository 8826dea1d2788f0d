/**
 * Turns tokenward's tracing channels and events into OpenTelemetry spans and metrics, for one
 * instrumentation (`instrument(tm)` or `enableOpenTelemetry()`). Every attribute comes from a tracing
 * context or an event payload, neither of which holds a token, a secret or a parameter value. No
 * AsyncLocalStorage: a token request names its acquisition (`parent`), so nothing here makes every
 * `await` of the application dearer.
 * @module
 */
import { type Attributes, type Context, context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { TokenwardError } from './errors.js';
import type { TokenwardEvents } from './events.js';
import { CacheTally, type Instruments } from './otel-metrics.js';
import { ATTRIBUTES as A, type Outcome, SPAN_NAMES } from './otel-names.js';
import { isTransient } from './retry.js';
import type { AcquireTrace, CacheLookup, LogoffTrace, TokenRequestTrace } from './tracing.js';
import { bearerError, parseWwwAuthenticate } from './www-authenticate.js';

/** An acquisition, token request or logoff being traced. */
interface Open {
  readonly span: Span | undefined;
  readonly started: number;
  /** A token request's metric attributes, and the acquisition (or logoff) that sent it. */
  readonly attributes?: Attributes;
  readonly parent?: Open;
  /** Token requests sent within this acquisition (or logoff), retries among them, and the last one's client authentication. */
  requests: number;
  retries: number;
  clientAuth?: string;
  /** The last failed request's `error.type`, OAuth error and status, for the event of the retry or fallback after it. */
  lastFailure?: Attributes;
  /** A refresh was refused (the next grant request is the fallback), and whether that fallback came. */
  refreshRefused?: boolean;
  fellBack?: boolean;
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

/** One instrumentation's handlers: each takes a channel message or an event payload. @internal */
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
    this.#start(
      t,
      SPAN_NAMES.acquire,
      SpanKind.INTERNAL,
      { [A.grant]: t.grant, [A.hasParameters]: t.hasParameters, [A.forced]: t.forced, [A.background]: t.background },
      parent,
    );
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
    span.setAttributes({
      ...attributes,
      [A.refreshTokenUsed]: t.refreshTokenUsed === true,
      [A.refreshFallback]: open.fellBack === true,
      [A.tokenRequests]: open.requests,
      [A.retryCount]: open.retries,
    });
    if (open.clientAuth !== undefined) span.setAttribute(A.clientAuth, open.clientAuth);
    end(span, t.error, true);
  };

  readonly requestStart = (message: unknown): void => {
    const t = message as TokenRequestTrace;
    // Another manager's, or (instrument(tm)) sent by an operation that was not traced.
    if (!this.#accepts(t.parent?.manager)) return;
    const parent = t.parent === undefined ? undefined : this.#open.get(t.parent);
    const where = urlAttributes(t.url);
    if (parent !== undefined) {
      parent.requests++;
      parent.clientAuth = t.clientAuth;
      if (t.attempt > 1) {
        parent.retries++;
        parent.span?.addEvent('tokenward.retry', { [A.attempt]: t.attempt - 1, ...parent.lastFailure });
      } else if (parent.refreshRefused === true && t.grant !== 'refresh_token' && parent.fellBack !== true) {
        // renew() sends the grant after a refresh only when the refresh token was refused.
        parent.fellBack = true;
        parent.span?.addEvent('tokenward.refresh_refused', parent.lastFailure);
      }
    }
    const attributes: Attributes = { ...this.#extra, [A.grant]: t.grant, [A.clientAuth]: t.clientAuth, [A.serverAddress]: where[A.serverAddress] };
    if (t.attempt > 1) this.#metrics?.retries.add(1, { ...this.#extra, [A.grant]: t.grant, [A.serverAddress]: where[A.serverAddress] });
    const spanAttributes: Attributes = {
      ...where,
      [A.httpMethod]: t.method,
      [A.grant]: t.grant,
      [A.attempt]: t.attempt,
      [A.clientAuth]: t.clientAuth,
      [A.refreshTokenUsed]: t.grant === 'refresh_token',
    };
    if (t.attempt > 1) spanAttributes[A.resendCount] = t.attempt - 1;
    const active = context.active();
    this.#start(
      t,
      SPAN_NAMES.tokenRequest,
      SpanKind.CLIENT,
      spanAttributes,
      parent?.span !== undefined ? trace.setSpan(active, parent.span) : active,
      attributes,
      parent,
    );
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
    const parent = open.parent;
    if (parent !== undefined && t.error !== undefined) {
      parent.lastFailure = { ...errorAttributes(t.error), ...(t.status !== undefined ? { [A.httpStatus]: t.status } : {}) };
      if (t.grant === 'refresh_token' && attributes[A.outcome] === 'failure') parent.refreshRefused = true;
    }
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
    const attributes: Attributes = { ...this.#extra, [A.logoffStyle]: t.style, [A.released]: t.released === true, [A.outcome]: outcomeOf(t.error, false) };
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

  readonly storeError = (payload: unknown): void => {
    const type = storeErrorType(payload as TokenwardError);
    this.#metrics?.storeErrors.add(1, { ...this.#extra, [A.errorType]: type });
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

  /** Ends the spans still open (their operations go on untraced). */
  close(): void {
    for (const open of this.#open.values()) open.span?.end();
    this.#open.clear();
  }

  #start(key: object, name: string, kind: SpanKind, attributes: Attributes, parentContext: Context, metricAttributes?: Attributes, parent?: Open): void {
    const span = this.#tracer?.startSpan(name, { kind, attributes: { ...this.#extra, ...attributes } }, parentContext);
    this.#open.set(key, {
      span,
      started: performance.now(),
      requests: 0,
      retries: 0,
      ...(metricAttributes !== undefined ? { attributes: metricAttributes } : {}),
      ...(parent !== undefined ? { parent } : {}),
    });
  }

  #take(key: object): Open | undefined {
    const open = this.#open.get(key);
    if (open !== undefined) this.#open.delete(key);
    return open;
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
  return {
    [A.serverAddress]: u.hostname,
    ...(port !== undefined ? { [A.serverPort]: port } : {}),
    [A.urlScheme]: u.protocol.slice(0, -1),
    [A.urlPath]: u.pathname,
  };
}

function end(span: Span, error: unknown, record: boolean): void {
  if (error !== undefined) {
    // tokenward's messages are secret-free by contract (and the secret sweep checks them).
    if (record && error instanceof Error) span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}
