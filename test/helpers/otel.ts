/**
 * OpenTelemetry SDK providers with in-memory exporters, for tests of `tokenward/otel`: the spans as
 * exported, the metric points as a reader collects them, and every string either holds (for sweeps).
 */
import type { Attributes } from '@opentelemetry/api';
import { AggregationTemporality, type DataPoint, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** One metric point, flattened: histograms give their count as `value` and their sum as `sum`. */
export interface Point {
  readonly name: string;
  readonly unit: string;
  readonly attributes: Attributes;
  readonly value: number;
  readonly sum?: number;
}

/** Providers to hand to `instrument()` and what they exported. */
export interface OtelHarness {
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  /** Spans ended so far. */
  spans(name?: string): ReadableSpan[];
  /** Metric points collected now (cumulative). */
  points(name?: string): Promise<Point[]>;
  /** Sum of `name`'s point values whose attributes include `match`. */
  total(name: string, match?: Attributes): Promise<number>;
  /** Every string in every span (name, attributes, events, status) and metric point (name, attributes). */
  everyString(): Promise<string[]>;
  shutdown(): Promise<void>;
}

export function otelHarness(): OtelHarness {
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // Exports only when flushed: the interval is longer than any test.
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });

  const spans = (name?: string) => spanExporter.getFinishedSpans().filter((s) => name === undefined || s.name === name);
  const points = async (name?: string): Promise<Point[]> => {
    metricExporter.reset();
    await reader.forceFlush();
    const out: Point[] = [];
    for (const resource of metricExporter.getMetrics()) {
      for (const scope of resource.scopeMetrics) {
        for (const metric of scope.metrics) {
          if (name !== undefined && metric.descriptor.name !== name) continue;
          for (const point of metric.dataPoints as Array<DataPoint<number | { count: number; sum?: number }>>) {
            const v = point.value;
            out.push({
              name: metric.descriptor.name,
              unit: metric.descriptor.unit,
              attributes: point.attributes,
              ...(typeof v === 'number' ? { value: v } : { value: v.count, ...(v.sum !== undefined ? { sum: v.sum } : {}) }),
            });
          }
        }
      }
    }
    return out;
  };
  return {
    tracerProvider,
    meterProvider,
    spans,
    points,
    async total(name, match = {}) {
      const matching = (await points(name)).filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v));
      return matching.reduce((sum, p) => sum + p.value, 0);
    },
    async everyString() {
      const strings: string[] = [];
      const add = (attributes: Attributes | undefined) => {
        for (const [key, value] of Object.entries(attributes ?? {})) strings.push(key, ...(Array.isArray(value) ? value : [value]).map(String));
      };
      for (const span of spans()) {
        strings.push(span.name, span.status.message ?? '');
        add(span.attributes);
        for (const event of span.events) {
          strings.push(event.name);
          add(event.attributes);
        }
      }
      for (const point of await points()) {
        strings.push(point.name);
        add(point.attributes);
      }
      return strings;
    },
    async shutdown() {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}

/** The span's parent span id, or `undefined` for a root span. */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}
