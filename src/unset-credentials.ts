/**
 * Credentials given as `undefined`. Read from the environment (`clientSecret: process.env.CLIENT_SECRET`),
 * a key present with the value `undefined` means an unset variable, not "none": left alone, `auto` sent
 * only `client_id` and the server's `invalid_client` never said that no secret was sent. The options
 * and the profiles refuse them with the same words.
 * @module
 */

/** The credential options of `TokenManager` (the profiles add their own names). */
export const CREDENTIAL_OPTIONS = ['clientId', 'clientSecret', 'username', 'password', 'privateKey'] as const;

/** The names in `names` that `input` holds as own keys with the value `undefined`. */
export function undefinedKeys(input: object, names: readonly string[]): string[] {
  return names.filter((name) => Object.hasOwn(input, name) && (input as Record<string, unknown>)[name] === undefined);
}

/**
 * "option `clientSecret` is undefined: is the environment variable you read it from set?", for one
 * name or several; `publicClientHint` adds how a client without a secret says so.
 */
export function describeUndefined(names: readonly string[], publicClientHint = false): string {
  const list = names.map((name) => `\`${name}\``).join(', ');
  const hint = publicClientHint ? " (a public client without a secret says so with `clientAuth: 'none'`)" : '';
  return names.length === 1
    ? `option ${list} is undefined: is the environment variable you read it from set?${hint}`
    : `options ${list} are undefined: are the environment variables you read them from set?${hint}`;
}
