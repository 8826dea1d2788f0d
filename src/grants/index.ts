/**
 * The grant a manager uses, picked from the options by name: a table, so a new grant is a new module
 * and a row here, never another branch in the token endpoint client. Any other name is a grant URI.
 * @module
 */
import type { ResolvedOptions } from '../options.js';
import { clientCredentialsGrant } from './client-credentials.js';
import { extensionGrant } from './extension.js';
import type { Grant } from './grant.js';
import { jwtBearerGrant } from './jwt-bearer.js';
import { withGrantParams } from './params.js';
import { passwordGrant } from './password.js';
import { tokenExchangeGrant } from './token-exchange.js';

export type { Grant, GrantRequest, GrantTarget } from './grant.js';

type GrantOptions = Pick<
  ResolvedOptions,
  | 'grant'
  | 'username'
  | 'password'
  | 'subjectToken'
  | 'subjectTokenType'
  | 'actorToken'
  | 'actorTokenType'
  | 'requestedTokenType'
  | 'assertion'
  | 'assertionLifetime'
  | 'grantParams'
>;

const GRANTS: Readonly<Record<string, (o: GrantOptions) => Grant>> = {
  client_credentials: () => clientCredentialsGrant(),
  // Options were checked to hold both.
  password: (o) => passwordGrant(o.username!, o.password!),
  token_exchange: (o) => tokenExchangeGrant(o),
  jwt_bearer: (o) => jwtBearerGrant(o.assertion, o.assertionLifetime),
};

/** The grant for these options (validated: the grant's own options are present), with its `grantParams`. */
export function createGrant(o: GrantOptions): Grant {
  const grant = Object.hasOwn(GRANTS, o.grant) ? GRANTS[o.grant]!(o) : extensionGrant(o.grant);
  return withGrantParams(grant, o.grantParams);
}
