/**
 * `tokenward/otel`: OpenTelemetry spans and metrics for tokenward, fed from its tracing channels
 * (`tracing.ts`) and events. Needs `@opentelemetry/api`, an optional peer dependency: the main entry
 * never loads it, and with nothing instrumented a cache hit pays one `hasSubscribers` read.
 * @module
 */
import type { Channel } from 'node:diagnostics_channel';
import { type Attributes, type MeterProvider, metrics, type TracerProvider, trace } from '@opentelemetry/api';
import { ConfigError } from './errors.js';
import { channels, type TokenwardEvents } from './events.js';
import type { TokenManager } from './manager.js';
import { instrumentsFor, releaseInstruments } from './otel-metrics.js';
import { Telemetry } from './otel-telemetry.js';
import { cacheChannel, tracingChannels } from './tracing.js';

export { ATTRIBUTES, METRIC_NAMES, type Outcome, SPAN_NAMES } from './otel-names.js';

/**
 * Options of {@link instrument} and {@link enableOpenTelemetry}.
 *
 * @example
 * ```ts
 * import { instrument, type OpenTelemetryOptions } from 'tokenward/otel';
 *
 * const options: OpenTelemetryOptions = { traces: false, attributes: { 'tokenward.client': 'billing' } };
 * instrument(tm, options); // metrics only, to the global meter provider
 * ```
 */
export interface OpenTelemetryOptions {
  /**
   * Where spans go.
   * @default the global provider (`trace.getTracerProvider()`), which follows a provider registered later
   */
  tracerProvider?: TracerProvider;
  /**
   * Where metrics go. The global meter provider is read once, here: register the SDK's first, or pass it.
   * @default the global provider (`metrics.getMeterProvider()`)
   */
  meterProvider?: MeterProvider;
  /**
   * Record spans.
   * @default true
   */
  traces?: boolean;
  /**
   * Record metrics. Only then are cache lookups counted (an increment per lookup).
   * @default true
   */
  metrics?: boolean;
  /**
   * Added to every span and metric point of this instrumentation: name the client when a service has
   * several managers (`{ 'tokenward.client': 'orders' }`). Never put a secret here.
   * @default {}
   */
  attributes?: Attributes;
}

/**
 * Stops an instrumentation: call it, or let `using` do it. Spans still open are ended. Idempotent.
 *
 * @example
 * ```ts
 * import { instrument } from 'tokenward/otel';
 *
 * {
 *   using _telemetry = instrument(tm);
 *   await tm.getToken(); // traced
 * }
 * await tm.getToken(); // not any more
 * ```
 */
export interface Instrumentation {
  /** Stops the instrumentation. */
  (): void;
  /** The same, for `using`. */
  [Symbol.dispose](): void;
}

/** The events an instrumentation listens to (the rest comes from the tracing channels), and the {@link Telemetry} handler of each. */
const EVENTS = [
  ['store-error', 'storeError'],
  ['auth-replay', 'authReplay'],
] as const satisfies ReadonlyArray<readonly [keyof TokenwardEvents, keyof Telemetry]>;

/**
 * Traces and measures one {@link TokenManager}: its own token, its views (`tm.for(...)`) and every
 * parameter set, with `tm.fetch` and the undici interceptor. Returns the function that stops it.
 * Instrument a manager once, and not also with {@link enableOpenTelemetry}, or it is counted twice.
 *
 * @example
 * ```ts
 * import { metrics, trace } from '@opentelemetry/api';
 * import { TokenManager } from 'tokenward';
 * import { instrument } from 'tokenward/otel';
 *
 * const tm = new TokenManager({ tokenUrl, clientId, clientSecret });
 * const stop = instrument(tm, {
 *   tracerProvider: trace.getTracerProvider(),
 *   meterProvider: metrics.getMeterProvider(),
 *   attributes: { 'tokenward.client': 'orders' },
 * });
 * // ... on shutdown
 * stop();
 * ```
 * @throws {ConfigError} when `tm` is not a `TokenManager` or an option is wrong.
 */
export function instrument(tm: TokenManager, options: OpenTelemetryOptions = {}): Instrumentation {
  if (typeof tm !== 'object' || tm === null || typeof (tm as Partial<TokenManager>).on !== 'function' || !('cacheKey' in tm)) {
    throw new ConfigError('instrument() needs a TokenManager (a view from tm.for(...) is covered by instrumenting its manager)');
  }
  return start(options, (manager) => manager === tm, tm);
}

/**
 * Traces and measures every {@link TokenManager} in the process, created before or after the call,
 * through the `tokenward:*` diagnostics channels (so also a second copy of tokenward, as when an app
 * loads both its ESM and CommonJS builds). Returns the function that stops it.
 *
 * @example
 * ```ts
 * import { metrics, trace } from '@opentelemetry/api';
 * import { MeterProvider, PeriodicExportingMetricReader, ConsoleMetricExporter } from '@opentelemetry/sdk-metrics';
 * import { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter } from '@opentelemetry/sdk-trace-base';
 * import { enableOpenTelemetry } from 'tokenward/otel';
 *
 * trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new ConsoleSpanExporter())] }));
 * metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter() })] }));
 * enableOpenTelemetry(); // after the global providers are registered (or with @opentelemetry/sdk-node's NodeSDK started)
 * ```
 * @throws {ConfigError} when an option is wrong.
 */
export function enableOpenTelemetry(options: OpenTelemetryOptions = {}): Instrumentation {
  return start(options, () => true, undefined);
}

function start(options: OpenTelemetryOptions, accepts: (manager: object | undefined) => boolean, tm: TokenManager | undefined): Instrumentation {
  const o = checked(options);
  const tracer = o.traces === false ? undefined : (o.tracerProvider ?? trace.getTracerProvider()).getTracer('tokenward');
  const meter = o.metrics === false ? undefined : (o.meterProvider ?? metrics.getMeterProvider()).getMeter('tokenward');
  const instruments = meter === undefined ? undefined : instrumentsFor(meter);
  const telemetry = new Telemetry({ tracer, instruments, attributes: Object.freeze({ ...o.attributes }), accepts });
  const undo: Array<() => void> = [() => telemetry.close()];
  const on = (channel: Channel, handler: (message: unknown) => void): void => {
    const guarded = guard(handler);
    channel.subscribe(guarded);
    undo.push(() => channel.unsubscribe(guarded));
  };
  const { acquire, request, logoff } = tracingChannels;
  on(acquire.start, telemetry.acquireStart);
  on(acquire.end, threwSynchronously(telemetry.acquireEnd));
  on(acquire.asyncEnd, telemetry.acquireEnd);
  on(request.start, telemetry.requestStart);
  on(request.end, threwSynchronously(telemetry.requestEnd));
  on(request.asyncEnd, telemetry.requestEnd);
  on(logoff.start, telemetry.logoffStart);
  on(logoff.end, threwSynchronously(telemetry.logoffEnd));
  on(logoff.asyncEnd, telemetry.logoffEnd);
  if (instruments !== undefined && meter !== undefined) {
    on(cacheChannel, telemetry.cacheLookup);
    const untrack = instruments.track(telemetry.tally);
    undo.push(() => releaseInstruments(meter, instruments, untrack));
  }
  for (const [event, handler] of EVENTS) {
    if (tm === undefined) on(channels[event], telemetry[handler]);
    else undo.push(tm.on(event, guard(telemetry[handler])));
  }
  const stop = (): void => {
    for (const step of undo.splice(0).reverse()) step();
  };
  return Object.assign(stop, { [Symbol.dispose]: stop });
}

function checked(options: OpenTelemetryOptions): OpenTelemetryOptions {
  if (typeof options !== 'object' || options === null)
    throw new ConfigError(`OpenTelemetry options must be an object, got ${options === null ? 'null' : typeof options}`);
  const { tracerProvider, meterProvider, attributes } = options;
  if (tracerProvider !== undefined && typeof tracerProvider?.getTracer !== 'function')
    throw new ConfigError('option `tracerProvider` must be an OpenTelemetry TracerProvider (with getTracer())');
  if (meterProvider !== undefined && typeof meterProvider?.getMeter !== 'function')
    throw new ConfigError('option `meterProvider` must be an OpenTelemetry MeterProvider (with getMeter())');
  for (const name of ['traces', 'metrics'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean')
      throw new ConfigError(`option \`${name}\` must be a boolean, got ${typeof options[name]}`);
  }
  if (attributes !== undefined && (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes))) {
    throw new ConfigError('option `attributes` must be an object of OpenTelemetry attribute values');
  }
  return options;
}

/**
 * A handler that never throws: a throw in a diagnostics subscriber is rethrown by Node on the next tick,
 * as an uncaught exception. Telemetry must never take the service down.
 */
function guard(handler: (message: unknown) => void): (message: unknown) => void {
  return (message) => {
    try {
      handler(message);
    } catch {
      // Dropped: a broken exporter or SDK must not turn a token request into a crash.
    }
  };
}

/** For a channel's `end`: finishes only an operation that threw before returning its promise (then no `asyncEnd` follows). */
function threwSynchronously(finish: (message: unknown) => void): (message: unknown) => void {
  return (message) => {
    if ((message as { error?: unknown }).error !== undefined) finish(message);
  };
}
