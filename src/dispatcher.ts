/**
 * tokenward's own undici dispatcher when the options need one: a client certificate (`tls`, RFC 8705)
 * and/or a forward proxy (`proxy`, or `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` from the environment).
 * undici is loaded when the dispatcher is first needed, not when this module is.
 * @module
 */
import type { Dispatcher } from 'undici';
import type { TlsCredentials } from './credentials.js';
import type { ProxySetting } from './options-enterprise.js';
import { loadUndici } from './undici-module.js';

/** What {@link transportDispatcher} reads from the options. */
export interface DispatcherInput {
  dispatcher: Dispatcher | undefined;
  tls: TlsCredentials | undefined;
  proxy: ProxySetting;
}

/** A dispatcher, or a function that builds one on first use. */
export type LazyDispatcher = Dispatcher | (() => Promise<Dispatcher>);

/** The proxy variables curl, Go and Python requests honour, in either case. */
const PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'] as const;

/** Whether the environment names a proxy (then `EnvHttpProxyAgent` applies it, with `NO_PROXY`). */
export function environmentHasProxy(env: NodeJS.ProcessEnv = process.env): boolean {
  return PROXY_VARIABLES.some((name) => (env[name] ?? '') !== '');
}

/**
 * The dispatcher for token, discovery, logoff and `tm.fetch` requests: the caller's `dispatcher` as is;
 * `undefined` (the shared keep-alive pool) when nothing asks for more; else one built on first use:
 *
 * - `proxy: 'http://proxy:3128'`: a `ProxyAgent` for every target.
 * - a proxy in the environment: an `EnvHttpProxyAgent`, which honours `NO_PROXY` (either case).
 * - `tls` only: an `Agent` presenting the client certificate and/or trusting the private CA.
 *
 * HTTPS targets go through a CONNECT tunnel, so the proxy sees only the host name, never the token;
 * with `tls`, the client certificate is presented to the target inside the tunnel (`requestTls`), not
 * to the proxy. Plain `http:` targets are forwarded (the proxy sees the request, as with curl).
 */
export function transportDispatcher(o: DispatcherInput, env: NodeJS.ProcessEnv = process.env): LazyDispatcher | undefined {
  if (o.dispatcher !== undefined) return o.dispatcher;
  const proxy = o.proxy.kind === 'env' && !environmentHasProxy(env) ? ({ kind: 'none' } as const) : o.proxy;
  if (proxy.kind === 'none' && o.tls === undefined) return undefined;
  const tls = o.tls?.connectOptions();
  return async () => {
    const undici = await loadUndici();
    const common = { keepAliveTimeout: 10_000, connections: 128 };
    if (proxy.kind === 'url') {
      // undici turns user info in the URL into Proxy-Authorization; the URL itself stays in this closure.
      return new undici.ProxyAgent({ ...common, uri: proxy.url.href, proxyTunnel: false, ...(tls ? { requestTls: tls } : {}) });
    }
    if (proxy.kind === 'env') {
      // `connect` serves the NO_PROXY targets (the proxy agents replace it with their own), `requestTls` the tunnelled ones.
      const direct = tls ? { connect: recordingRefusals(undici.buildConnector(tls)), requestTls: tls } : {};
      return new undici.EnvHttpProxyAgent({ ...common, proxyTunnel: false, ...direct } as ConstructorParameters<typeof undici.EnvHttpProxyAgent>[0]);
    }
    return new undici.Agent({ ...common, connect: recordingRefusals(undici.buildConnector(tls!)) });
  };
}

/**
 * TLS alerts by which a server refuses the client certificate, by the local port of the connection.
 * undici reports such a connection as "other side closed" (in TLS 1.3 the alert arrives after the
 * handshake), losing the alert; the connector below keeps it here so the transport can say what happened.
 */
const refusals = new Map<number, string>();
const CERTIFICATE_ALERT =
  /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(?:BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_REQUIRED|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED|DECRYPT_ERROR)$/;

/** The client-certificate alert seen on the connection from `localPort`, if any. */
export function certificateRefusal(localPort: unknown): string | undefined {
  return typeof localPort === 'number' ? refusals.get(localPort) : undefined;
}

/** Whether a TLS error code is a server refusing the client certificate. */
export function isCertificateAlert(code: unknown): code is string {
  return typeof code === 'string' && CERTIFICATE_ALERT.test(code);
}

function recordingRefusals(connect: import('undici').buildConnector.connector): import('undici').buildConnector.connector {
  return (options, callback) =>
    connect(options, (err, socket) => {
      if (socket) {
        const port = socket.localPort;
        socket.on('error', (error: Error & { code?: unknown }) => {
          if (port === undefined || !isCertificateAlert(error.code)) return;
          refusals.set(port, error.code);
          // Kept long enough for the failed request to be reported; bounded either way.
          setTimeout(() => refusals.delete(port), 10_000).unref();
        });
      }
      (callback as (e: Error | null, s: typeof socket) => void)(err, socket);
    });
}
