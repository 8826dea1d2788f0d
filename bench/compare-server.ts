/**
 * The one token server + API that `compare.bench.ts` runs every approach against, in process, on a
 * loopback port. It issues opaque tokens (3600 s; the password grant adds a refresh token), revokes them
 * per RFC 7009, and serves `GET /api/*` only to a bearer token that is issued, unrevoked and unexpired,
 * answering anything else `401` with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750 §3.1).
 *
 * It counts what a user would count: token requests, revocations, and sessions left live.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Issued tokens live this long, seconds. */
export const LIFETIME_S = 3600;

interface Issued {
  readonly expiresAt: number;
  revoked: boolean;
  /** The refresh token issued with it (password grant), if any. */
  readonly refreshToken?: string;
}

/** Behaviour a scenario switches. */
export interface ServerSettings {
  /** Latency of the token endpoint, ms: a real one takes a while, so concurrent callers overlap it. */
  tokenDelayMs: number;
  /** `'reject-all'`: the API answers 401 to every token (a missing permission, a broken gateway). */
  api: 'normal' | 'reject-all';
  /**
   * Answer 401s in waves of this many, like a slow API: wave k waits until the API has answered
   * k × size calls with 200 (the earlier waves' replays), so every earlier renewal is over. 0: at once.
   */
  rejectionWave: number;
  /** After a simulated process exit, no new token is issued (the process that would use it is gone). */
  exited: boolean;
}

/** The running server. */
export interface CompareServer {
  readonly origin: string;
  readonly settings: ServerSettings;
  /** Token requests answered with a token since the last `reset()`. */
  readonly tokenRequests: number;
  /** Revocation requests since the last `reset()`. */
  readonly revocations: number;
  /** Access tokens issued since the last `reset()` that are neither revoked nor expired. */
  liveSessions(): number;
  /** Resolves when the next token request arrives. */
  nextTokenRequest(): Promise<void>;
  /** Revokes every token, as an administrator or a password change would. */
  revokeEverything(): void;
  /** Zeroes the counters and restores the default settings. */
  reset(): void;
  close(): Promise<void>;
}

const defaults = (): ServerSettings => ({ tokenDelayMs: 20, api: 'normal', rejectionWave: 0, exited: false });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the server on 127.0.0.1, an ephemeral port. */
export async function startCompareServer(): Promise<CompareServer> {
  const access = new Map<string, Issued>();
  const refresh = new Map<string, { revoked: boolean }>();
  let settings = defaults();
  let issuedSinceReset = new Set<string>();
  let tokenRequests = 0;
  let revocations = 0;
  let rejections = 0;
  let accepted = 0;
  let serial = 0;
  const arrivals: Array<() => void> = [];

  function issue(withRefresh: boolean): Record<string, unknown> {
    const token = `at-${++serial}`;
    const refreshToken = withRefresh ? `rt-${serial}` : undefined;
    access.set(token, { expiresAt: Date.now() + LIFETIME_S * 1000, revoked: false, ...(refreshToken ? { refreshToken } : {}) });
    if (refreshToken) refresh.set(refreshToken, { revoked: false });
    issuedSinceReset.add(token);
    return { access_token: token, token_type: 'Bearer', expires_in: LIFETIME_S, ...(refreshToken ? { refresh_token: refreshToken } : {}) };
  }

  async function tokenEndpoint(form: URLSearchParams): Promise<[number, object]> {
    for (const arrived of arrivals.splice(0)) arrived();
    // A request that arrived before the process "exited" is still answered, and its session counts.
    const afterExit = settings.exited;
    await sleep(settings.tokenDelayMs);
    if (afterExit) return [400, { error: 'access_denied' }];
    const grant = form.get('grant_type');
    if (grant === 'client_credentials') return (tokenRequests++, [200, issue(false)]);
    if (grant === 'password') return (tokenRequests++, [200, issue(true)]);
    if (grant === 'refresh_token') {
      const known = refresh.get(form.get('refresh_token') ?? '');
      if (!known || known.revoked) return [400, { error: 'invalid_grant' }];
      return (tokenRequests++, [200, issue(true)]);
    }
    return [400, { error: 'unsupported_grant_type' }];
  }

  function revoke(form: URLSearchParams): void {
    revocations++;
    const token = form.get('token') ?? '';
    const a = access.get(token);
    if (a) a.revoked = true;
    const r = refresh.get(token);
    if (r) r.revoked = true;
  }

  function live(token: string | undefined): boolean {
    const found = token === undefined ? undefined : access.get(token);
    return found !== undefined && !found.revoked && found.expiresAt > Date.now();
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0]!;
      const json = (status: number, value: object, headers: Record<string, string> = {}) =>
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
      if (req.method === 'POST' && path === '/oauth/token') {
        const form = req.headers['content-type']?.includes('json')
          ? new URLSearchParams(JSON.parse(body) as Record<string, string>)
          : new URLSearchParams(body);
        const [status, answer] = await tokenEndpoint(form);
        return json(status, answer, { 'cache-control': 'no-store' });
      }
      if (req.method === 'POST' && path === '/oauth/revoke') {
        revoke(new URLSearchParams(body));
        return res.writeHead(200).end();
      }
      if (path.startsWith('/api/')) {
        const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
        if (settings.api === 'normal' && live(token)) return (accepted++, json(200, { ok: true }));
        const wave = settings.rejectionWave;
        if (wave > 0) {
          const waitFor = Math.floor(rejections++ / wave) * wave;
          // Bounded, so an approach that never replays cannot hang the bench.
          for (let waited = 0; accepted < waitFor && waited < 2000; waited += 2) await sleep(2);
        }
        return json(401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      }
      json(404, { error: 'not_found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    get settings() {
      return settings;
    },
    get tokenRequests() {
      return tokenRequests;
    },
    get revocations() {
      return revocations;
    },
    nextTokenRequest: () => new Promise<void>((resolve) => arrivals.push(resolve)),
    liveSessions: () => [...issuedSinceReset].filter(live).length,
    revokeEverything: () => {
      for (const a of access.values()) a.revoked = true;
      for (const r of refresh.values()) r.revoked = true;
    },
    reset: () => {
      settings = defaults();
      issuedSinceReset = new Set();
      tokenRequests = revocations = rejections = accepted = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
