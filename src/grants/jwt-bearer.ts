/**
 * The JWT-bearer grant (RFC 7523 §2.1): a signed JWT is the authorization grant. Google service
 * accounts sign one for themselves; Entra ID's on-behalf-of flow sends the user's token as the
 * assertion (`tm.for({ assertion: userToken })` with `grantParams: { requested_token_use: 'on_behalf_of' }`).
 * @module
 */
import { type AssertionSource, signedJwt } from '../client-auth/assertion.js';
import { ConfigError, ErrorCode } from '../errors.js';
import { JWT_BEARER_GRANT, type ResolvedGrants } from '../options-grants.js';
import type { Grant } from './grant.js';
import { grantValue } from './value.js';

/**
 * `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` with `assertion`: this call's (`tm.for({ assertion })`),
 * else the option's function's answer, else one signed here for this request: `iss` and `sub` as
 * configured (the client id by default), `aud` as for client assertions (the issuer when known, else the
 * token endpoint), a random `jti`, and `exp` `assertionLifetime` seconds after `iat`.
 */
export function jwtBearerGrant(assertion: ResolvedGrants['assertion'], lifetimeSeconds: number): Grant {
  const sign: AssertionSource | undefined =
    assertion === undefined || typeof assertion === 'function'
      ? undefined
      : signedJwt({ issuer: assertion.issuer, subject: assertion.subject, extra: assertion.claims }, assertion.signing, lifetimeSeconds, {
          code: ErrorCode.GRANT,
          what: 'the JWT-bearer assertion',
        });
  return {
    name: 'jwt_bearer',
    secrets: [],
    async request(parameters, target) {
      const value =
        parameters.grantInputs?.assertion ??
        (sign !== undefined ? await sign(target.audience) : await grantValue(typeof assertion === 'function' ? assertion : undefined, 'assertion'));
      if (value === undefined) {
        throw new ConfigError(
          "grant 'jwt_bearer' needs an assertion: set the `assertion` option (a function, or a key to sign with), or pass one per call (`tm.for({ assertion })`)",
        );
      }
      return { fields: { grant_type: JWT_BEARER_GRANT, assertion: value }, secrets: [value] };
    },
  };
}
