/**
 * An error as the CLI reports it: the library's message (which never holds a secret), a hint a person
 * can act on ("Check TOKENWARD_CLIENT_ID / the client secret"), and the exit code of its class.
 * @module
 */
import { EXIT } from './exit-codes.js';
import { howToPass, SECRETS, type SecretSpec } from './secrets.js';
import { describeSetting, SETTINGS } from './settings.js';

/** What the CLI knows about the run, for hints. */
export interface ExplainContext {
  /** The `--system` name, if any. */
  readonly system?: string | undefined;
  /** Which secrets were given (by key), so "no client secret was sent" can be said. */
  readonly secretsGiven?: ReadonlySet<string>;
}

/** Exit code and the lines to print on stderr. */
export interface Explained {
  readonly exitCode: number;
  readonly lines: readonly string[];
}

/** The fields of a `TokenwardError` the CLI reads; recognised by its code, so any copy of the class works. */
interface LibraryError {
  readonly code: string;
  readonly message: string;
  readonly status?: number;
  readonly error?: string;
}

function isLibraryError(err: unknown): err is LibraryError {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string' && (err as unknown as { code: string }).code.startsWith('ERR_TOKENWARD_');
}

const BY_CODE: Readonly<Record<string, number>> = {
  ERR_TOKENWARD_CONFIG: EXIT.USAGE,
  ERR_TOKENWARD_ORIGIN_NOT_ALLOWED: EXIT.USAGE,
  ERR_TOKENWARD_OAUTH: EXIT.OAUTH,
  ERR_TOKENWARD_NO_LICENCE: EXIT.NO_LICENCE,
  ERR_TOKENWARD_NETWORK: EXIT.NETWORK,
  ERR_TOKENWARD_TIMEOUT: EXIT.NETWORK,
  ERR_TOKENWARD_RESPONSE: EXIT.RESPONSE,
  ERR_TOKENWARD_INVALID_TOKEN_RESPONSE: EXIT.RESPONSE,
  ERR_TOKENWARD_UNSUPPORTED_TOKEN_TYPE: EXIT.RESPONSE,
  ERR_TOKENWARD_RESPONSE_TOO_LARGE: EXIT.RESPONSE,
  ERR_TOKENWARD_LOGOFF: EXIT.LOGOFF,
  ERR_TOKENWARD_ABORTED: EXIT.INTERRUPTED,
  // Client authentication refused below HTTP (a certificate), or an assertion that could not be made:
  // like invalid_client, the credentials need fixing.
  ERR_TOKENWARD_CLIENT_AUTH: EXIT.OAUTH,
  // The issuer's metadata is unusable (another issuer, no token endpoint): a bad server answer.
  ERR_TOKENWARD_DISCOVERY: EXIT.RESPONSE,
  ERR_TOKENWARD_PROXY: EXIT.NETWORK,
};

/** The exit code and message for any error a command threw. */
export function explain(err: unknown, ctx: ExplainContext = {}): Explained {
  const own = (err as { exitCode?: unknown } | null)?.exitCode;
  if (err instanceof Error && typeof own === 'number') return { exitCode: own, lines: [err.message] };
  if (!isLibraryError(err)) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      exitCode: EXIT.USAGE,
      lines: [`tokenward: unexpected error: ${message}`, '  hint: this is likely a bug in tokenward; run with --verbose and report it'],
    };
  }
  const exitCode = BY_CODE[err.code] ?? EXIT.USAGE;
  const hint = hintFor(err, ctx);
  return { exitCode, lines: hint === undefined ? [err.message] : [err.message, `  hint: ${hint}`] };
}

function hintFor(err: LibraryError, ctx: ExplainContext): string | undefined {
  const given = ctx.secretsGiven ?? new Set<string>();
  const password = secret('password');
  switch (err.code) {
    case 'ERR_TOKENWARD_CONFIG':
      return configHint(err.message);
    case 'ERR_TOKENWARD_ORIGIN_NOT_ALLOWED':
      return 'if that origin should receive the token, add it with --allowed-origin <origin> (or TOKENWARD_ALLOWED_ORIGINS)';
    case 'ERR_TOKENWARD_NO_LICENCE':
      return 'Jim2Server has no user licence free. --scope view takes none. A licence held by a session that is gone (a crashed service) comes back when its refresh token lapses, 20 minutes after its last token request; see `tokenward logoff --help`';
    case 'ERR_TOKENWARD_OAUTH':
      if (err.error === 'invalid_client' || err.status === 401) return invalidClientHint(given);
      if (err.error === 'invalid_grant' && given.has('password'))
        return `check the user name (--username / TOKENWARD_USERNAME) and the password (${howToPass(password).replace(/^set /, '')})`;
      if (err.error === 'invalid_grant')
        return 'the server refused the grant: check the client id, the secret and the scope, or whether this client may use this grant';
      if (err.error === 'invalid_scope') return 'check the scope (--scope / TOKENWARD_SCOPE)';
      if (err.error === 'unauthorized_client' || err.error === 'unsupported_grant_type')
        return 'this client may not use this grant at this server: check --grant and the client settings at the server';
      return undefined;
    case 'ERR_TOKENWARD_CLIENT_AUTH':
      if (/TLS client certificate/.test(err.message))
        return 'the server refused the certificate in the TLS handshake: check --cert and --key are the pair registered for this client, and that the server trusts its issuer';
      if (/clientAssertion/.test(err.message))
        return `check the client assertion (${howToPass(secret('clientAssertion')).replace(/^set /, '')}): a file must hold a current JWT (a projected service-account token the kubelet rotates)`;
      return `check the private key (${howToPass(secret('privateKey')).replace(/^set /, '')}) and --alg`;
    case 'ERR_TOKENWARD_DISCOVERY':
      return /names issuer/.test(err.message)
        ? "--issuer must equal the metadata's `issuer` character for character (a trailing slash counts): write it as the provider does"
        : 'check --issuer (the URL before /.well-known/openid-configuration), or pass the token endpoint as --token-url instead';
    case 'ERR_TOKENWARD_PROXY':
      return 'the proxy refused the request: check HTTPS_PROXY / HTTP_PROXY (and their credentials) and NO_PROXY';
    case 'ERR_TOKENWARD_NETWORK':
      return 'check the URL and that the server is reachable from here; --verbose shows each request';
    case 'ERR_TOKENWARD_TIMEOUT':
      return 'the server did not answer in time: raise --timeout (milliseconds) or check the server';
    case 'ERR_TOKENWARD_RESPONSE':
    case 'ERR_TOKENWARD_INVALID_TOKEN_RESPONSE':
      return `is ${ctx.system ? `--base-url right for --system ${ctx.system}` : 'the token URL (--token-url) the token endpoint'}? An HTML page usually means a login page, a proxy, or a wrong path; --verbose shows the answer`;
    case 'ERR_TOKENWARD_UNSUPPORTED_TOKEN_TYPE':
      return "the server issues tokens of a type tokenward cannot send as Bearer; check the client's token type settings at the server";
    case 'ERR_TOKENWARD_LOGOFF':
      return 'the cached token was forgotten anyway; check --logoff-url and --logoff-method (the session ends at the server when its tokens expire)';
    default:
      return undefined;
  }
}

const secret = (key: SecretSpec['key']) => SECRETS.find((s) => s.key === key)!;

/** What to check after `invalid_client`, by how the client authenticated. */
function invalidClientHint(given: ReadonlySet<string>): string {
  const id = 'Check the client id (--client-id / TOKENWARD_CLIENT_ID)';
  if (given.has('privateKey'))
    return `${id} and that the server holds the public key of the private key (--private-key-file), with the same --key-id and --alg; a server may also want --assertion-audience`;
  if (given.has('clientAssertion')) return `${id} and the client assertion: its iss/sub, aud and expiry must be what the server trusts for this client`;
  if (given.has('tlsKey'))
    return `${id} and that the certificate (--cert) is the one registered for it (tls_client_auth: its subject; self-signed: the certificate itself)`;
  const missing = given.has('clientSecret') ? '' : 'No client secret was sent. ';
  return `${missing}${id} and the client secret (${howToPass(secret('clientSecret')).replace(/^set /, '')}), or how the server wants the client to authenticate (--client-auth)`;
}

/** Names the flag and variable behind each option a configuration message mentions (`clientId` → --client-id / TOKENWARD_CLIENT_ID). */
function configHint(message: string): string | undefined {
  const names = new Set([...message.matchAll(/`([\w.]+)`/g)].map((m) => m[1]!));
  const where: string[] = [];
  for (const name of names) {
    const setting = SETTINGS.find((s) => s.key === name || s.key === name.replace(/^logoff\.path$/, 'logoff.url'));
    const spec = SECRETS.find((s) => (s.option ?? s.key) === name || (name === 'secret' && s.key === 'clientSecret'));
    if (setting) where.push(`\`${name}\` is ${describeSetting(setting)}`);
    else if (spec) where.push(`\`${name}\` is the ${spec.label}: ${howToPass(spec)}`);
  }
  return where.length > 0 ? where.join('; ') : undefined;
}
