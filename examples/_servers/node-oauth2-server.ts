/**
 * @node-oauth/oauth2-server (v5) with an in-memory model, as tokenward's interop test and its example
 * run it: not an example itself. Shared so that `test/interop/node-oauth2-server.test.ts` and
 * `examples/node-oauth2-server.ts` run the very same server.
 *
 * Password, client_credentials and refresh_token grants; ROTATING refresh tokens (the library's default,
 * `alwaysIssueNewRefreshToken`); and the library's own `authenticate()` guarding the API. Its Basic
 * credentials are read by the `basic-auth` package, which does not form-decode them (RFC 6749 §2.3.1 says
 * it should): a secret with a space or `+` needs body credentials or `basicEncoding: 'none'`.
 */
import OAuth2Server, { Request, Response } from '@node-oauth/oauth2-server';

export interface OAuth2Client {
  id: string;
  secret: string;
  grants: string[];
  accessTokenLifetime: number;
  refreshTokenLifetime: number;
}
export interface StoredToken {
  accessToken: string;
  accessTokenExpiresAt?: Date;
  refreshToken?: string;
  refreshTokenExpiresAt?: Date;
  scope?: string[];
  client: OAuth2Client;
  user: { id: string };
}

/**
 * The clients: access tokens live 4 s so refreshes happen while you watch, yet the refresh margin
 * (half of that) outlasts any stall of a loaded machine between two calls that should share a token.
 */
export const OAUTH2_CLIENTS: readonly OAuth2Client[] = [
  { id: 'svc', secret: 'svc-secret', grants: ['password', 'client_credentials', 'refresh_token'], accessTokenLifetime: 4, refreshTokenLifetime: 60 },
  // Short-lived refresh tokens, to watch one expire.
  { id: 'svc-short', secret: 'svc-secret', grants: ['password', 'refresh_token'], accessTokenLifetime: 2, refreshTokenLifetime: 3 },
  // A secret that RFC 6749 §2.3.1 form-encoding changes (space → '+', '+' → '%2B').
  { id: 'svc-spaced', secret: 'a secret + more', grants: ['client_credentials'], accessTokenLifetime: 60, refreshTokenLifetime: 60 },
];
/** The one user: a `DOMAIN\user` name and a password with a space and a `+`. */
export const OAUTH2_USER = { username: 'DOMAIN\\alice', password: 'wonder land+1' } as const;

/** A request as the HTTP layer saw it. */
export interface OAuth2WireRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
/** What to answer. */
export interface OAuth2WireAnswer {
  status: number;
  headers: Record<string, string>;
  body: object | string | undefined;
}

/** A server and its token tables (so a caller can make the server "forget" a token). */
export interface InMemoryOAuth2 {
  accessTokens: Map<string, StoredToken>;
  refreshTokens: Map<string, StoredToken>;
  /** `POST /oauth/token`. */
  token(req: OAuth2WireRequest): Promise<OAuth2WireAnswer>;
  /** A protected `GET /api/me`: `{ user }` for a valid bearer token, else the library's 401. */
  me(req: OAuth2WireRequest): Promise<OAuth2WireAnswer>;
}

/** A fresh server with empty token tables. */
export function createInMemoryOAuth2(): InMemoryOAuth2 {
  const accessTokens = new Map<string, StoredToken>();
  const refreshTokens = new Map<string, StoredToken>();
  const oauth = new OAuth2Server({
    accessTokenLifetime: 4,
    refreshTokenLifetime: 60,
    model: {
      getClient: async (id: string, secret: string | null) => OAUTH2_CLIENTS.find((c) => c.id === id && (secret === null || c.secret === secret)) ?? false,
      getUser: async (username: string, password: string) => (username === OAUTH2_USER.username && password === OAUTH2_USER.password ? { id: 'alice' } : false),
      getUserFromClient: async (client: OAuth2Client) => ({ id: `client:${client.id}` }),
      saveToken: async (token: Omit<StoredToken, 'client' | 'user'>, client: OAuth2Client, user: { id: string }) => {
        const stored: StoredToken = { ...token, client, user };
        accessTokens.set(token.accessToken, stored);
        if (token.refreshToken) refreshTokens.set(token.refreshToken, stored);
        return stored;
      },
      getAccessToken: async (value: string) => accessTokens.get(value) ?? false,
      getRefreshToken: async (value: string) => refreshTokens.get(value) ?? false,
      revokeToken: async (token: StoredToken) => refreshTokens.delete(token.refreshToken!),
    } as never,
  });

  /** Runs a library handler on a wire request and turns its Response into an answer. */
  async function run(
    req: OAuth2WireRequest,
    action: (request: Request, response: Response) => Promise<unknown>,
    answer?: (result: unknown) => object,
  ): Promise<OAuth2WireAnswer> {
    const [path, query = ''] = req.path.split('?');
    const request = new Request({
      method: req.method,
      headers: req.headers as Record<string, string>,
      query: Object.fromEntries(new URLSearchParams(query)),
      body: Object.fromEntries(new URLSearchParams(req.body)),
      path,
    });
    const response = new Response({ headers: {} });
    try {
      const result = await action(request, response);
      if (answer) return { status: 200, headers: {}, body: answer(result) };
      return { status: response.status ?? 200, headers: response.headers as Record<string, string>, body: response.body as object };
    } catch (err) {
      // token() has written the error into `response`; authenticate() only sets WWW-Authenticate.
      const e = err as { code?: number; name?: string; message?: string };
      return { status: e.code ?? 500, headers: response.headers as Record<string, string>, body: { error: e.name, error_description: e.message } };
    }
  }

  return {
    accessTokens,
    refreshTokens,
    token: (req) => run(req, (q, s) => oauth.token(q, s)),
    me: (req) =>
      run(
        req,
        (q, s) => oauth.authenticate(q, s),
        (result) => ({ user: (result as StoredToken).user.id }),
      ),
  };
}
