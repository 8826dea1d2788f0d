/**
 * The fetch tokenward sends its own requests with (token, discovery, logoff, `tm.fetch`) when the caller
 * gives none:
 *
 * - with a dispatcher (the caller's `dispatcher`, or one built for `tls` / `proxy`): undici's `fetch`
 *   with it, undici loaded by the first request;
 * - without one: Node's built-in `fetch` for the process's first {@link HANDOFF_AFTER} requests; then
 *   undici is loaded and its `fetch`, with one shared keep-alive `Agent`, takes over.
 *
 * Why both: a short-lived process (a CLI call, a serverless function, a job) makes a few requests, for
 * which Node's fetch costs nothing to load where the undici package costs ~100 ms; a long-lived one
 * makes many, and undici 7's fetch sends each with ~15% less CPU than Node 20's built-in copy
 * (bench/coldstart.bench.ts, bench/fetch.bench.ts).
 *
 * Never an npm undici `Agent` with Node's fetch, nor the reverse: the two copies' handler formats differ.
 * @module
 */
import type { Dispatcher } from 'undici';
import type { LazyDispatcher } from './dispatcher.js';
import type { FetchLike } from './options.js';
import { loadedUndici, loadUndici, type UndiciModule } from './undici-module.js';

/**
 * Requests the process sends through Node's fetch before undici takes over. Loading undici costs about
 * as much CPU as undici's fetch saves over a few thousand requests; by this many the process is no
 * one-off, and it still has the rest of its life to run at undici's speed.
 */
export const HANDOFF_AFTER = 500;

/**
 * Node's built-in fetch, taken when tokenward is loaded: a fetch mock installed later (msw) does not see
 * tokenward's own requests, before the hand-off or after it. Tests inject `fetch` to route them through one.
 * `undefined` when Node runs with `--no-experimental-fetch`: then undici serves from the first request.
 */
const nodeFetch: typeof fetch | undefined = globalThis.fetch;

let nodeRequests = 0;
let sharedAgent: Dispatcher | undefined;

/**
 * The fetch for these options: the caller's `fetch` as is (msw tests pass `globalThis.fetch`); undici's
 * with the dispatcher when there is one; else the default described above.
 */
export function resolveFetch(fetchOption: FetchLike | undefined, dispatcher: LazyDispatcher | undefined): FetchLike {
  if (fetchOption) return fetchOption;
  if (dispatcher !== undefined) return withDispatcher(dispatcher);
  return nodeFetch === undefined ? withDispatcher(async () => defaultAgent(await loadUndici())) : defaultFetch;
}

/** The process-wide keep-alive pool of the default transport once undici has taken over. */
function defaultAgent(undici: UndiciModule): Dispatcher {
  sharedAgent ??= new undici.Agent({ keepAliveTimeout: 10_000, connections: 128 });
  return sharedAgent;
}

function defaultFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const undici = loadedUndici();
  if (undici !== undefined) return undiciSend(undici, defaultAgent(undici), input, init);
  // Not awaited: requests go on through Node's fetch until undici is there. If it cannot be loaded
  // (a bundle that left it out), Node's fetch simply goes on serving.
  if (++nodeRequests === HANDOFF_AFTER) loadUndici().catch(() => {});
  return nodeSend(input, init);
}

/** undici's fetch with `dispatcher`, which may be built on first use (client certificate, proxy). */
function withDispatcher(dispatcher: LazyDispatcher): FetchLike {
  let undici = loadedUndici();
  let d: Dispatcher | undefined = typeof dispatcher === 'function' ? undefined : dispatcher;
  // Every request made before both are there awaits the same load and build.
  let ready: Promise<void> | undefined;
  return (input, init) => {
    if (undici !== undefined && d !== undefined) return undiciSend(undici, d, input, init);
    ready ??= Promise.all([loadUndici(), typeof dispatcher === 'function' ? dispatcher() : dispatcher]).then(([module, built]) => {
      undici = module;
      d = built;
    });
    return ready.then(() => undiciSend(undici!, d!, input, init));
  };
}

function undiciSend(undici: UndiciModule, dispatcher: Dispatcher, input: string | URL | Request, init: RequestInit | undefined): Promise<Response> {
  // Object.assign, not a spread: undici's RequestInit converter reads a spread-built object about
  // 2 µs slower per request (measured, Node 20 / undici 7), which is 2–3% of a loopback fetch.
  const next: Record<string, unknown> = Object.assign({}, init) as Record<string, unknown>;
  next.dispatcher = dispatcher;
  const body = init?.body;
  // Node's global FormData is another copy of undici's class; undici's fetch would send it as the
  // text "[object FormData]". Its entries (strings and node:buffer Blobs/Files) copy over as they are.
  if (body instanceof FormData && !(body instanceof undici.FormData)) next.body = copyForm(body, new undici.FormData() as unknown as FormData);
  return undici.fetch(input as Parameters<UndiciModule['fetch']>[0], next as Parameters<UndiciModule['fetch']>[1]) as unknown as Promise<Response>;
}

function nodeSend(input: string | URL | Request, init: RequestInit | undefined): Promise<Response> {
  if (init === undefined) return nodeFetch!(input);
  const next = Object.assign({}, init) as RequestInit & { dispatcher?: unknown };
  // A `dispatcher` in init belongs to the undici package (a habit from `undici.fetch`): Node's fetch must
  // never get it, and tokenward's transport sets its own in its place on the undici path too.
  if (next.dispatcher !== undefined) delete next.dispatcher;
  // The reverse of the copy above: Node 24's fetch (undici 7 inside) sends the undici package's
  // FormData as "[object FormData]"; Node 20's and 22's take any FormData-like body.
  const body = next.body;
  if (typeof body === 'object' && body !== null && !(body instanceof FormData) && Object.prototype.toString.call(body) === '[object FormData]') {
    next.body = copyForm(body as FormData, new FormData());
  }
  return nodeFetch!(input, next);
}

function copyForm(form: FormData, copy: FormData): FormData {
  for (const [name, value] of form) {
    if (typeof value === 'string') copy.append(name, value);
    else copy.append(name, value, value.name);
  }
  return copy;
}
