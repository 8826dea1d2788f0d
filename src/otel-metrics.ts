/**
 * The metric instruments of `tokenward/otel`, one set per `Meter` shared by every instrumentation that
 * records to it. Cache hits are counted in plain numbers and reported when the SDK collects (observable
 * counters): a counted hit costs an increment, not an attribute lookup.
 * @module
 */
import type { Attributes, Counter, Histogram, Meter, ObservableCounter, ObservableResult } from '@opentelemetry/api';
import { ATTRIBUTES, METRIC_NAMES } from './otel-names.js';

/** One instrumentation's cache lookups, split by whether the token has parameters (index 1) or not (index 0). @internal */
export class CacheTally {
  /** Added to its points (the instrumentation's own `attributes`). */
  readonly attributes: Attributes;
  readonly hits: [number, number] = [0, 0];
  readonly misses: [number, number] = [0, 0];

  constructor(attributes: Attributes) {
    this.attributes = attributes;
  }

  /** Counts one lookup. */
  lookedUp(hit: boolean, hasParameters: boolean): void {
    (hit ? this.hits : this.misses)[hasParameters ? 1 : 0]++;
  }
}

/** The instruments recorded to, and the cache tallies reported at collection. @internal */
export class Instruments {
  readonly tokenRequests: Counter;
  readonly tokenRequestDuration: Histogram;
  readonly retries: Counter;
  readonly acquisitionDuration: Histogram;
  readonly authReplays: Counter;
  readonly storeErrors: Counter;
  readonly logoffs: Counter;
  readonly #tallies = new Set<CacheTally>();
  readonly #hitCounter: ObservableCounter;
  readonly #missCounter: ObservableCounter;
  readonly #observeHits = (result: ObservableResult): void => this.#observe(result, 'hits');
  readonly #observeMisses = (result: ObservableResult): void => this.#observe(result, 'misses');

  constructor(meter: Meter) {
    this.tokenRequests = meter.createCounter(METRIC_NAMES.tokenRequests, {
      description: 'HTTP attempts at the token endpoint, by grant, outcome and status',
      unit: '{request}',
    });
    this.tokenRequestDuration = meter.createHistogram(METRIC_NAMES.tokenRequestDuration, {
      description: 'Duration of one HTTP attempt at the token endpoint',
      unit: 'ms',
    });
    this.retries = meter.createCounter(METRIC_NAMES.retries, { description: 'Retries of token-endpoint requests after a transient failure', unit: '{retry}' });
    this.acquisitionDuration = meter.createHistogram(METRIC_NAMES.acquisitionDuration, {
      description: 'Duration of one acquisition: renewal (with retries and fallback) or adoption from the store',
      unit: 'ms',
    });
    this.authReplays = meter.createCounter(METRIC_NAMES.authReplays, {
      description: 'API rejections answered by a renewed token and a replay',
      unit: '{replay}',
    });
    this.storeErrors = meter.createCounter(METRIC_NAMES.storeErrors, { description: 'Token-store failures the manager carried on without', unit: '{error}' });
    this.logoffs = meter.createCounter(METRIC_NAMES.logoffs, { description: 'Token logoffs, by whether the server released the session', unit: '{logoff}' });
    this.#hitCounter = meter.createObservableCounter(METRIC_NAMES.cacheHits, { description: 'Tokens served from the cache without waiting', unit: '{hit}' });
    this.#missCounter = meter.createObservableCounter(METRIC_NAMES.cacheMisses, { description: 'Callers that waited for an acquisition', unit: '{miss}' });
    this.#hitCounter.addCallback(this.#observeHits);
    this.#missCounter.addCallback(this.#observeMisses);
  }

  /** Reports `tally` from now on; returns a function that stops it. */
  track(tally: CacheTally): () => void {
    this.#tallies.add(tally);
    return () => this.#tallies.delete(tally);
  }

  /** Whether no tally is tracked any more. */
  get idle(): boolean {
    return this.#tallies.size === 0;
  }

  /** Stops reporting the cache counters. */
  close(): void {
    this.#hitCounter.removeCallback(this.#observeHits);
    this.#missCounter.removeCallback(this.#observeMisses);
  }

  /**
   * Observes the sum of every tally with the same attributes: an observable counter keeps one value per
   * attribute set and collection, so two managers instrumented alike must be added up, not overwrite each other.
   */
  #observe(result: ObservableResult, kind: 'hits' | 'misses'): void {
    const sums = new Map<string, { attributes: Attributes; value: number }>();
    for (const tally of this.#tallies) {
      for (const index of [0, 1] as const) {
        const value = tally[kind][index];
        // A series appears once it has counted something: a manager without parameter sets reports one.
        if (value === 0) continue;
        const attributes = { ...tally.attributes, [ATTRIBUTES.hasParameters]: index === 1 };
        const key = JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1)));
        const sum = sums.get(key);
        if (sum === undefined) sums.set(key, { attributes, value });
        else sum.value += value;
      }
    }
    for (const { attributes, value } of sums.values()) result.observe(value, attributes);
  }
}

const byMeter = new WeakMap<Meter, Instruments>();

/** The instruments of `meter`, created on first use and shared by every instrumentation recording to it. */
export function instrumentsFor(meter: Meter): Instruments {
  let instruments = byMeter.get(meter);
  if (instruments === undefined) byMeter.set(meter, (instruments = new Instruments(meter)));
  return instruments;
}

/** Stops tracking `tally`; closes the meter's instruments once nothing is tracked. */
export function releaseInstruments(meter: Meter, instruments: Instruments, untrack: () => void): void {
  untrack();
  if (!instruments.idle || byMeter.get(meter) !== instruments) return;
  instruments.close();
  byMeter.delete(meter);
}
