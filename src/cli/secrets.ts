/**
 * Secrets (the client secret, the password, private keys, their passphrase, a client assertion): from
 * the environment, a file, or (the client secret and the password only) a prompt with echo off, never
 * from the command line, where they would land in shell history and in `ps` output.
 * @module
 */
import { readFileSync } from 'node:fs';
import { UsageError } from './exit-codes.js';
import type { Env } from './settings.js';

/** Where one secret may come from. */
export interface SecretSpec {
  /** Its name among the CLI's secrets; for the client secret and the password also the `TokenManager` option. */
  readonly key: 'clientSecret' | 'password' | 'privateKey' | 'tlsKey' | 'keyPassphrase' | 'clientAssertion';
  /** The `TokenManager` option it ends up in (`tls.key`), for messages naming the option. @default key */
  readonly option?: string;
  /** How messages and the prompt name it. */
  readonly label: string;
  /** Environment variable holding the value. */
  readonly env: string;
  /** Flag naming a file that holds it (without `--`). */
  readonly fileFlag: string;
  /** Environment variable naming a file that holds it. */
  readonly fileEnv: string;
  /** Flags people reach for that would put the value on the command line: refused. */
  readonly refused: readonly string[];
  /** The file flag's help placeholder. @default '<path>' */
  readonly fileArg?: string;
}

/** The secrets the CLI knows. */
export const SECRETS: readonly SecretSpec[] = [
  {
    key: 'clientSecret',
    label: 'client secret',
    env: 'TOKENWARD_CLIENT_SECRET',
    fileFlag: 'client-secret-file',
    fileEnv: 'TOKENWARD_CLIENT_SECRET_FILE',
    refused: ['client-secret', 'secret'],
  },
  { key: 'password', label: 'password', env: 'TOKENWARD_PASSWORD', fileFlag: 'password-file', fileEnv: 'TOKENWARD_PASSWORD_FILE', refused: ['password'] },
  // private_key_jwt: PEM (PKCS#8, PKCS#1, SEC1; encrypted with the passphrase below) or a JWK (or a JWKS holding one private key).
  {
    key: 'privateKey',
    label: 'private key',
    env: 'TOKENWARD_PRIVATE_KEY',
    fileFlag: 'private-key-file',
    fileEnv: 'TOKENWARD_PRIVATE_KEY_FILE',
    refused: ['private-key'],
    fileArg: '<pem or jwk file>',
  },
  // Mutual TLS: the client certificate's key. `--key <file>` as with curl.
  {
    key: 'tlsKey',
    option: 'tls.key',
    label: 'TLS client key',
    env: 'TOKENWARD_KEY',
    fileFlag: 'key',
    fileEnv: 'TOKENWARD_KEY_FILE',
    refused: [],
    fileArg: '<pem file>',
  },
  {
    key: 'keyPassphrase',
    option: 'tls.passphrase',
    label: 'key passphrase',
    env: 'TOKENWARD_KEY_PASSPHRASE',
    fileFlag: 'key-passphrase-file',
    fileEnv: 'TOKENWARD_KEY_PASSPHRASE_FILE',
    refused: ['passphrase', 'key-passphrase', 'pass'],
  },
  // An assertion made elsewhere (a Kubernetes projected service-account token): a file is read again for every request.
  {
    key: 'clientAssertion',
    label: 'client assertion',
    env: 'TOKENWARD_CLIENT_ASSERTION',
    fileFlag: 'client-assertion-file',
    fileEnv: 'TOKENWARD_CLIENT_ASSERTION_FILE',
    refused: ['client-assertion', 'assertion'],
  },
];

/** How to pass a secret, for messages: "set TOKENWARD_PASSWORD, or pass --password-file <path> (or TOKENWARD_PASSWORD_FILE)". */
export function howToPass(spec: SecretSpec): string {
  return `set ${spec.env}, or pass --${spec.fileFlag} <path> (or ${spec.fileEnv})`;
}

/**
 * Refuses a secret given as a flag (`--client-secret x`, `--password=x`) before anything else reads the
 * arguments. The message names the flag, never the value. Arguments after `--` are not looked at.
 * @throws {UsageError}
 */
export function refuseSecretFlags(argv: readonly string[]): void {
  for (const arg of argv) {
    if (arg === '--') return;
    const name = /^--([^=]+)/.exec(arg)?.[1];
    const spec = name === undefined ? undefined : SECRETS.find((s) => s.refused.includes(name));
    if (spec === undefined) continue;
    throw new UsageError(
      `--${name} is not accepted: a ${spec.label} on the command line lands in your shell history and in \`ps\` output. ` +
        `Instead ${howToPass(spec)}, or leave it out and tokenward prompts for it on a terminal.`,
    );
  }
}

/** Asks for a secret with echo off; see `prompt.ts`. */
export type AskSecret = (question: string) => Promise<string>;

/** What {@link resolveSecrets} needs besides the flags and environment. */
export interface SecretContext {
  /** Which secrets the configuration needs, and the words for the prompt ("Client secret for TestClientId"). */
  readonly needed: ReadonlyMap<SecretSpec['key'], string>;
  /** A prompt, when stdin is a terminal; else `undefined` and a missing secret is an error. */
  readonly ask: AskSecret | undefined;
  /** For messages: "--system jim2 needs" or "this configuration needs". */
  readonly who: string;
}

/** The secrets found, by key, and where each came from (a variable or file name, never a value). */
export interface ResolvedSecrets {
  readonly values: Partial<Record<SecretSpec['key'], string>>;
  readonly from: Partial<Record<SecretSpec['key'], string>>;
  /** The file each came from, when it came from one (a client assertion file is read again per request). */
  readonly files?: Partial<Record<SecretSpec['key'], string>>;
}

/**
 * Each secret from, in order: the `--…-file` flag, its environment variable, the `…_FILE` variable,
 * and, when the configuration needs it and stdin is a terminal, a prompt. An empty variable counts as
 * unset. A trailing newline in a file is dropped (editors and `echo` add one).
 * @throws {UsageError} when a needed secret has no source, both the variable and the `…_FILE` variable
 * are set, or a file cannot be read.
 */
export async function resolveSecrets(flags: Readonly<Record<string, unknown>>, env: Env, ctx: SecretContext): Promise<ResolvedSecrets> {
  const values: Partial<Record<SecretSpec['key'], string>> = {};
  const from: Partial<Record<SecretSpec['key'], string>> = {};
  const files: Partial<Record<SecretSpec['key'], string>> = {};
  for (const spec of SECRETS) {
    const filePath = flags[spec.fileFlag];
    const direct = nonEmpty(env[spec.env]);
    const envFile = nonEmpty(env[spec.fileEnv]);
    if (typeof filePath === 'string') {
      values[spec.key] = readSecretFile(filePath, `--${spec.fileFlag}`, spec);
      from[spec.key] = `--${spec.fileFlag}`;
      files[spec.key] = filePath;
    } else if (direct !== undefined && envFile !== undefined) {
      throw new UsageError(`both ${spec.env} and ${spec.fileEnv} are set; set one of them`);
    } else if (direct !== undefined) {
      values[spec.key] = direct;
      from[spec.key] = spec.env;
    } else if (envFile !== undefined) {
      values[spec.key] = readSecretFile(envFile, spec.fileEnv, spec);
      from[spec.key] = spec.fileEnv;
      files[spec.key] = envFile;
    } else if (ctx.needed.has(spec.key)) {
      if (ctx.ask === undefined) {
        throw new UsageError(`${ctx.who} needs the ${spec.label}: ${howToPass(spec)}. (stdin is not a terminal, so tokenward cannot prompt for it.)`);
      }
      const answer = await ctx.ask(`${ctx.needed.get(spec.key)}: `);
      if (answer === '') throw new UsageError(`no ${spec.label} entered`);
      values[spec.key] = answer;
      from[spec.key] = 'the prompt';
    }
  }
  return { values, from, files };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * A file path as it may be shown in a message: quoted, unless it looks like the secret itself (a PEM
 * block, a JWT, several lines, a very long value), which happens when a variable meant for a path
 * (`TOKENWARD_PRIVATE_KEY_FILE`) is given the key or token instead, as Kubernetes manifests often do.
 */
export function showPath(path: string): string {
  const secretLike = /-----BEGIN|\r|\n/.test(path) || /^eyJ[\w-]*\.[\w-]*\./.test(path) || path.length > 512;
  return secretLike ? '(not shown: the value looks like a key or token itself, not a file path)' : JSON.stringify(path);
}

/**
 * Reads a secret file; a trailing newline is dropped.
 * @throws {UsageError} naming the file and why (never its contents) when it cannot be read or is empty.
 */
export function readSecretFile(path: string, from: string, spec: Pick<SecretSpec, 'label'>): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${from}: cannot read the ${spec.label} file ${showPath(path)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const value = text.replace(/(\r?\n)+$/, '');
  if (value === '') throw new UsageError(`${from}: the ${spec.label} file ${showPath(path)} is empty`);
  return value;
}
