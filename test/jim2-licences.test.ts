/**
 * A licence-counting fake Jim2Server on a real socket. Seed 000: scope `all` (the default) takes a user
 * licence, `view` takes none, acquisition fails when no licence is free, and the licence is held until
 * the session is logged off. Managers that acquire and log off must bring the count back to zero.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, TokenManager, type TokenManagerOptions } from '../src/index.js';
import { type RecordedRequest, type RouteAnswer, startServer, type TestServer } from './helpers/http-server.js';

interface Session {
  licensed: boolean;
  open: boolean;
}

/** The fake server's state: sessions by access and refresh token. */
class Jim2Licences {
  readonly sessions: Session[] = [];
  readonly #byToken = new Map<string, Session>();
  #n = 0;

  constructor(readonly licences: number) {}

  get inUse(): number {
    return this.sessions.filter((s) => s.open && s.licensed).length;
  }

  token(req: RecordedRequest): RouteAnswer {
    const form = new URLSearchParams(req.body);
    const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
    if (basic !== 'TestClientId:password') return { status: 400, body: { error: 'invalid_client' } };
    let session: Session | undefined;
    if (form.get('grant_type') === 'refresh_token') {
      // A new access token extends the same session (and its licence).
      session = this.#byToken.get(`r:${form.get('refresh_token')}`);
      if (!session?.open) return { status: 400, body: { error: 'invalid_grant', error_description: 'Refresh token is invalid or expired' } };
    } else if (form.get('grant_type') === 'client_credentials') {
      const scopes = (form.get('scope') ?? 'all').split(' ');
      const licensed = !(scopes.length === 1 && scopes[0] === 'view');
      // Not documented by Jim2: the body for "no licence free"; this fake answers like an OWIN server would.
      if (licensed && this.inUse >= this.licences) return { status: 400, body: { error: 'invalid_grant', error_description: 'No user licences available' } };
      session = { licensed, open: true };
      this.sessions.push(session);
    } else return { status: 400, body: { error: 'unsupported_grant_type' } };
    const n = ++this.#n;
    this.#byToken.set(`a:jim-${n}`, session).set(`r:jim-r-${n}`, session);
    return { body: { access_token: `jim-${n}`, token_type: 'bearer', expires_in: 1200, refresh_token: `jim-r-${n}` } };
  }

  logoff(req: RecordedRequest): RouteAnswer {
    const session = this.#byToken.get(`a:${req.headers.authorization?.replace(/^Bearer /, '')}`);
    if (!session?.open) return { status: 401 };
    session.open = false;
    return { status: 200 };
  }
}

let server: TestServer;
afterEach(async () => server?.close());

async function jim2(licences: number, tokenDelayMs = 0) {
  const state = new Jim2Licences(licences);
  server = await startServer({
    'POST /Jim_Test/token': (req) => ({ delayMs: tokenDelayMs, ...state.token(req) }),
    'POST /Jim_Test/api/v1/logoff': (req) => state.logoff(req),
  });
  const options = (scope?: string): TokenManagerOptions => ({
    tokenUrl: `${server.url}/Jim_Test/token`,
    baseUrl: `${server.url}/Jim_Test/`,
    clientId: 'TestClientId',
    clientSecret: 'password',
    ...(scope ? { scope } : {}),
    logoff: { style: 'bearer', url: 'api/v1/logoff', method: 'POST' },
    retry: { retries: 2, minTimeout: 1, maxTimeout: 1 },
    mapError: (err) => (/licen[cs]e/i.test(err.errorDescription ?? '') ? ErrorCode.NO_LICENCE : undefined),
  });
  return { state, options };
}

describe('Jim2 licences', () => {
  it('N managers take N licences, `view` takes none, a full server refuses, and logoff returns the count to zero', async () => {
    const { state, options } = await jim2(3);
    const managers = [new TokenManager(options('all')), new TokenManager(options()), new TokenManager(options('all'))];
    await Promise.all(managers.map((tm) => tm.getToken()));
    expect(state.inUse).toBe(3);

    const viewer = new TokenManager(options('view'));
    await viewer.getToken();
    expect(state.inUse).toBe(3);

    const late = new TokenManager(options('all'));
    await expect(late.getToken()).rejects.toMatchObject({ code: ErrorCode.NO_LICENCE });
    // "No licence" is not retried: waiting will not free a seat.
    expect(server.requestsTo('/Jim_Test/token')).toHaveLength(5);

    await Promise.all([...managers, viewer].map((tm) => tm.logoff()));
    expect(state.inUse).toBe(0);
    expect(state.sessions.every((s) => !s.open)).toBe(true);

    await late.getToken();
    expect(state.inUse).toBe(1);
    await late.logoff();
    expect(state.inUse).toBe(0);
  });

  it('concurrent cold calls on one manager take one licence', async () => {
    const { state, options } = await jim2(5, 30);
    const tm = new TokenManager(options('all'));
    await Promise.all(Array.from({ length: 10 }, () => tm.getToken()));
    expect(state.inUse).toBe(1);
    await tm.logoff();
    expect(state.inUse).toBe(0);
  });

  it('a refresh keeps one licence, and logoff releases it with the newest access token', async () => {
    const { state, options } = await jim2(1);
    const tm = new TokenManager(options('all'));
    await tm.getToken();
    await tm.getToken({ forceRefresh: true });
    expect(state.sessions).toHaveLength(1);
    expect(state.inUse).toBe(1);
    await tm.logoff();
    expect(state.inUse).toBe(0);
    expect(server.requestsTo('/Jim_Test/api/v1/logoff')[0]!.headers.authorization).toBe('Bearer jim-2');
  });

  it('logoff during the first acquisition still releases the licence it took', async () => {
    const { state, options } = await jim2(1, 40);
    const tm = new TokenManager(options('all'));
    const acquiring = tm.getToken();
    await tm.logoff();
    await acquiring;
    expect(state.sessions).toHaveLength(1);
    expect(state.inUse).toBe(0);
  });
});
