/**
 * oidc-provider (panva, OpenID Certified) set up for tokenward's "many tokens from one client" tests and
 * examples (issue 11): not an example itself.
 *
 * - RFC 8707 resource indicators (`features.resourceIndicators`): each API registered here is a resource
 *   server whose access tokens are JWTs with that API as `aud`, signed with the provider's key.
 * - RFC 9449 DPoP (`features.dPoP`), with server nonces required at the token endpoint when asked.
 * - Three grants registered through `provider.registerGrantType` (oidc-provider ships none of them):
 *   `password` (for refresh tokens without a browser login), RFC 8693 token exchange and the RFC 7523
 *   §2.1 JWT-bearer grant; see oidc-grant-handlers.ts. Every refresh is the provider's own code.
 * - The APIs live on a second listener (another origin, as in real deployments) and verify tokens with
 *   `jose`: signature, issuer, audience and, for DPoP-bound tokens, the proof (resource-api.ts).
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
// @ts-expect-error oidc-provider ships no type declarations (and @types/oidc-provider is not installed).
import ProviderImpl, { errors } from 'oidc-provider';
import { type GrantHandlerOptions, registerGrantHandlers } from './oidc-grant-handlers.js';
import { ResourceApi } from './resource-api.js';

/** A confidential client (client_secret_basic) allowed every grant here. */
export const GRANTS_CLIENT = { id: 'svc', secret: 'svc-secret-1' } as const;
/** A public client (`none`): its refresh tokens are DPoP-bound too (RFC 9449 §5). */
export const PUBLIC_CLIENT = { id: 'cli' } as const;
/** A client whose access tokens must be DPoP-bound (`dpop_bound_access_tokens`). */
export const DPOP_CLIENT = { id: 'svc-dpop', secret: 'svc-dpop-secret-1' } as const;
/** The users the password grant knows. */
export const GRANTS_USER = { username: 'alice', password: 'wonderland' } as const;
export const GRANTS_USER_2 = { username: 'bob', password: 'builder' } as const;

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Options of {@link startGrantsIdp}. */
export interface GrantsIdpOptions {
  /** API names; each becomes a resource server at `<api origin>/<name>/`. @default ['orders', 'billing', 'gateway'] */
  apis?: readonly string[];
  /** Access-token lifetime, seconds. @default 300 */
  ttlSeconds?: number;
  /** Require a DPoP server nonce at the token endpoint. @default false */
  tokenEndpointNonce?: boolean;
  /** Require a DPoP server nonce at the APIs. @default false */
  apiNonce?: boolean;
  /** JWT-bearer assertion issuers the provider trusts, with their public keys (JWK). */
  trustedIssuers?: GrantHandlerOptions['trustedIssuers'];
}

/** One request the provider received. */
export interface IdpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: URLSearchParams;
}

/** A running provider and its APIs. */
export interface GrantsIdp {
  readonly issuer: string;
  readonly tokenUrl: string;
  /** The APIs' origin (another listener). */
  readonly apiOrigin: string;
  /** Each API by name; its resource indicator is `api.resource`. */
  readonly apis: Readonly<Record<string, ResourceApi>>;
  /** Token-endpoint requests, oldest first. */
  readonly tokenRequests: IdpRequest[];
  /** Every POST the provider received (token, revocation, introspection), oldest first. */
  readonly requests: IdpRequest[];
  /** The provider's JWKS (public), for verifying its tokens. */
  readonly jwks: { keys: Array<Record<string, unknown>> };
  close(): Promise<void>;
}

interface Provider {
  callback(): http.RequestListener;
  registerGrantType(name: string, handler: (ctx: any) => Promise<void>, params: string[], dupes?: string[]): void;
}
const ProviderClass = ProviderImpl as new (issuer: string, configuration: Record<string, unknown>) => Provider;

/** Starts the provider and its APIs on 127.0.0.1 ephemeral ports. */
export async function startGrantsIdp(options: GrantsIdpOptions = {}): Promise<GrantsIdp> {
  const ttl = options.ttlSeconds ?? 300;
  const tokenRequests: IdpRequest[] = [];
  const requests: IdpRequest[] = [];
  let provider: Provider | undefined;
  const idpServer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0]!;
      const seen = { method: req.method ?? '', path, headers: req.headers, body: new URLSearchParams(body) };
      if (req.method === 'POST') requests.push(seen);
      if (req.method === 'POST' && path === '/token') tokenRequests.push(seen);
      // oidc-provider takes an already-read body from `req.body`.
      Object.assign(req, { body });
      provider!.callback()(req, res);
    });
  });
  const apis: Record<string, ResourceApi> = {};
  const apiServer = http.createServer((req, res) => {
    const name = (req.url ?? '/').split('/')[1] ?? '';
    const api = apis[name];
    if (api === undefined) return void res.writeHead(404).end();
    void api.handle(req, res);
  });
  await Promise.all([idpServer, apiServer].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
  const issuer = `http://127.0.0.1:${(idpServer.address() as AddressInfo).port}`;
  const apiOrigin = `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`;

  // The provider's own signing key, so the APIs can verify its JWT access tokens without a network call.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signing = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = signing as Record<string, unknown>;
  const jwks = { keys: [publicJwk] };

  for (const name of options.apis ?? ['orders', 'billing', 'gateway']) {
    apis[name] = new ResourceApi({ issuer, jwks, resource: `${apiOrigin}/${name}/`, requireNonce: options.apiNonce ?? false });
  }
  const resourceInfo = (resource: string) => {
    if (!Object.values(apis).some((a) => a.resource === resource)) throw new errors.InvalidTarget(`unknown resource ${resource}`);
    return { scope: 'read write', audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: ttl, jwt: { sign: { alg: 'RS256' } } };
  };

  // RFC 8693 `act` and other claims a grant handler wants in its token (`extraTokenClaims` reads them).
  const extraClaims = new WeakMap<object, Record<string, unknown>>();
  const grants = ['client_credentials', 'refresh_token', 'password', TOKEN_EXCHANGE, JWT_BEARER];
  const common = { response_types: [], redirect_uris: [], grant_types: grants };
  provider = new ProviderClass(issuer, {
    jwks: { keys: [signing] },
    clients: [
      { ...common, client_id: GRANTS_CLIENT.id, client_secret: GRANTS_CLIENT.secret, token_endpoint_auth_method: 'client_secret_basic' },
      { ...common, client_id: PUBLIC_CLIENT.id, token_endpoint_auth_method: 'none', grant_types: ['password', 'refresh_token'] },
      {
        ...common,
        client_id: DPOP_CLIENT.id,
        client_secret: DPOP_CLIENT.secret,
        token_endpoint_auth_method: 'client_secret_basic',
        dpop_bound_access_tokens: true,
      },
    ],
    features: {
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: { enabled: true, allowedPolicy: async () => true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => undefined,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, resource: string) => resourceInfo(resource),
      },
      dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => options.tokenEndpointNonce ?? false },
    },
    ttl: { AccessToken: ttl, ClientCredentials: ttl, IdToken: 60, RefreshToken: 600, Grant: 600 },
    rotateRefreshToken: true,
    extraTokenClaims: async (_ctx: unknown, token: object) => extraClaims.get(token),
    scopes: ['openid', 'offline_access', 'read', 'write'],
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
  });
  registerGrantHandlers(provider, {
    users: { [GRANTS_USER.username]: GRANTS_USER.password, [GRANTS_USER_2.username]: GRANTS_USER_2.password },
    resourceInfo,
    jwks,
    issuer,
    trustedIssuers: options.trustedIssuers ?? {},
    extraClaims,
  });

  return {
    issuer,
    tokenUrl: `${issuer}/token`,
    apiOrigin,
    apis,
    tokenRequests,
    requests,
    jwks,
    close: async () => {
      for (const s of [idpServer, apiServer]) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}
