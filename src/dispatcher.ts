/**
 * tokenward's own undici dispatcher when the options need one: a client certificate (`tls`, RFC 8705)
 * and/or a forward proxy (`proxy`, or `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` from the environment).
 * undici is loaded when the dispatcher is first needed, not when this module is.
 * @module
 */
import type { Dispatcher } from 'undici';
import type { TlsCredentials } from './credentials.js';
import type { ProxySetting } from './options-enterprise.js';

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
 * - `tls` only: an `Agent` presenting the client certificate.
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
    const undici = await import('undici');
    const common = { keepAliveTimeout: 10_000, connections: 128 };
    if (proxy.kind === 'url') {
      // undici turns user info in the URL into Proxy-Authorization; the URL itself stays in this closure.
      return new undici.ProxyAgent({ ...common, uri: proxy.url.href, proxyTunnel: false, ...(tls ? { requestTls: tls } : {}) });
    }
    if (proxy.kind === 'env') {
      return new undici.EnvHttpProxyAgent({ ...common, proxyTunnel: false, ...(tls ? { connect: tls, requestTls: tls } : {}) } as ConstructorParameters<typeof undici.EnvHttpProxyAgent>[0]);
    }
    return new undici.Agent({ ...common, connect: tls! });
  };
}
