/**
 * A real `node:http` server on an ephemeral loopback port for real-socket tests: routes are plain
 * functions, and every request is recorded byte for byte so tests can assert what went over the wire.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What a route answers. */
export interface RouteAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string | object;
  /** Destroy the socket instead of answering (a network fault). */
  destroy?: boolean;
  /** Wait this long before answering, ms. */
  delayMs?: number;
}

export type Route = (req: RecordedRequest) => RouteAnswer | Promise<RouteAnswer>;

/** A running test server. */
export interface TestServer {
  url: string;
  origin: string;
  requests: RecordedRequest[];
  /** Requests whose path equals `path`. */
  requestsTo(path: string): RecordedRequest[];
  route(methodAndPath: string, handler: Route): void;
  close(): Promise<void>;
}

/** Starts a server; routes are keyed `"POST /token"`; unknown routes answer 404 and are recorded. */
export async function startServer(routes: Record<string, Route> = {}): Promise<TestServer> {
  const table = new Map(Object.entries(routes));
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const path = req.url ?? '/';
      const recorded: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      const route = table.get(`${recorded.method} ${path.split('?')[0]}`);
      if (!route) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      try {
        const answer = await route(recorded);
        if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
        if (answer.destroy) {
          req.socket.destroy();
          return;
        }
        const isText = typeof answer.body === 'string' || answer.body === undefined;
        const headers = { ...(isText ? {} : { 'content-type': 'application/json' }), ...answer.headers };
        res.writeHead(answer.status ?? 200, headers).end(isText ? ((answer.body as string | undefined) ?? '') : JSON.stringify(answer.body));
      } catch (err) {
        res.writeHead(500).end(String(err));
      }
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    origin,
    requests,
    requestsTo: (path) => requests.filter((r) => r.path.split('?')[0] === path),
    route: (key, handler) => void table.set(key, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A token answer in the standard JSON shape. */
export function tokenBody(accessToken: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, ...extra };
}
