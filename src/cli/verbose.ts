/**
 * `--verbose`: each HTTP exchange on stderr, as the `fetch` that `TokenManager` sends with. Method, URL
 * without its query, status, time, headers with credentials hidden, and bodies as redacted excerpts:
 * token-looking fields, the configured secrets and every token seen are never shown. Bodies of API
 * answers are not repeated (they go to stdout); those of the token and logoff endpoints are.
 * @module
 */
import type { TokenManager } from '../manager.js';
import type { FetchLike } from '../options.js';
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
  /** A redacted excerpt of a body. */
  excerpt(text: string): string {
    return excerpt(text, this.#values);
  }
  /** Token values in a token answer (JSON, form or XML), so they are scrubbed wherever they turn up later. */
  learnFrom(text: string): void {
    const patterns = [/"(?:access_token|refresh_token|id_token)"\s*:\s*"([^"]+)"/g, /(?:^|&)(?:access_token|refresh_token|id_token)=([^&\s]+)/g, /<(access_token|refresh_token|id_token)>([^<]+)</g];
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

/** Wraps `base` so each exchange is written to `write` before and after it happens. */
export function verboseFetch(base: FetchLike, secrets: Secrets, write: Write): FetchLike {
  return async (input, init) => {
    const request = input instanceof Request ? input : undefined;
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    const headers = new Headers(init?.headers ?? request?.headers);
    const bearer = /^bearer\s+(\S+)/i.exec(headers.get('authorization') ?? '')?.[1];
    secrets.add(bearer);
    write(`* ${method} ${urlForLog(url)}`);
    for (const [name, value] of headers) write(`> ${name}: ${redactHeader(name, value, secrets.scrub)}`);
    const body = init?.body;
    if (typeof body === 'string' || body instanceof URLSearchParams) write(`> ${secrets.excerpt(String(body))}`);
    else if (body !== undefined && body !== null) write(`> [${ArrayBuffer.isView(body) ? `${body.byteLength} bytes` : 'body'}]`);
    const started = performance.now();
    let response: Response;
    try {
      response = await base(input, init);
    } catch (err) {
      write(`< no answer after ${elapsed(started)}: ${secrets.scrub(describe(err))}`);
      throw err;
    }
    write(`< ${response.status}${response.statusText ? ` ${response.statusText}` : ''} (${elapsed(started)})`);
    for (const [name, value] of response.headers) write(`< ${name}: ${redactHeader(name, value, secrets.scrub)}`);
    // An API answer (the request carried the token) goes to stdout whole; an authorization server's is shown here.
    if (bearer === undefined) {
      const text = await peek(response);
      secrets.learnFrom(text);
      if (text !== '') write(`< ${secrets.excerpt(text)}`);
    }
    return response;
  };
}

/** The first 4 KiB of a copy of the body; the caller's copy is untouched. */
async function peek(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = response.clone().body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < BODY_PEEK) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // The answer broke off: the caller sees that on its own copy.
  } finally {
    reader.cancel().catch(() => {});
  }
  return text.slice(0, BODY_PEEK);
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
  tm.on('retry', (e) => write(`* try ${e.attempt} failed, ${e.retriesLeft} ${e.retriesLeft === 1 ? 'retry' : 'retries'} left: ${secrets.scrub(e.error.message)}`));
  tm.on('refresh-fallback', (e) => write(`* the refresh token was refused (${secrets.scrub(e.error.message)}); using the grant instead`));
  tm.on('auth-replay', (e) => write(`* the API answered ${e.status} to the token: renewed it, replaying ${e.url}`));
  tm.on('logoff', (e) => write(`* logoff: ${e.released ? 'session released at the server' : 'nothing released at the server'}`));
}
