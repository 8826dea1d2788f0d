/**
 * From settings and secrets to `TokenManager` options: plainly (`--token-url`, `--client-id`, ...), or
 * through a system's profile (`--system jim2`), whose inputs the settings map onto by name. Profiles
 * are loaded only when asked for.
 * @module
 */

import type { TokenManagerOptions } from '../options.js';
import type { ProfileOverrides } from '../profiles/shared.js';
import { UsageError } from './exit-codes.js';
import { checkTlsKey, signingKeyOption } from './keys.js';
import { howToPass, type ResolvedSecrets, readSecretFile, SECRETS, type SecretSpec } from './secrets.js';
import { SETTINGS, type Settings, setPath } from './settings.js';

type SecretKey = SecretSpec['key'];
type Profile = (input: never, overrides?: ProfileOverrides) => TokenManagerOptions;

/** A system `--system` can name: its profile and how the CLI's settings become its inputs. */
export interface SystemSpec {
  readonly name: string;
  readonly title: string;
  /** Setting and secret keys the profile takes as inputs. Settings marked `everywhere` apply too, as overrides. */
  readonly inputs: readonly string[];
  /** Input names that differ from the setting's key (Jim2 calls the client secret `secret`). */
  readonly rename?: Readonly<Record<string, string>>;
  /** Whether the profile releases sessions at the server on logoff. */
  readonly logoff: boolean;
  /** The secrets these settings need (asked for when missing and stdin is a terminal). */
  needs(settings: Settings): SecretKey[];
  /** Loads the profile function. */
  load(): Promise<Profile>;
}

const has = (settings: Settings, key: string) => settings.has(key);

/** The systems, by `--system` name. */
export const SYSTEMS: Readonly<Record<string, SystemSpec>> = {
  jim2: {
    logoff: true,
    name: 'jim2',
    title: 'Jim2Server (Jim2 Business Engine Web API)',
    inputs: ['baseUrl', 'clientId', 'clientSecret', 'scope', 'clientAuth', 'logoff.url', 'logoff.method'],
    rename: { 'logoff.url': 'logoff.path' },
    needs: () => ['clientSecret'],
    load: async () => (await import('../profiles/jim2.js')).jim2 as Profile,
  },
  veeam: {
    logoff: true,
    name: 'veeam',
    title: 'Veeam Recovery Orchestrator',
    inputs: ['baseUrl', 'username', 'password', 'clientId', 'clientSecret', 'ca'],
    needs: (s) => (has(s, 'clientId') && !has(s, 'username') ? ['clientSecret'] : ['password']),
    load: async () => (await import('../profiles/veeam.js')).veeamRecoveryOrchestrator as Profile,
  },
  infolink: {
    logoff: false,
    name: 'infolink',
    title: 'InfoLink',
    inputs: ['baseUrl', 'clientId', 'clientSecret', 'username', 'password'],
    needs: (s) => (has(s, 'username') ? ['clientSecret', 'password'] : ['clientSecret']),
    load: async () => (await import('../profiles/infolink.js')).infolink as Profile,
  },
  'bright-pattern': {
    logoff: false,
    name: 'bright-pattern',
    title: 'Bright Pattern Contact Center',
    inputs: ['tenantHost', 'clientId', 'clientSecret', 'baseUrl'],
    needs: () => ['clientSecret'],
    load: async () => (await import('../profiles/bright-pattern.js')).brightPattern as Profile,
  },
  aspnet: {
    logoff: false,
    name: 'aspnet',
    title: 'ASP.NET api/v1/auth/token facade',
    inputs: ['baseUrl', 'clientId', 'clientSecret', 'username', 'password', 'scope', 'tokenPath'],
    // The facade's client secret is optional (a public client): never asked for, only read if set.
    needs: (s) => (has(s, 'username') ? ['password'] : []),
    load: async () => (await import('../profiles/aspnet-auth-token.js')).aspnetAuthToken as Profile,
  },
};

/** The `--system` spec, or a usage error listing the names. */
export function systemNamed(name: string): SystemSpec {
  const spec = Object.hasOwn(SYSTEMS, name) ? SYSTEMS[name] : undefined;
  if (spec === undefined) throw new UsageError(`unknown --system ${JSON.stringify(name)}; choose one of: ${Object.keys(SYSTEMS).join(', ')}`);
  return spec;
}

/** Client authentication methods that use no client secret. */
const NO_SECRET_METHODS = new Set(['none', 'private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth']);

/**
 * The secrets a configuration needs and the prompt's words for each; `who` names the configuration in
 * messages. A client that authenticates with a key, an assertion or a certificate needs no secret.
 */
export function secretsNeeded(
  settings: Settings,
  system: SystemSpec | undefined,
  given: Partial<Record<SecretKey, string>> = {},
): { needed: Map<SecretKey, string>; who: string } {
  const clientId = settings.get('clientId')?.value as string | undefined;
  const username = settings.get('username')?.value as string | undefined;
  let keys: SecretKey[];
  let who: string;
  if (system) {
    keys = system.needs(settings);
    who = `--system ${system.name}`;
  } else {
    keys = [];
    const keyBased = given.privateKey !== undefined || given.clientAssertion !== undefined || given.tlsKey !== undefined || settings.has('tls.cert');
    if (clientId !== undefined && !keyBased && !NO_SECRET_METHODS.has(String(settings.get('clientAuth')?.value))) keys.push('clientSecret');
    if (username !== undefined || settings.get('grant')?.value === 'password') keys.push('password');
    who = keys.includes('clientSecret') ? '--client-id without --client-auth none (or a key, assertion or certificate)' : 'the password grant';
  }
  const words: Partial<Record<SecretKey, string>> = {
    clientSecret: `Client secret${clientId ? ` for ${clientId}` : ''}`,
    password: `Password${username ? ` for ${username}` : ''}`,
  };
  return { needed: new Map(keys.map((k) => [k, words[k] ?? k])), who };
}

/** The token parameters of the settings (`--audience`, `--resource`), for `tm.for(...)`. */
export function tokenParameters(settings: Settings): { audience?: string; resource?: string[] } {
  const out: { audience?: string; resource?: string[] } = {};
  const audience = settings.get('audience')?.value as string | undefined;
  const resource = settings.get('resource')?.value as string[] | undefined;
  if (audience !== undefined) out.audience = audience;
  if (resource !== undefined && resource.length > 0) out.resource = resource;
  return out;
}

/** Secrets only the plain configuration takes: a system's profile has no input for them. */
const PLAIN_ONLY_SECRETS: readonly SecretKey[] = ['privateKey', 'tlsKey', 'keyPassphrase', 'clientAssertion'];

/**
 * `TokenManager` options for the settings and secrets: each setting at its key, or, with a system, at
 * the profile input of that name (settings marked `everywhere` go on top as overrides).
 * @throws {UsageError} for a setting that does not apply.
 */
export async function buildOptions(
  settings: Settings,
  secrets: ResolvedSecrets,
  system: SystemSpec | undefined,
  learn: (secret: string) => void = () => {},
): Promise<TokenManagerOptions> {
  if (system === undefined) return plainOptions(settings, secrets, learn);
  const input: Record<string, unknown> = {};
  const overrides: Record<string, unknown> = {};
  const rename = system.rename ?? {};
  for (const key of PLAIN_ONLY_SECRETS) {
    if (secrets.from[key] !== undefined)
      throw new UsageError(`${secrets.from[key]} does not apply to --system ${system.name}; it takes ${describeInputs(system)}`);
  }
  for (const [key, { setting, value, from }] of settings) {
    if (setting.tokenParam) continue;
    if (system.inputs.includes(key)) setPath(input, rename[key] ?? key, value);
    else if (setting.everywhere) setPath(overrides, key, value);
    else throw new UsageError(`${from} does not apply to --system ${system.name}; it takes ${describeInputs(system)}`);
  }
  for (const [key, value] of Object.entries(secrets.values)) {
    if (system.inputs.includes(key)) input[rename[key] ?? key] = value;
  }
  const profile = await system.load();
  return profile(input as never, overrides as ProfileOverrides);
}

async function plainOptions(settings: Settings, secrets: ResolvedSecrets, learn: (secret: string) => void): Promise<TokenManagerOptions> {
  const options: Record<string, unknown> = {};
  for (const [key, { setting, value, from }] of settings) {
    if (setting.tokenParam) continue;
    if (setting.only) throw new UsageError(`${from} applies only to --system ${setting.only.join(', ')}`);
    setPath(options, key, value);
  }
  if (!settings.has('tokenUrl') && !settings.has('issuer')) {
    throw new UsageError(
      'no token endpoint: pass --token-url <url> or --issuer <url> (or set TOKENWARD_TOKEN_URL or TOKENWARD_ISSUER), or --system <name> with its settings. See `tokenward --help`.',
    );
  }
  const logoff = options.logoff as Record<string, unknown> | undefined;
  if (logoff !== undefined) {
    logoff.style ??= 'bearer';
    // With --issuer, revocation needs no URL: discovery gives the revocation endpoint.
    if (logoff.url === undefined && !(logoff.style === 'revoke' && settings.has('issuer'))) {
      throw new UsageError(
        `--logoff-method and --logoff-style need --logoff-url${settings.has('issuer') ? ' (with --issuer, --logoff-style revoke alone uses the discovered revocation endpoint)' : ''}`,
      );
    }
    if (logoff.style === 'revoke' && logoff.method !== undefined)
      throw new UsageError('--logoff-method applies to --logoff-style bearer only (revocation is always a POST)');
  }
  const { values, from, files } = secrets;
  if (values.clientSecret !== undefined) options.clientSecret = values.clientSecret;
  if (values.password !== undefined) options.password = values.password;
  const passphrase = { passphrase: values.keyPassphrase, passphraseFrom: from.keyPassphrase };
  if (values.privateKey !== undefined) options.privateKey = signingKeyOption({ text: values.privateKey, from: from.privateKey!, ...passphrase });
  if (values.clientAssertion !== undefined)
    options.clientAssertion = assertionSource(values.clientAssertion, files?.clientAssertion, from.clientAssertion!, learn);
  const tls = options.tls as Record<string, unknown> | undefined;
  if (values.tlsKey !== undefined || tls !== undefined) {
    if (tls?.cert === undefined) throw new UsageError(`${from.tlsKey} needs its certificate: --cert <pem file> (or TOKENWARD_CERT_FILE)`);
    if (values.tlsKey === undefined) throw new UsageError(`--cert needs its private key: ${howToPass(SECRETS.find((s) => s.key === 'tlsKey')!)}`);
    checkTlsKey({ text: values.tlsKey, from: from.tlsKey!, ...passphrase });
    tls.key = values.tlsKey;
    if (values.keyPassphrase !== undefined) tls.passphrase = values.keyPassphrase;
  }
  if (options.ca !== undefined) {
    const ca = options.ca;
    delete options.ca;
    // With a client certificate the CA goes with it; else `tls: { ca }` alone: tokenward's own transport
    // trusts it and still honours HTTPS_PROXY / NO_PROXY (an Agent of ours would not).
    if (tls !== undefined) tls.ca = ca;
    else options.tls = { ca: ca as string };
  }
  return options as TokenManagerOptions;
}

/**
 * `clientAssertion` for the library: a file is read again for every request, as the kubelet rotates a
 * projected service-account token; each value read is learnt as a secret, so `--verbose` never shows it.
 */
function assertionSource(value: string, file: string | undefined, from: string, learn: (secret: string) => void): () => string {
  if (file === undefined) return () => value;
  return () => {
    const fresh = readSecretFile(file, from, { label: 'client assertion' });
    learn(fresh);
    return fresh;
  };
}

function describeInputs(system: SystemSpec): string {
  const flags = system.inputs.map((key) => {
    const setting = SETTINGS.find((s) => s.key === key);
    return setting ? `--${setting.flag}` : key === 'clientSecret' ? 'the client secret' : 'the password';
  });
  return `${flags.join(', ')} (and ${SETTINGS.filter((s) => s.everywhere)
    .map((s) => `--${s.flag}`)
    .join(', ')})`;
}
