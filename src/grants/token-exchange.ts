/**
 * RFC 8693 token exchange: a service presents a token it was given (a user's access token: the
 * subject) and gets one for another API, optionally naming itself as the actor. `audience` and
 * `resource` come from the token's parameter set (RFC 8693 §2.1 uses the same names as RFC 8707 and
 * Auth0), so `tm.for({ subjectToken, audience })` is one exchanged token per user and API.
 * @module
 */
import { ConfigError } from '../errors.js';
import { type GrantValue, TOKEN_EXCHANGE_GRANT } from '../options-grants.js';
import type { Grant } from './grant.js';
import { grantValue } from './value.js';

/** What the token-exchange grant reads from the options. */
export interface TokenExchangeOptions {
  readonly subjectToken: GrantValue | undefined;
  readonly subjectTokenType: string;
  readonly actorToken: GrantValue | undefined;
  readonly actorTokenType: string;
  readonly requestedTokenType: string | undefined;
}

/**
 * `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`. The subject (and actor) token of a call
 * (`tm.for({ subjectToken })`) wins over the option's; an option function is called for every request.
 */
export function tokenExchangeGrant(o: TokenExchangeOptions): Grant {
  const configured = [o.subjectToken, o.actorToken].filter((v): v is string => typeof v === 'string');
  return {
    name: 'token_exchange',
    secrets: configured,
    async request(parameters) {
      const inputs = parameters.grantInputs;
      const subject = inputs?.subjectToken ?? (await grantValue(o.subjectToken, 'subjectToken'));
      if (subject === undefined) {
        throw new ConfigError(
          "grant 'token_exchange' needs a subject token: set the `subjectToken` option, or pass one per call (`tm.for({ subjectToken })`, `tm.getToken({ subjectToken })`)",
        );
      }
      const actor = inputs?.actorToken ?? (await grantValue(o.actorToken, 'actorToken'));
      return {
        fields: {
          grant_type: TOKEN_EXCHANGE_GRANT,
          subject_token: subject,
          subject_token_type: inputs?.subjectTokenType ?? o.subjectTokenType,
          actor_token: actor,
          actor_token_type: actor === undefined ? undefined : (inputs?.actorTokenType ?? o.actorTokenType),
          requested_token_type: o.requestedTokenType,
        },
        secrets: actor === undefined ? [subject] : [subject, actor],
      };
    },
  };
}
