/**
 * From settings and secrets to `TokenManager` options: plainly (`--token-url`, `--client-id`, ...), or
 * through a system's profile (`--system jim2`), whose inputs the settings map onto by name. Profiles
 * are loaded only when asked for.
 * @module
 */
import type { ProfileOverrides } from '../profiles/shared.js';
import type { TokenManagerOptions } from '../options.js';
import { UsageError } from './exit-codes.js';
import type { ResolvedSecrets, SecretSpec } from './secrets.js';
import { SETTINGS, setPath, type Settings } from './settings.js';

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

/** The secrets a configuration needs and the prompt's words for each; `who` names the configuration in messages. */
export function secretsNeeded(settings: Settings, system: SystemSpec | undefined): { needed: Map<SecretKey, string>; who: string } {
  const clientId = settings.get('clientId')?.value as string | undefined;
  const username = settings.get('username')?.value as string | undefined;
  let keys: SecretKey[];
  let who: string;
  if (system) {
    keys = system.needs(settings);
    who = `--system ${system.name}`;
  } else {
    keys = [];
    if (clientId !== undefined && settings.get('clientAuth')?.value !== 'none') keys.push('clientSecret');
    if (username !== undefined || settings.get('grant')?.value === 'password') keys.push('password');
    who = keys.includes('clientSecret') ? '--client-id without --client-auth none' : 'the password grant';
  }
  const words: Record<SecretKey, string> = {
    clientSecret: `Client secret${clientId ? ` for ${clientId}` : ''}`,
    password: `Password${username ? ` for ${username}` : ''}`,
  };
  return { needed: new Map(keys.map((k) => [k, words[k]])), who };
}

/**
 * `TokenManager` options for the settings and secrets: each setting at its key, or, with a system, at
 * the profile input of that name (settings marked `everywhere` go on top as overrides).
 * @throws {UsageError} for a setting that does not apply.
 */
export async function buildOptions(settings: Settings, secrets: ResolvedSecrets, system: SystemSpec | undefined): Promise<TokenManagerOptions> {
  if (system === undefined) return plainOptions(settings, secrets);
  const input: Record<string, unknown> = {};
  const overrides: Record<string, unknown> = {};
  const rename = system.rename ?? {};
  for (const [key, { setting, value, from }] of settings) {
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

function plainOptions(settings: Settings, secrets: ResolvedSecrets): TokenManagerOptions {
  const options: Record<string, unknown> = {};
  for (const [key, { setting, value, from }] of settings) {
    if (setting.only) throw new UsageError(`${from} applies only to --system ${setting.only.join(', ')}`);
    setPath(options, key, value);
  }
  if (!settings.has('tokenUrl') && !settings.has('issuer')) {
    throw new UsageError('no token endpoint: pass --token-url <url> (or set TOKENWARD_TOKEN_URL), or --system <name> with its settings. See `tokenward --help`.');
  }
  const logoff = options.logoff as Record<string, unknown> | undefined;
  if (logoff !== undefined) {
    if (logoff.url === undefined) throw new UsageError('--logoff-method and --logoff-style need --logoff-url');
    logoff.style ??= 'bearer';
    if (logoff.style === 'revoke' && logoff.method !== undefined) throw new UsageError('--logoff-method applies to --logoff-style bearer only (revocation is always a POST)');
  }
  return { ...options, ...secrets.values } as TokenManagerOptions;
}

function describeInputs(system: SystemSpec): string {
  const flags = system.inputs.map((key) => {
    const setting = SETTINGS.find((s) => s.key === key);
    return setting ? `--${setting.flag}` : key === 'clientSecret' ? 'the client secret' : 'the password';
  });
  return `${flags.join(', ')} (and ${SETTINGS.filter((s) => s.everywhere).map((s) => `--${s.flag}`).join(', ')})`;
}
