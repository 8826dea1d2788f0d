/**
 * `--verbose`: each HTTP exchange on stderr, as undici reports it on `node:diagnostics_channel`. Method,
 * URL without its query, status, time, headers with credentials hidden, and bodies as redacted
 * excerpts: token-looking fields, the configured secrets and every token seen are never shown. Bodies
 * of API answers are not repeated (they go to stdout); those of the token and logoff endpoints are.
 * @module
 */
import diagnostics from 'node:diagnostics_channel';
import type { LogoffOutcome } from '../events.js';
import type { TokenManager } from '../manager.js';
import { excerpt, scrub } from '../redact.js';
import { expiresPhrase, redactHeader } from './output.js';

/** Where verbose lines go (stderr). */
export type Write = (line: string) => void;

/** The characters of an answer body looked at for its excerpt. */
const BODY_PEEK = 4096;

/** Tokens and secrets to scrub from everything shown; tokens are added as they are seen. */
export class Secrets {
  readonly #values = new Set<string>();
  constructor(initial: Iterable<string | undefined>) {
    for (const v of initial) this.add(v);
  }
  add(value: string | undefined): void {
    if (value !== undefined && value.length >= 4) this.#values.add(value);
  }
  /** `text` with each known secret (and its encoded spellings) replaced by `[redacted]`. */
  scrub = (text: string): string => scrub(text, this.#values);
  /**
   * A redacted excerpt of a body, by the library's rule: a 2xx answer (`status`) as its shape only, any
   * other answer (and a request body, `status` 0) readable with secret-looking values hidden.
   */
  excerpt(text: string, status: number): string {
    return excerpt(text, status, this.#values);
  }
  /** Token values in a token answer (JSON, form or XML), so they are scrubbed wherever they turn up later. */
  learnFrom(text: string): void {
    const patterns = [
      /"(?:access_token|refresh_token|id_token)"\s*:\s*"([^"]+)"/g,
      /(?:^|&)(?:access_token|refresh_token|id_token)=([^&\s]+)/g,
      /<(access_token|refresh_token|id_token)>([^<]+)</g,
    ];
    for (const pattern of patterns) {
      for (const m of text.matchAll(pattern)) {
        const value = m[m.length - 1]!;
        this.add(value);
        try {
          this.add(decodeURIComponent(value.replace(/\+/g, ' ')));
        } catch {
          // Not percent-encoded: added as is above.
        }
      }
    }
  }
}

/** `https://host/path`: no user info, no query (it may carry a token), no fragment. A relative URL keeps its path only. */
export function urlForLog(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url.replace(/[?#].*$/s, '').replace(/^[^/]*@/, '');
  }
}

/** What is kept about one request while it is in flight. */
interface Exchange {
  readonly started: number;
  /** It carried a bearer token: an API call, whose answer goes to stdout, not here. */
  readonly api: boolean;
  status: number;
  sent: string;
  received: string;
}

/** The fields of undici's `Request` that its channels hand out and are read here. */
interface UndiciRequest {
  readonly origin?: unknown;
  readonly method?: unknown;
  readonly path?: unknown;
  readonly headers?: unknown;
}

/**
 * Writes each HTTP exchange to `write` as undici reports it on `node:diagnostics_channel`
 * (`undici:request:*`), so `--verbose` watches the very requests the library sends, through whatever
 * dispatcher it uses (a proxy, a private CA), without changing how they are sent. Returns a function
 * that stops watching.
 */
export function watchExchanges(secrets: Secrets, write: Write): () => void {
  const exchanges = new WeakMap<object, Exchange>();
  const handlers: Record<string, (message: unknown) => void> = {
    'undici:request:create': (m) => {
      const request = (m as { request: UndiciRequest }).request;
      const headers = pairs(request.headers);
      const bearer = headers.map(([name, value]) => (name.toLowerCase() === 'authorization' ? /^bearer\s+(\S+)/i.exec(value)?.[1] : undefined)).find(Boolean);
      secrets.add(bearer);
      exchanges.set(request, { started: performance.now(), api: bearer !== undefined, status: 0, sent: '', received: '' });
      write(`* ${String(request.method)} ${urlForLog(`${String(request.origin)}${String(request.path)}`)}`);
      for (const [name, value] of headers) write(`> ${name}: ${redactHeader(name, value, secrets.scrub)}`);
    },
    'undici:request:bodyChunkSent': (m) => {
      const { request, chunk } = m as { request: object; chunk: unknown };
      const x = exchanges.get(request);
      if (x && x.sent.length < BODY_PEEK) x.sent += text(chunk);
    },
    'undici:request:bodySent': (m) => {
      const x = exchanges.get((m as { request: object }).request);
      if (x && x.sent !== '') write(`> ${secrets.excerpt(x.sent, 0)}`);
    },
    'undici:request:headers': (m) => {
      const { request, response } = m as { request: object; response: { statusCode: number; statusText?: string; headers: unknown } };
      const x = exchanges.get(request);
      if (x) x.status = response.statusCode;
      write(`< ${response.statusCode}${response.statusText ? ` ${response.statusText}` : ''}${x ? ` (${elapsed(x.started)})` : ''}`);
      for (const [name, value] of pairs(response.headers)) write(`< ${name}: ${redactHeader(name, value, secrets.scrub)}`);
    },
    'undici:request:bodyChunkReceived': (m) => {
      const { request, chunk } = m as { request: object; chunk: unknown };
      const x = exchanges.get(request);
      // An API answer (the request carried the token) goes to stdout whole; an authorization server's is shown here.
      if (x && !x.api && x.received.length < BODY_PEEK) x.received += text(chunk);
    },
    'undici:request:trailers': (m) => {
      const request = (m as { request: object }).request;
      const x = exchanges.get(request);
      exchanges.delete(request);
      if (x === undefined || x.received === '') return;
      secrets.learnFrom(x.received);
      write(`< ${secrets.excerpt(x.received.slice(0, BODY_PEEK), x.status)}`);
    },
    'undici:request:error': (m) => {
      const { request, error } = m as { request: object; error: unknown };
      const x = exchanges.get(request);
      exchanges.delete(request);
      write(`< no answer${x ? ` after ${elapsed(x.started)}` : ''}: ${secrets.scrub(describe(error))}`);
    },
  };
  for (const [name, handler] of Object.entries(handlers)) diagnostics.subscribe(name, handler);
  return () => {
    for (const [name, handler] of Object.entries(handlers)) diagnostics.unsubscribe(name, handler);
  };
}

/** undici's flat header lists (`[name, value, name, value]`; values strings, string arrays or Buffers) as pairs. */
function pairs(headers: unknown): Array<[string, string]> {
  if (!Array.isArray(headers)) return [];
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const value: unknown = headers[i + 1];
    for (const v of Array.isArray(value) ? value : [value]) out.push([text(headers[i]), text(v)]);
  }
  return out;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  return String(value);
}

function elapsed(started: number): string {
  return `${Math.round(performance.now() - started)} ms`;
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}${cause ? ` (${cause})` : ''}`;
}

/** Writes the manager's events (retries, refresh fallbacks, 401 replays, tokens) as `*` lines. Payloads hold no token. */
export function logEvents(tm: TokenManager, secrets: Secrets, write: Write): void {
  tm.on('token', (e) => {
    const via = e.how === 'store' ? 'the cache' : e.how === 'refresh' ? 'a refresh' : `a ${e.grant} grant`;
    write(`* token from ${via}: ${e.tokenType}, ${expiresPhrase(e.expiresAt, Date.now())}, refresh token: ${e.hasRefreshToken ? 'yes' : 'none'}`);
  });
  tm.on('retry', (e) =>
    write(`* try ${e.attempt} failed, ${e.retriesLeft} ${e.retriesLeft === 1 ? 'retry' : 'retries'} left: ${secrets.scrub(e.error.message)}`),
  );
  tm.on('refresh-fallback', (e) => write(`* the refresh token was refused (${secrets.scrub(e.error.message)}); using the grant instead`));
  tm.on('auth-replay', (e) => write(`* the API answered ${e.status} to the token: renewed it, replaying ${e.url}`));
  tm.on('logoff', (e) => write(`* logoff: ${LOGOFF_OUTCOMES[e.outcome]}`));
}

/** What each logoff outcome means, in `--verbose`'s words. */
const LOGOFF_OUTCOMES: Record<LogoffOutcome, string> = {
  released: 'session released at the server',
  'already-ended': 'the server said the session had already ended',
  'not-revocable': 'the server does not revoke this kind of token (unsupported_token_type): it stays valid until it expires',
  'no-token': 'no token held: nothing to release',
  'not-configured': 'no logoff configured: the token is only forgotten here',
  failed: 'nothing released at the server (the logoff failed)',
};
