/**
 * OpenTelemetry spans and metrics for a TokenManager: `npx tsx examples/otel.ts`.
 *
 * Runs offline: an embedded token server (client_credentials with refresh tokens, bearer logoff) and an
 * API that rejects the first token it sees, as one does after a key rotation. Spans go to the SDK's
 * console exporter as they end (tokens and the secret contain "-demo-secret": the example test checks
 * that none is printed); the metrics are collected once at the end and printed a line per point.
 * In your code, register your SDK instead (e.g. @opentelemetry/sdk-node with an OTLP exporter).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AggregationTemporality, type DataPoint, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { TokenManager } from 'tokenward';
import { instrument } from 'tokenward/otel';

// --- The embedded token server and API.
let issued = 0;
const rejectedOnce = new Set<string>();
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const json = (status: number, body?: unknown, headers: Record<string, string> = {}) =>
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body === undefined ? '' : JSON.stringify(body));
    const bearer = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (req.method === 'POST' && req.url === '/oauth/token') {
      issued++;
      return json(200, {
        access_token: `access-${issued}-demo-secret`,
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: `refresh-${issued}-demo-secret`,
      });
    }
    if (req.method === 'DELETE' && req.url === '/oauth/token') return json(204);
    if (req.method === 'GET' && req.url?.startsWith('/api/orders')) {
      // The first token presented is refused once: tokenward renews it and replays the request.
      if (rejectedOnce.size === 0) {
        rejectedOnce.add(bearer);
        return json(401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      }
      return json(200, { orders: 3 });
    }
    json(404);
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

// --- OpenTelemetry: spans to the console as they end, metrics collected on demand.
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())] });
/** A reader that only collects when asked (a real service exports periodically, over OTLP). */
class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}
const metricReader = new OnDemandReader();
const meterProvider = new MeterProvider({ readers: [metricReader] });

const tm = new TokenManager({
  tokenUrl: `${origin}/oauth/token`,
  clientId: 'orders-service',
  clientSecret: 'otel-demo-secret',
  clientAuth: 'basic',
  baseUrl: origin,
  logoff: { style: 'bearer' },
});
const stop = instrument(tm, { tracerProvider, meterProvider, attributes: { 'tokenward.client': 'orders' } });

console.log('--- 1. first call: acquisition (grant), the API rejects the token, renewal, replay');
const first = await tm.fetch('/api/orders?page=1');
console.log(`GET /api/orders → ${first.status} ${await first.text()}`);

console.log('--- 2. cached calls: cache hits, no spans');
for (let i = 0; i < 3; i++) await (await tm.fetch('/api/orders')).text();

console.log('--- 3. a forced renewal: acquisition by refresh token');
await tm.getToken({ forceRefresh: true });

console.log('--- 4. logoff');
await tm.logoff();

console.log('--- metrics');
const { resourceMetrics } = await metricReader.collect();
for (const metric of resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics)) {
  for (const point of metric.dataPoints as Array<DataPoint<number | { count: number; sum?: number }>>) {
    const value =
      typeof point.value === 'number' ? String(point.value) : `count=${point.value.count} sum=${point.value.sum?.toFixed(1)} ${metric.descriptor.unit}`;
    const attributes = Object.entries(point.attributes)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
    console.log(`${metric.descriptor.name} ${value}  {${attributes}}`);
  }
}
stop();
await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
server.close();
