/**
 * oidc-provider (panva, OpenID Certified) configured for tokenward's interop test and its example: not
 * an example itself. Shared so that `test/interop/oidc-provider.test.ts` and `examples/oidc-provider.ts`
 * run the very same provider.
 *
 * oidc-provider has no resource-owner password grant (OAuth 2.1 dropped it) and gives client_credentials
 * no refresh token, so refresh tokens are only reachable through authorization_code. Rather than script a
 * browser login, a minimal `password` grant is registered through `provider.registerGrantType` (the
 * provider's documented extension point); it mints the provider's own Grant, AccessToken and RefreshToken
 * models, and every refresh after that is the provider's own code.
 */
import type http from 'node:http';
// @ts-expect-error oidc-provider ships no type declarations (and @types/oidc-provider is not installed).
import ProviderImpl from 'oidc-provider';

/** A `client_secret_basic` client whose secret holds the characters RFC 6749 §2.3.1 form-encoding exists for. */
export const OIDC_BASIC_CLIENT = { id: 'svc-basic', secret: 'basic secret: with + and %' } as const;
/** A `client_secret_post` client (client_credentials only). */
export const OIDC_POST_CLIENT = { id: 'svc-post', secret: 'post-secret-1' } as const;
/** The protected API's own credentials, for introspection. */
export const OIDC_RESOURCE_SERVER = { id: 'resource-server', secret: 'rs-secret' } as const;
/** The one user the registered password grant knows. */
export const OIDC_USER = { username: 'alice', password: 'wonderland' } as const;

/** The slice of oidc-provider's API the test and the example touch. */
export interface OidcModel {
  consumed?: unknown;
  destroy(): Promise<void>;
}
export interface OidcProvider {
  callback(): http.RequestListener;
  registerGrantType(name: string, handler: (ctx: any) => Promise<void>, params: string[]): void;
  AccessToken: { find(value: string): Promise<OidcModel | undefined> };
  RefreshToken: { find(value: string): Promise<OidcModel | undefined> };
}
const Provider = ProviderImpl as new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;

/**
 * A provider for `issuer` with the three clients above, client_credentials, refresh-token rotation,
 * RFC 7009 revocation and RFC 7662 introspection, and access tokens living `ttlSeconds`.
 */
export function createOidcProvider(issuer: string, { ttlSeconds }: { ttlSeconds: number }): OidcProvider {
  const common = { response_types: [], redirect_uris: [] };
  const provider = new Provider(issuer, {
    clients: [
      {
        ...common,
        client_id: OIDC_BASIC_CLIENT.id,
        client_secret: OIDC_BASIC_CLIENT.secret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials', 'refresh_token', 'password'],
      },
      {
        ...common,
        client_id: OIDC_POST_CLIENT.id,
        client_secret: OIDC_POST_CLIENT.secret,
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['client_credentials'],
      },
      {
        ...common,
        client_id: OIDC_RESOURCE_SERVER.id,
        client_secret: OIDC_RESOURCE_SERVER.secret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: [],
      },
    ],
    features: {
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId: string }) => token.clientId === client.clientId,
      },
      devInteractions: { enabled: false },
    },
    ttl: { AccessToken: ttlSeconds, ClientCredentials: ttlSeconds, IdToken: 60, RefreshToken: 120, Grant: 120 },
    rotateRefreshToken: true,
    scopes: ['openid', 'offline_access'],
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
  });
  // See the header: a minimal password grant minting the provider's own models.
  provider.registerGrantType(
    'password',
    async (ctx) => {
      const { username, password } = ctx.oidc.params as { username?: string; password?: string };
      if (username !== OIDC_USER.username || password !== OIDC_USER.password) {
        ctx.status = 400;
        ctx.body = { error: 'invalid_grant', error_description: 'wrong user name or password' };
        return;
      }
      const { Grant, AccessToken, RefreshToken } = ctx.oidc.provider;
      const client = ctx.oidc.client!;
      const grant = new Grant({ accountId: username, clientId: client.clientId });
      grant.addOIDCScope('openid offline_access');
      const grantId = await grant.save();
      const fields = { accountId: username, client, grantId, gty: 'password', scope: 'openid offline_access' };
      const at = new AccessToken(fields);
      const rt = new RefreshToken(fields);
      ctx.body = { access_token: await at.save(), token_type: 'Bearer', expires_in: at.expiration, refresh_token: await rt.save(), scope: at.scope };
    },
    ['username', 'password', 'scope'],
  );
  return provider;
}

/** RFC 6749 §2.3.1 Basic credentials, for direct calls to the provider (not through tokenward). */
export function basicFor(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** RFC 7662 introspection as the protected API does it, with the resource server's credentials. */
export async function introspect(issuer: string, token: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${issuer}/token/introspection`, {
    method: 'POST',
    headers: { authorization: basicFor(OIDC_RESOURCE_SERVER.id, OIDC_RESOURCE_SERVER.secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  });
  return (await res.json()) as Record<string, unknown>;
}

/**
 * The protected API's check: a bearer token is good when the provider's introspection says it is
 * active. Answers like a resource server: 401 with `WWW-Authenticate: Bearer error="invalid_token"`.
 */
export async function protectedMe(
  issuer: string,
  authorization: string | undefined,
): Promise<{ status: number; headers?: Record<string, string>; body?: object }> {
  const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
  const info = token ? await introspect(issuer, token) : { active: false };
  if (info.active !== true) return { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } };
  return { status: 200, body: { sub: info.sub ?? null, client_id: info.client_id } };
}
