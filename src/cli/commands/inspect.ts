/**
 * `tokenward inspect`: the token, redacted, and what is known about it: expiry in local time and as
 * "expires in 14 min", the refresh token's life, scope, type, the client authentication that worked,
 * extra fields of the answer, and a JWT's decoded header and claims (never its signature or the raw
 * token). `--json` gives the same, machine-readable, still redacted.
 * @module
 */
import type { Token } from '../../token.js';
import { isFresh } from '../cache.js';
import { EXIT } from '../exit-codes.js';
import { type DecodedJwt, decodeJwt, expiresPhrase, formatLocalTime, redactToken, TIME_CLAIMS } from '../output.js';
import { type Session, target } from '../session.js';
import { print } from './print.js';

/** Fields of the answer shown in their own lines, not among the extras. */
const SHOWN_FIELDS = new Set(['access_token', 'token_type', 'expires_in', 'refresh_token', 'refresh_expires_in', 'scope', 'id_token']);
/** Extra fields whose values are hidden (the library's redaction rule for answer bodies). */
const SECRET_FIELD = /token|secret|password|passwd|assertion|session_state|code_verifier|^code$/i;

/** How the token was obtained. */
type Source = 'grant' | 'refresh' | 'cache';

/** Runs `tokenward inspect`; resolves to the exit code. */
export async function run(session: Session): Promise<number> {
  let now = Date.now();
  let token = session.cached();
  let source: Source = 'cache';
  let grant: string | undefined;
  let clientAuth = session.store?.clientAuth;
  if (token === undefined || !isFresh(token, now)) {
    const tm = await session.manager();
    tm.on('token', (e) => {
      source = e.how === 'store' ? 'cache' : e.how;
      grant = e.grant;
    });
    token = await target(tm, session.settings).getToken({ signal: session.signal });
    clientAuth = tm.clientAuth;
    now = Date.now();
  }
  const view = describe(token, { source, grant, clientAuth, now, cacheFile: session.store?.file });
  await print(session.io.stdout, session.flags.json === true ? `${JSON.stringify(view, null, 2)}\n` : render(view));
  return EXIT.OK;
}

/** The redacted description `--json` prints. */
export interface TokenView {
  accessToken: string;
  accessTokenLength: number;
  tokenType: string;
  expiresAt: string;
  expiresAtLocal: string;
  expiresInSeconds: number;
  refreshToken: { value: string; expiresAt: string | null; expiresAtLocal: string | null; expiresInSeconds: number | null } | null;
  scope: string | null;
  clientAuth: string | null;
  obtainedBy: Source;
  grant: string | null;
  receivedAt: string;
  cacheFile: string | null;
  idToken: boolean;
  extra: Record<string, unknown>;
  jwt: DecodedJwt | null;
}

interface Facts {
  source: Source;
  grant: string | undefined;
  clientAuth: string | undefined;
  now: number;
  cacheFile: string | undefined;
}

/** A token as {@link TokenView}: every token value redacted, the JWT decoded. */
export function describe(token: Token, facts: Facts): TokenView {
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(token.raw ?? {})) {
    if (!SHOWN_FIELDS.has(key)) extra[key] = SECRET_FIELD.test(key) ? '[redacted]' : value;
  }
  const refreshAt = token.refreshExpiresAt;
  return {
    accessToken: redactToken(token.accessToken),
    accessTokenLength: token.accessToken.length,
    tokenType: token.tokenType,
    expiresAt: new Date(token.expiresAt).toISOString(),
    expiresAtLocal: formatLocalTime(token.expiresAt),
    expiresInSeconds: Math.round((token.expiresAt - facts.now) / 1000),
    refreshToken:
      token.refreshToken === undefined
        ? null
        : {
            value: redactToken(token.refreshToken),
            expiresAt: refreshAt === undefined ? null : new Date(refreshAt).toISOString(),
            expiresAtLocal: refreshAt === undefined ? null : formatLocalTime(refreshAt),
            expiresInSeconds: refreshAt === undefined ? null : Math.round((refreshAt - facts.now) / 1000),
          },
    scope: token.scope ?? null,
    clientAuth: facts.clientAuth ?? null,
    obtainedBy: facts.source,
    grant: facts.source === 'cache' ? null : (facts.grant ?? null),
    receivedAt: new Date(token.receivedAt).toISOString(),
    cacheFile: facts.source === 'cache' ? (facts.cacheFile ?? null) : null,
    idToken: token.idToken !== undefined,
    extra,
    jwt: decodeJwt(token.accessToken) ?? null,
  };
}

/** The human form: one fact per line, labels aligned. */
export function render(view: TokenView): string {
  const lines: Array<[string, string]> = [];
  const now = Date.parse(view.expiresAt) - view.expiresInSeconds * 1000;
  lines.push(['access token', `${view.accessToken}${view.jwt ? ('encrypted' in view.jwt ? ', an encrypted JWT (JWE)' : ', a JWT') : ''}`]);
  lines.push(['token type', view.tokenType]);
  lines.push(['expires', `${view.expiresAtLocal} (${expiresPhrase(Date.parse(view.expiresAt), now)})`]);
  const r = view.refreshToken;
  lines.push([
    'refresh token',
    r === null
      ? 'none'
      : `${r.value}, ${r.expiresAt === null ? 'expiry not stated by the server' : `expires ${r.expiresAtLocal} (${expiresPhrase(Date.parse(r.expiresAt), now)})`}`,
  ]);
  lines.push(['scope', view.scope ?? '(not stated by the server)']);
  lines.push([
    'client auth',
    view.clientAuth ?? (view.obtainedBy === 'cache' ? 'not known: the token came from the cache (--no-cache shows which style the server takes)' : 'none sent'),
  ]);
  const obtained =
    view.obtainedBy === 'cache'
      ? `from the cache (${view.cacheFile ?? 'a shared store'})`
      : view.obtainedBy === 'refresh'
        ? 'by a refresh'
        : `by a ${view.grant ?? 'new'} grant`;
  lines.push(['obtained', `${obtained} at ${formatLocalTime(Date.parse(view.receivedAt))}`]);
  if (view.idToken) lines.push(['id token', 'present (not shown)']);
  for (const [key, value] of Object.entries(view.extra)) lines.push([key, JSON.stringify(value)]);
  if (view.jwt) {
    lines.push(['JWT header', JSON.stringify(view.jwt.header)]);
    if ('claims' in view.jwt) {
      const claims = Object.entries(view.jwt.claims);
      if (claims.length === 0) lines.push(['JWT claims', '(none)']);
      claims.forEach(([key, value], i) => {
        const when = TIME_CLAIMS.has(key) && typeof value === 'number' ? `  (${formatLocalTime(value * 1000)})` : '';
        lines.push([i === 0 ? 'JWT claims' : '', `${key}: ${JSON.stringify(value)}${when}`]);
      });
    }
  }
  const width = Math.max(...lines.map(([label]) => label.length)) + 2;
  return `${lines.map(([label, value]) => `${label.padEnd(width)}${value}`).join('\n')}\n`;
}
