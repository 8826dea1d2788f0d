/**
 * What every seed-system mock shares: a request log that keeps the bytes as sent, a book of issued
 * tokens (so API and logoff handlers can tell valid, expired and revoked tokens apart), and small
 * readers for form, JSON and Basic credentials. The vendor specifics live in one module per system.
 */
import { type HttpHandler, HttpResponse } from 'msw';

/** One request as the mock server received it. */
export interface LoggedRequest {
  readonly method: string;
  /** The full URL, query included. */
  readonly url: string;
  /** Header names in lower case, values as sent. */
  readonly headers: Readonly<Record<string, string>>;
  /** The raw body text ('' when none). */
  readonly body: string;
}

/** What a seed-system factory returns. */
export interface SeedServer<State = unknown> {
  /** msw handlers: pass to `setupServer(...server.handlers)` or `server.use(...)`. */
  readonly handlers: HttpHandler[];
  /** Every request received, oldest first. */
  readonly requests: LoggedRequest[];
  /** Requests to the token endpoint only. */
  tokenRequests(): LoggedRequest[];
  /** Issued tokens, for expiring or revoking them from a test. */
  readonly tokens: TokenBook;
  /** The system's URLs. */
  readonly urls: State;
}

/** Records `request` (cloned, so the handler can still read the body) and returns the entry. */
export async function logRequest(log: LoggedRequest[], request: Request): Promise<LoggedRequest> {
  const entry: LoggedRequest = {
    method: request.method,
    url: request.url,
    headers: Object.fromEntries([...request.headers].map(([k, v]) => [k.toLowerCase(), v])),
    body: await request.clone().text(),
  };
  log.push(entry);
  return entry;
}

/** Form fields of a logged request (`application/x-www-form-urlencoded`). */
export function formFields(entry: LoggedRequest): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(entry.body));
}

/**
 * `Authorization: Basic` decoded the way an RFC 6749 §2.3.1 server does it: base64, split at the first
 * `:`, then form-decode each half. `undefined` when there is no Basic header.
 */
export function basicCredentials(entry: LoggedRequest): { id: string; secret: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(entry.headers.authorization ?? '');
  if (!m) return undefined;
  const pair = Buffer.from(m[1]!, 'base64').toString('utf8');
  const at = pair.indexOf(':');
  if (at < 0) return undefined;
  const decode = (s: string) => new URLSearchParams(`v=${s}`).get('v') ?? '';
  return { id: decode(pair.slice(0, at)), secret: decode(pair.slice(at + 1)) };
}

/** The bearer token of a logged request, any casing of the scheme. */
export function bearerToken(entry: LoggedRequest): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(entry.headers.authorization ?? '')?.[1];
}

/** A JSON response from raw text, so documented bodies (trailing commas included) go out byte for byte. */
export function rawJson(text: string, status = 200, headers: Record<string, string> = {}): HttpResponse<string> {
  return new HttpResponse(text, { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

/** What the book knows about one issued token. */
interface Issued {
  readonly kind: 'access' | 'refresh';
  /** Epoch ms (server clock = `Date.now()`, so fake timers move it). */
  expiresAt: number;
  revoked: boolean;
  /** Free-form: which grant, scope, user or licence it belongs to. */
  readonly meta: Record<string, unknown>;
}

/** Issued tokens and their state. */
export class TokenBook {
  readonly #tokens = new Map<string, Issued>();
  #counter = 0;

  /** A fresh, unique token value with a readable prefix. */
  next(prefix: string): string {
    this.#counter += 1;
    return `${prefix}-${String(this.#counter).padStart(4, '0')}`;
  }

  /** Records a token the server handed out. */
  issue(value: string, kind: 'access' | 'refresh', lifetimeSeconds: number, meta: Record<string, unknown> = {}): void {
    this.#tokens.set(value, { kind, expiresAt: Date.now() + lifetimeSeconds * 1000, revoked: false, meta });
  }

  /** 'valid', 'expired', 'revoked' or 'unknown'. */
  status(value: string | undefined, kind: 'access' | 'refresh'): 'valid' | 'expired' | 'revoked' | 'unknown' {
    const t = value === undefined ? undefined : this.#tokens.get(value);
    if (!t || t.kind !== kind) return 'unknown';
    if (t.revoked) return 'revoked';
    return Date.now() < t.expiresAt ? 'valid' : 'expired';
  }

  /** The metadata stored with a token. */
  meta(value: string): Record<string, unknown> | undefined {
    return this.#tokens.get(value)?.meta;
  }

  /** Revokes one token; true when it was known and not yet revoked. */
  revoke(value: string): boolean {
    const t = this.#tokens.get(value);
    if (!t || t.revoked) return false;
    t.revoked = true;
    return true;
  }

  /** Makes every token of a kind (or of both kinds) expire now, as if time had passed on the server. */
  expireAll(kind?: 'access' | 'refresh'): void {
    for (const t of this.#tokens.values()) if (kind === undefined || t.kind === kind) t.expiresAt = Math.min(t.expiresAt, Date.now() - 1);
  }

  /** Revokes every token of a kind (or of both kinds): a second login ending the first session. */
  revokeAll(kind?: 'access' | 'refresh'): void {
    for (const t of this.#tokens.values()) if (kind === undefined || t.kind === kind) t.revoked = true;
  }

  /** Values of tokens that are currently valid. */
  valid(kind: 'access' | 'refresh'): string[] {
    return [...this.#tokens.keys()].filter((v) => this.status(v, kind) === 'valid');
  }
}

/** A JWT-shaped token (unsigned payload is enough for clients that read `exp`). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(claims)}.c2lnbmF0dXJl`;
}
