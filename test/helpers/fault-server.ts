/**
 * A loopback HTTP server that misbehaves on purpose, for the fault table (test/fault/). It serves a token
 * endpoint (`POST /token`, `POST /logoff`) and an API (`/api/...`), and each of them can be switched to a
 * {@link Fault} from test/helpers/faults.ts: reset, hang, trickle, HTML error pages, garbage, huge bodies,
 * redirects... Switching the fault off again (`recover()`) is "the server recovers".
 *
 * It counts what a test asserts on: token requests (by grant), API requests, connections, and the sockets
 * open on the server side (from `connection` to `close`), so a test can check that, idle keep-alive
 * connections aside, the client left no exchange open. Every timer it starts is `unref()`ed and cleared when its socket closes, so it never
 * shows up in a test's count of active timers.
 */

import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the server saw it. */
export interface FaultRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  /** The request body (read completely before the fault runs). */
  readonly body: string;
  /** `grant_type` of a token request, else `undefined`. */
  readonly grant: string | undefined;
}

/** What a fault gets to misbehave with. */
export interface Exchange {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly socket: Socket;
  readonly request: FaultRequest;
  /** 1 for the first request this route saw, 2 for the next... */
  readonly n: number;
  readonly server: FaultServer;
}

/** A behaviour of a route: answer (or not) however it likes. */
export type Fault = (ex: Exchange) => void | Promise<void>;

/** What a large answer made of the client: did it read everything? */
export interface LargeWrite {
  readonly intended: number;
  /** Bytes handed to the socket before it closed or the answer finished. */
  written: number;
  /** Whether the whole body was written and the response ended. */
  finished: boolean;
}

/** The routes of a fault server. */
export type Route = 'token' | 'api' | 'logoff';

/** A running fault server. */
export interface FaultServer {
  readonly origin: string;
  readonly port: number;
  /** `<origin>/token` */
  readonly tokenUrl: string;
  /** `<origin>/api/resource` */
  readonly apiUrl: string;
  /** `<origin>/logoff` */
  readonly logoffUrl: string;
  /** Random per server: every token it issues contains it, so tokens never repeat across tests. */
  readonly tag: string;
  /** Every request, in arrival order. */
  readonly requests: FaultRequest[];
  /** Requests to `POST /token`, optionally with one `grant_type`. */
  tokenRequests(grant?: string): number;
  /** Requests to `/api/...`. */
  apiRequests(): FaultRequest[];
  /** Connections accepted so far. */
  readonly connections: number;
  /** While `true`, every new connection is reset before a byte is read (a dying load balancer). */
  resetOnConnect: boolean;
  /** Sockets open on the server side right now. */
  openSockets(): number;
  /** Large answers written so far (see {@link LargeWrite}). */
  readonly largeWrites: LargeWrite[];
  /** Access tokens issued, in order. */
  readonly issued: string[];
  /** Makes `route` misbehave from the next request on. */
  fault(route: Route, fault: Fault): void;
  /** Every route behaves again: the server recovers. */
  recover(): void;
  /** Stops accepting connections (the port refuses them) until {@link FaultServer.listen}. */
  stopListening(): Promise<void>;
  /** Accepts connections again, on the same port. */
  listen(): Promise<void>;
  /** Registers a timer to clear when `socket` closes, `unref()`ed. */
  track(socket: Socket, timer: ReturnType<typeof setTimeout>): void;
  /**
   * Closes idle connections and resolves once no socket is open, or after `timeoutMs`, to the number still
   * open: those in the middle of an exchange.
   */
  waitForNoOpenSockets(timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

/** A well-formed token answer for the `n`th token request of `server`. */
export function tokenJson(server: FaultServer, n: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { access_token: `fault-at-${server.tag}-${n}`, token_type: 'Bearer', expires_in: 3600, ...extra };
}

/** Sends `body` as JSON with `status`, closing nothing: the healthy answer. */
export function sendJson(ex: Exchange, body: unknown, status = 200, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  ex.res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers }).end(text);
}

/** The token endpoint when healthy: a fresh token per request, recorded in `issued`. */
export const healthyToken: Fault = (ex) => {
  const body = tokenJson(ex.server, ex.server.tokenRequests());
  ex.server.issued.push(body.access_token as string);
  sendJson(ex, body);
};

/** The API when healthy: 200 for any token this server issued, else 401 with an RFC 6750 challenge. */
export const healthyApi: Fault = (ex) => {
  const auth = ex.request.headers.authorization ?? '';
  const token = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
  if (ex.server.issued.includes(token)) sendJson(ex, { ok: true, path: ex.request.path });
  else sendJson(ex, { error: 'invalid_token' }, 401, { 'www-authenticate': 'Bearer error="invalid_token"' });
};

/** The logoff endpoint when healthy: 204. */
export const healthyLogoff: Fault = (ex) => {
  ex.res.writeHead(204).end();
};

const HEALTHY: Record<Route, Fault> = { token: healthyToken, api: healthyApi, logoff: healthyLogoff };

function routeOf(method: string, path: string): Route | undefined {
  if (method === 'POST' && path === '/token') return 'token';
  if (path === '/logoff') return 'logoff';
  if (path.startsWith('/api/')) return 'api';
  return undefined;
}

/** Starts a fault server on 127.0.0.1, on an ephemeral port. Every route starts healthy. */
export async function startFaultServer(): Promise<FaultServer> {
  const faults = new Map<Route, Fault>(Object.entries(HEALTHY) as Array<[Route, Fault]>);
  const seen = new Map<Route, number>();
  const sockets = new Set<Socket>();
  const timers = new Map<Socket, Set<ReturnType<typeof setTimeout>>>();
  const requests: FaultRequest[] = [];
  let connections = 0;

  /** Sockets that carried a request: Node's closeIdleConnections() skips one that never did. */
  const requested = new WeakSet<Socket>();
  const server = http.createServer((req, res) => {
    requested.add(req.socket);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => {});
    res.on('error', () => {});
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const body = Buffer.concat(chunks).toString('utf8');
      const route = routeOf(req.method ?? 'GET', path);
      const grant = route === 'token' ? grantOf(body, req.headers['content-type']) : undefined;
      const request: FaultRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, grant };
      requests.push(request);
      if (route === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const n = (seen.get(route) ?? 0) + 1;
      seen.set(route, n);
      Promise.resolve()
        .then(() => faults.get(route)!({ req, res, socket: req.socket, request, n, server: api }))
        .catch((err: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(`fault server: ${String(err)}`);
        });
    });
  });
  server.on('connection', (socket) => {
    connections++;
    if (api.resetOnConnect) {
      socket.on('error', () => {});
      socket.resetAndDestroy();
      return;
    }
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => {
      sockets.delete(socket);
      for (const t of timers.get(socket) ?? []) clearTimeout(t);
      timers.delete(socket);
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  const api: FaultServer = {
    origin,
    port,
    tokenUrl: `${origin}/token`,
    apiUrl: `${origin}/api/resource`,
    logoffUrl: `${origin}/logoff`,
    tag: randomBytes(4).toString('hex'),
    requests,
    tokenRequests: (grant) => requests.filter((r) => r.method === 'POST' && r.path === '/token' && (grant === undefined || r.grant === grant)).length,
    apiRequests: () => requests.filter((r) => r.path.startsWith('/api/')),
    get connections() {
      return connections;
    },
    resetOnConnect: false,
    openSockets: () => sockets.size,
    largeWrites: [],
    issued: [],
    fault: (route, fault) => void faults.set(route, fault),
    recover: () => {
      api.resetOnConnect = false;
      for (const [route, fault] of Object.entries(HEALTHY) as Array<[Route, Fault]>) faults.set(route, fault);
    },
    stopListening: () => new Promise<void>((resolve) => server.close(() => resolve())),
    listen: () =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      }),
    track: (socket, timer) => {
      timer.unref();
      if (socket.destroyed) return void clearTimeout(timer);
      let set = timers.get(socket);
      if (!set) timers.set(socket, (set = new Set()));
      set.add(timer);
    },
    waitForNoOpenSockets: async (timeoutMs = 3000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        // Idle connections are the client's pool (undici also opens a spare one after an aborted request)
        // and close when the server says so. What stays open is an exchange the client never ended: a
        // request it stopped waiting for without closing, an answer it stopped reading.
        server.closeIdleConnections();
        for (const socket of sockets) if (!requested.has(socket)) socket.destroy();
        if (sockets.size === 0 || Date.now() >= deadline) return sockets.size;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
  return api;
}

function grantOf(body: string, contentType: string | undefined): string | undefined {
  if (contentType?.includes('json')) {
    try {
      return (JSON.parse(body) as { grant_type?: string }).grant_type;
    } catch {
      return undefined;
    }
  }
  return new URLSearchParams(body).get('grant_type') ?? undefined;
}
