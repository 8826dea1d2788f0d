/**
 * The grants oidc-provider does not ship, registered through `provider.registerGrantType` (its documented
 * extension point) for oidc-grants.ts: `password`, RFC 8693 token exchange and the RFC 7523 §2.1
 * JWT-bearer grant. Each mints the provider's own Grant / AccessToken / RefreshToken models, so resource
 * indicators, JWT access tokens and DPoP binding (`cnf.jkt`) are the provider's code, and every refresh
 * after that is the provider's own refresh_token grant.
 *
 * DPoP proofs are checked with oidc-provider's own validator (helpers/validate_dpop.js: signature, `htm`,
 * `htu`, `iat`, nonce, `jti` replay), reached by a deep import because the package exports no grant helpers.
 */
import { createLocalJWKSet, decodeJwt, importJWK, type JWTPayload, jwtVerify } from 'jose';
// @ts-expect-error oidc-provider ships no type declarations (and @types/oidc-provider is not installed).
import { errors } from 'oidc-provider';
// @ts-expect-error as above.
import { checkDpopRequired } from 'oidc-provider/lib/helpers/sender_constraints.js';
// @ts-expect-error as above; a deep import: oidc-provider's own DPoP proof validation.
import validateDpop, { checkDpopReplay } from 'oidc-provider/lib/helpers/validate_dpop.js';

const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const SUBJECT_TOKEN_TYPES = new Set([ACCESS_TOKEN_TYPE, 'urn:ietf:params:oauth:token-type:jwt']);

/** What the handlers need from the provider's setup. */
export interface GrantHandlerOptions {
  /** The password grant's users: name → password. */
  readonly users: Readonly<Record<string, string>>;
  /** The resource server behind a resource indicator (throws `InvalidTarget` for an unknown one). */
  readonly resourceInfo: (resource: string) => Record<string, unknown> & { scope: string };
  /** The provider's public keys: subject and actor tokens are its own JWT access tokens. */
  readonly jwks: { keys: Array<Record<string, unknown>> };
  readonly issuer: string;
  /** JWT-bearer assertion issuers trusted, and their public keys (JWK). */
  readonly trustedIssuers: Readonly<Record<string, Record<string, unknown>>>;
  /** Claims to add to an access token (`act`): the provider's `extraTokenClaims` reads them from here. */
  readonly extraClaims: WeakMap<object, Record<string, unknown>>;
}

/** Registers the three grants on `provider`. */
export function registerGrantHandlers(
  provider: { registerGrantType(name: string, handler: (ctx: any) => Promise<void>, params: string[], dupes?: string[]): void },
  o: GrantHandlerOptions,
): void {
  const ownKeys = createLocalJWKSet(o.jwks as never);
  const seenAssertions = new Set<string>();

  /** Mints an access token (and, when asked, a refresh token) for `accountId`, as the provider's own grants do. */
  const mint = async (
    ctx: any,
    {
      accountId,
      gty,
      resource,
      extra,
      refresh,
    }: { accountId: string | undefined; gty: string; resource?: string; extra?: Record<string, unknown>; refresh?: boolean },
  ) => {
    if (Array.isArray(resource)) throw new errors.InvalidTarget('only a single resource indicator value is supported');
    const dPoP = await validateDpop(ctx.oidc.provider, ctx);
    checkDpopRequired(ctx.oidc.provider, ctx, dPoP);
    const { Grant, AccessToken, RefreshToken, ResourceServer } = ctx.oidc.provider;
    const client = ctx.oidc.client;
    const info = resource !== undefined ? o.resourceInfo(resource) : undefined;
    const scope = info !== undefined ? `openid offline_access ${info.scope}` : 'openid offline_access';
    const grant = new Grant({ accountId: accountId ?? client.clientId, clientId: client.clientId });
    grant.addOIDCScope('openid offline_access');
    if (info !== undefined) grant.addResourceScope(resource, info.scope);
    const grantId = await grant.save();
    const fields = { accountId, client, grantId, gty, scope };
    const at = new AccessToken(fields);
    if (extra !== undefined) o.extraClaims.set(at, extra);
    if (info !== undefined) {
      at.resourceServer = new ResourceServer(resource, info);
      at.scope = info.scope;
    }
    if (dPoP) {
      await checkDpopReplay(ctx.oidc.provider, ctx, dPoP, client.clientId, errors.InvalidGrant);
      at.setThumbprint('jkt', dPoP.thumbprint);
    }
    const body: Record<string, unknown> = { access_token: await at.save(), token_type: at.tokenType, expires_in: at.expiration, scope: at.scope };
    if (refresh) {
      const rt = new RefreshToken({ ...fields, ...(resource !== undefined ? { resource } : {}) });
      // RFC 9449 §5: a public client's refresh token is bound to its DPoP key (as the provider's own grants do).
      if (at.jkt && client.clientAuthMethod === 'none') rt.jkt = at.jkt;
      body.refresh_token = await rt.save();
    }
    return body;
  };

  /** One of the provider's own access tokens (a JWT it signed, not expired), or `InvalidGrant`. */
  const ownToken = async (value: string, what: string): Promise<JWTPayload> => {
    try {
      return (await jwtVerify(value, ownKeys, { issuer: o.issuer, typ: 'at+jwt' })).payload;
    } catch (err) {
      throw new errors.InvalidGrant(`${what} is invalid or expired (${(err as Error).message})`);
    }
  };

  provider.registerGrantType(
    'password',
    async (ctx) => {
      const { username, password, resource } = ctx.oidc.params as Record<string, string | undefined>;
      if (username === undefined || !Object.hasOwn(o.users, username) || o.users[username] !== password)
        throw new errors.InvalidGrant('wrong user name or password');
      ctx.body = await mint(ctx, { accountId: username, gty: 'password', refresh: true, ...(resource ? { resource } : {}) });
    },
    ['username', 'password', 'scope', 'resource'],
    ['resource'],
  );

  // RFC 8693: a service presents a user's token (and optionally its own, as actor) for one for another API.
  provider.registerGrantType(
    'urn:ietf:params:oauth:grant-type:token-exchange',
    async (ctx) => {
      const p = ctx.oidc.params as Record<string, string | undefined>;
      if (!p.subject_token || !p.subject_token_type) throw new errors.InvalidRequest('subject_token and subject_token_type are required');
      if (!SUBJECT_TOKEN_TYPES.has(p.subject_token_type)) throw new errors.InvalidRequest(`unsupported subject_token_type ${p.subject_token_type}`);
      if (p.requested_token_type !== undefined && p.requested_token_type !== ACCESS_TOKEN_TYPE)
        throw new errors.InvalidRequest('only access tokens can be requested');
      if (p.actor_token !== undefined && !p.actor_token_type) throw new errors.InvalidRequest('actor_token_type is required with actor_token');
      const subject = await ownToken(p.subject_token, 'subject_token');
      const actor = p.actor_token !== undefined ? await ownToken(p.actor_token, 'actor_token') : undefined;
      // RFC 8693 §4.1: `act` names the party acting for the subject.
      const extra = actor !== undefined ? { act: { sub: actor.sub } } : undefined;
      const resource = p.resource ?? p.audience;
      const body = await mint(ctx, { accountId: subject.sub, gty: 'token-exchange', ...(resource ? { resource } : {}), ...(extra ? { extra } : {}) });
      ctx.body = { ...body, issued_token_type: ACCESS_TOKEN_TYPE };
    },
    ['subject_token', 'subject_token_type', 'actor_token', 'actor_token_type', 'requested_token_type', 'audience', 'resource', 'scope'],
    ['resource'],
  );

  // RFC 7523 §2.1: a JWT signed by a trusted issuer, whose `sub` is the user the token is for.
  provider.registerGrantType(
    'urn:ietf:params:oauth:grant-type:jwt-bearer',
    async (ctx) => {
      const { assertion, resource } = ctx.oidc.params as Record<string, string | undefined>;
      if (!assertion) throw new errors.InvalidRequest('assertion is required');
      let payload: JWTPayload;
      try {
        const iss = decodeJwt(assertion).iss;
        const jwk = iss !== undefined ? o.trustedIssuers[iss] : undefined;
        if (jwk === undefined) throw new Error(`issuer ${JSON.stringify(iss)} is not trusted`);
        // RFC 7523 §3: the audience is the authorization server (its issuer or token endpoint).
        ({ payload } = await jwtVerify(assertion, await importJWK(jwk as never, (jwk as { alg?: string }).alg ?? 'ES256'), {
          issuer: iss,
          audience: [o.issuer, `${o.issuer}/token`],
          requiredClaims: ['sub', 'exp', 'jti'],
        }));
      } catch (err) {
        throw new errors.InvalidGrant(`assertion rejected: ${(err as Error).message}`);
      }
      if (seenAssertions.has(payload.jti!)) throw new errors.InvalidGrant('assertion replayed (jti seen before)');
      seenAssertions.add(payload.jti!);
      ctx.body = await mint(ctx, { accountId: payload.sub, gty: 'jwt-bearer', ...(resource ? { resource } : {}) });
    },
    ['assertion', 'scope', 'resource'],
    ['resource'],
  );
}
