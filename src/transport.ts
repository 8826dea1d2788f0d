/**
 * Sending a token (or logoff) request and reading its answer, with a timeout, a size cap and typed
 * network errors. Which fetch sends it is chosen in `default-fetch.ts`.
 * @module
 */
import { certificateRefusal, isCertificateAlert } from './dispatcher.js';
import { ErrorCode, NetworkError, ResponseError } from './errors.js';
import type { TokenHttpResponse } from './normalize.js';
import type { FetchLike } from './options.js';

/** A request as the transport sends it. */
export interface WireRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** Sends one request and reads the whole (capped) answer. */
export type Send = (request: WireRequest, signal?: AbortSignal) => Promise<TokenHttpResponse>;

/** Options of {@link createSend}. */
export interface SendOptions {
  fetch: FetchLike;
  /** Per-request timeout, ms. */
  timeout: number;
  /** Answers longer than this many bytes are refused. */
  maxResponseBytes: number;
}

/** Builds the function that sends one token-endpoint request. */
export function createSend(options: SendOptions): Send {
  return async (request, signal) => {
    const timeoutSignal = AbortSignal.timeout(options.timeout);
    const combined = signal ? AbortSignal.any([signal, timeoutSignal]) : timeoutSignal;
    let response: Response;
    try {
      response = await options.fetch(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
        redirect: 'manual',
        signal: combined,
      });
    } catch (err) {
      throw networkError(err, request, options.timeout, signal, timeoutSignal);
    }
    let body: string;
    try {
      body = await readCapped(response, options.maxResponseBytes);
    } catch (err) {
      if (err instanceof ResponseError) throw err;
      throw networkError(err, request, options.timeout, signal, timeoutSignal);
    }
    return { status: response.status, headers: response.headers, body };
  };
}

function networkError(err: unknown, request: WireRequest, timeout: number, caller: AbortSignal | undefined, timer: AbortSignal): NetworkError {
  const where = `${request.method} ${redactUrl(request.url)}`;
  if (caller?.aborted) return new NetworkError(ErrorCode.ABORTED, `${where} was aborted by the caller`, { cause: caller.reason });
  if (timer.aborted) return new NetworkError(ErrorCode.TIMEOUT, `${where} timed out after ${timeout} ms`);
  const cause = err instanceof Error ? (err.cause instanceof Error ? err.cause : err) : new Error(String(err));
  const code = (cause as { code?: unknown }).code;
  const refusal = refusalOf(err);
  if (refusal !== undefined) return new NetworkError(refusal.code, `${where} failed: ${refusal.what}`, { cause: plainCause(cause) });
  return new NetworkError(ErrorCode.NETWORK, `${where} failed: ${typeof code === 'string' ? `${code} ` : ''}${redactUrlsIn(cause.message)}`, {
    cause: plainCause(cause),
  });
}

/**
 * Failures that retrying cannot fix, with a clearer message: the proxy refused the CONNECT tunnel
 * (undici: "Proxy response (403) !== 200 when HTTP Tunneling"), or the server refused the client
 * certificate in the TLS handshake. Neither message holds a credential.
 */
function refusalOf(err: unknown): { code: ErrorCode; what: string } | undefined {
  // undici's fetch nests them: TypeError "fetch failed" → DOMException "Request was cancelled." → the reason.
  for (let cause = err, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    const proxy = /^Proxy response \((\d{3})\) !== 200 when HTTP Tunneling$/.exec(cause.message);
    if (proxy) {
      const status = Number(proxy[1]);
      return {
        code: ErrorCode.PROXY,
        what: `the proxy refused the CONNECT tunnel with ${status}${status === 407 ? ' (Proxy Authentication Required: check the credentials in `proxy` / HTTPS_PROXY)' : ''}`,
      };
    }
    const code = (cause as { code?: unknown }).code;
    // The alert itself, or (TLS 1.3, where undici reports "other side closed") the one recorded for the socket.
    const alert = isCertificateAlert(code) ? code : certificateRefusal((cause as { socket?: { localPort?: unknown } }).socket?.localPort);
    if (alert !== undefined) return { code: ErrorCode.CLIENT_AUTH, what: `the server refused the TLS client certificate (option \`tls\`): ${alert}` };
  }
  return undefined;
}

/**
 * A copy of the cause with only its name, (URL-redacted) message and code: undici errors can hold the
 * socket and request, and their messages quote URLs ("Request cannot be constructed from a URL that
 * includes credentials: https://user:pass@…").
 */
function plainCause(err: Error): Error {
  const copy = new Error(redactUrlsIn(err.message));
  copy.name = err.name;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code });
  return copy;
}

/** A URL without user info or query string, for messages (a query could hold a token). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '[invalid URL]';
  }
}

/** Every absolute URL in `text` as {@link redactUrl} writes it: no user info, query or fragment. */
export function redactUrlsIn(text: string): string {
  // The scheme is bounded so that a long dotted word cannot make the scan quadratic.
  return text.replace(/\b[a-z][a-z\d+.-]{0,30}:\/\/[^\s"'<>`]+/gi, (url) => {
    if (URL.canParse(url) && new URL(url).origin !== 'null') return redactUrl(url);
    // Unparseable, or a scheme without an origin (`redis://`): cut user info, query and fragment by hand.
    return url.replace(/\/\/[^/?#]*@/, '//[user info]@').replace(/[?#].*$/, '');
  });
}

async function readCapped(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    // Not awaited: some fetch mocks (msw) never settle cancel(); the error must not wait on it.
    void response.body?.cancel().catch(() => {});
    throw tooLarge(response.status, limit);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      void reader.cancel().catch(() => {});
      throw tooLarge(response.status, limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(status: number, limit: number): ResponseError {
  return new ResponseError(ErrorCode.RESPONSE_TOO_LARGE, `token endpoint answered ${status} with a body over the ${limit}-byte limit (maxResponseBytes)`, {
    status,
  });
}
