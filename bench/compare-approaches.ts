/**
 * Each way of calling an OAuth-protected API that `compare.bench.ts` measures, written the way the
 * library's README shows it and the way docs/migration/*.md shows it as "before" code: acquire, cache,
 * renew before expiry, retry once on 401, revoke on shutdown. Same task, same server, same options.
 */
import { OAuth2Client, OAuth2Fetch, type OAuth2Token } from '@badgateway/oauth2-client';
import axios, { type InternalAxiosRequestConfig } from 'axios';
import * as oidc from 'openid-client';
import { type AccessToken, ClientCredentials } from 'simple-oauth2';
import { TokenManager } from '../src/index.js';

/** Where the approaches find the server, and who they are. */
export interface Env {
  readonly origin: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope: string;
}

/** One approach, as a service would use it. */
export interface Approach {
  /** `GET /api/orders` through the approach's own call path; the HTTP status (a 401 is returned, not thrown). */
  call(): Promise<number>;
  /** The cached token, read the way the approach's call path reads it (the cache-hit cost). */
  token(): Promise<unknown>;
  /** What the approach's shutdown code does (revoke what it holds). */
  shutdown(): Promise<void>;
}

export type Factory = (env: Env) => Approach;

/** Renew this long before expiry (tokenward's default `refreshSkew`, used by every hand-written cache here). */
const SKEW_S = 60;

const tokenward: Factory = (env) => {
  const tm = new TokenManager({
    tokenUrl: `${env.origin}/oauth/token`,
    clientId: env.clientId,
    clientSecret: env.clientSecret,
    scope: env.scope,
    baseUrl: env.origin,
    logoff: { style: 'revoke', url: `${env.origin}/oauth/revoke`, tokens: ['access_token'] },
  });
  return {
    call: async () => statusOf(await tm.fetch('/api/orders')),
    token: () => tm.getToken(),
    shutdown: () => tm.logoff(),
  };
};

/** simple-oauth2: `expired()` then `getToken()`, as its README shows. `shared`: concurrent callers share one request. */
const simpleOauth2 =
  (shared: boolean): Factory =>
  (env) => {
    const client = new ClientCredentials({
      client: { id: env.clientId, secret: env.clientSecret },
      auth: { tokenHost: env.origin, tokenPath: '/oauth/token', revokePath: '/oauth/revoke' },
    });
    let accessToken: AccessToken | undefined;
    let pending: Promise<AccessToken> | undefined;
    const acquire = () =>
      client.getToken({ scope: env.scope }).then((token) => {
        accessToken = token;
        return token;
      });
    async function getAccessToken(): Promise<AccessToken> {
      if (accessToken && !accessToken.expired(SKEW_S)) return accessToken;
      if (!shared) return acquire();
      pending ??= acquire().finally(() => (pending = undefined));
      return pending;
    }
    const send = (token: AccessToken) => fetch(`${env.origin}/api/orders`, { headers: { authorization: `Bearer ${token.token.access_token}` } });
    return {
      call: async () => {
        const token = await getAccessToken();
        const res = await send(token);
        if (res.status !== 401) return statusOf(res);
        await res.body?.cancel();
        if (accessToken === token) accessToken = undefined;
        return statusOf(await send(await getAccessToken()));
      },
      token: getAccessToken,
      shutdown: async () => {
        await accessToken?.revoke('access_token').catch(() => {});
      },
    };
  };

/** @badgateway/oauth2-client's `OAuth2Fetch`, as its README sets it up; `storeToken` remembers the token to revoke. */
const badgateway: Factory = (env) => {
  const client = new OAuth2Client({
    server: env.origin,
    tokenEndpoint: '/oauth/token',
    revocationEndpoint: '/oauth/revoke',
    clientId: env.clientId,
    clientSecret: env.clientSecret,
  });
  let current: OAuth2Token | null = null;
  const wrapper = new OAuth2Fetch({
    client,
    getNewToken: () => client.clientCredentials({ scope: [env.scope] }),
    storeToken: (token) => {
      current = token;
    },
  });
  return {
    call: async () => statusOf(await wrapper.fetch(`${env.origin}/api/orders`)),
    token: () => wrapper.getAccessToken(),
    shutdown: async () => {
      if (current) await client.revoke(current).catch(() => {});
    },
  };
};

/** openid-client with a Map cache keyed by scope: of tokens (`shared: false`), or of in-flight requests too. */
const openidClient =
  (shared: boolean): Factory =>
  (env) => {
    const config = new oidc.Configuration(
      { issuer: env.origin, token_endpoint: `${env.origin}/oauth/token`, revocation_endpoint: `${env.origin}/oauth/revoke` },
      env.clientId,
      env.clientSecret,
    );
    oidc.allowInsecureRequests(config); // the bench's loopback server speaks plain HTTP
    interface Cached {
      accessToken: string;
      expiresAt: number;
    }
    const cache = new Map<string, Cached>();
    const pending = new Map<string, Promise<Cached>>();
    const acquire = async (scope: string): Promise<Cached> => {
      const res = await oidc.clientCredentialsGrant(config, { scope });
      const entry = { accessToken: res.access_token, expiresAt: Date.now() + (res.expiresIn() ?? 300) * 1000 };
      cache.set(scope, entry);
      return entry;
    };
    async function getAccessToken(scope: string): Promise<string> {
      const hit = cache.get(scope);
      if (hit && hit.expiresAt - SKEW_S * 1000 > Date.now()) return hit.accessToken;
      if (!shared) return (await acquire(scope)).accessToken;
      let request = pending.get(scope);
      if (!request) {
        request = acquire(scope).finally(() => pending.delete(scope));
        pending.set(scope, request);
      }
      return (await request).accessToken;
    }
    const url = new URL('/api/orders', env.origin);
    async function send(accessToken: string): Promise<Response> {
      try {
        return await oidc.fetchProtectedResource(config, accessToken, url, 'GET');
      } catch (err) {
        // A response with a WWW-Authenticate challenge is thrown, with the response attached.
        if (err instanceof oidc.WWWAuthenticateChallengeError) return err.response;
        throw err;
      }
    }
    return {
      call: async () => {
        const accessToken = await getAccessToken(env.scope);
        const res = await send(accessToken);
        if (res.status !== 401) return statusOf(res);
        await res.body?.cancel();
        if (cache.get(env.scope)?.accessToken === accessToken) cache.delete(env.scope);
        return statusOf(await send(await getAccessToken(env.scope)));
      },
      token: () => getAccessToken(env.scope),
      shutdown: async () => {
        const held = [...cache.values()].map((t) => oidc.tokenRevocation(config, t.accessToken, { token_type_hint: 'access_token' }));
        await Promise.allSettled(held);
      },
    };
  };

/** The common axios recipe: a request interceptor adds the token, a response interceptor renews and retries once on 401. */
const axiosRecipe: Factory = (env) => {
  const auth = { username: env.clientId, password: env.clientSecret };
  let accessToken: { value: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  async function fetchToken(): Promise<string> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', scope: env.scope });
    const { data } = await axios.post<{ access_token: string; expires_in?: number }>(`${env.origin}/oauth/token`, form, { auth });
    accessToken = { value: data.access_token, expiresAt: Date.now() + (data.expires_in ?? 300) * 1000 };
    return data.access_token;
  }
  function getAccessToken(): Promise<string> {
    if (accessToken && accessToken.expiresAt - SKEW_S * 1000 > Date.now()) return Promise.resolve(accessToken.value);
    pending ??= fetchToken().finally(() => (pending = undefined));
    return pending;
  }
  const api = axios.create({ baseURL: env.origin });
  api.interceptors.request.use(async (config) => {
    config.headers.Authorization = `Bearer ${await getAccessToken()}`;
    return config;
  });
  api.interceptors.response.use(undefined, async (error: unknown) => {
    const config = axios.isAxiosError(error) ? (error.config as (InternalAxiosRequestConfig & { _retry?: boolean }) | undefined) : undefined;
    if (!axios.isAxiosError(error) || error.response?.status !== 401 || !config || config._retry) throw error;
    config._retry = true;
    accessToken = undefined;
    return api(config);
  });
  return {
    call: async () => {
      try {
        return (await api.get('/api/orders')).status;
      } catch (err) {
        if (axios.isAxiosError(err) && err.response) return err.response.status;
        throw err;
      }
    },
    token: getAccessToken,
    shutdown: async () => {
      if (!accessToken) return;
      const form = new URLSearchParams({ token: accessToken.value, token_type_hint: 'access_token' });
      await axios.post(`${env.origin}/oauth/revoke`, form, { auth }).catch(() => {});
    },
  };
};

async function statusOf(res: Response): Promise<number> {
  await res.body?.cancel();
  return res.status;
}

/** The approaches, in table order. */
export const approaches: ReadonlyArray<{ name: string; create: Factory }> = [
  { name: 'tokenward tm.fetch', create: tokenward },
  { name: 'simple-oauth2, README pattern', create: simpleOauth2(false) },
  { name: 'simple-oauth2 + shared promise', create: simpleOauth2(true) },
  { name: '@badgateway OAuth2Fetch', create: badgateway },
  { name: 'openid-client + Map of tokens', create: openidClient(false) },
  { name: 'openid-client + Map of promises', create: openidClient(true) },
  { name: 'axios 401 recipe', create: axiosRecipe },
];
