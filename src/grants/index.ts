/**
 * The grant a manager uses, picked from the options by name: a table, so a new grant is a new module
 * and a row here, never another branch in the token endpoint client.
 * @module
 */
import type { ResolvedOptions } from '../options.js';
import { clientCredentialsGrant } from './client-credentials.js';
import type { Grant } from './grant.js';
import { passwordGrant } from './password.js';
import { tokenExchangeGrant } from './token-exchange.js';

export type { Grant, GrantRequest, GrantTarget } from './grant.js';

type GrantOptions = Pick<ResolvedOptions, 'grant' | 'username' | 'password' | 'subjectToken' | 'subjectTokenType' | 'actorToken' | 'actorTokenType' | 'requestedTokenType'>;

const GRANTS: Readonly<Record<string, (o: GrantOptions) => Grant>> = {
  client_credentials: () => clientCredentialsGrant(),
  // Options were checked to hold both.
  password: (o) => passwordGrant(o.username!, o.password!),
  token_exchange: (o) => tokenExchangeGrant(o),
};

/** The grant for these options (validated: the grant's own options are present). */
export function createGrant(o: GrantOptions): Grant {
  const make = GRANTS[o.grant];
  if (make === undefined) throw new Error(`unreachable: no grant module for ${JSON.stringify(o.grant)}`);
  return make(o);
}
