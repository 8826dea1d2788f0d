/**
 * Secrets (the client secret, the password): from the environment, a file, or a prompt with echo off,
 * never from the command line, where they would land in shell history and in `ps` output.
 * @module
 */
import { readFileSync } from 'node:fs';
import { UsageError } from './exit-codes.js';
import type { Env } from './settings.js';

/** Where one secret may come from. */
export interface SecretSpec {
  /** The `TokenManager` option it fills. */
  readonly key: 'clientSecret' | 'password';
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
}

/** The secrets the CLI knows. */
export const SECRETS: readonly SecretSpec[] = [
  { key: 'clientSecret', label: 'client secret', env: 'TOKENWARD_CLIENT_SECRET', fileFlag: 'client-secret-file', fileEnv: 'TOKENWARD_CLIENT_SECRET_FILE', refused: ['client-secret', 'secret'] },
  { key: 'password', label: 'password', env: 'TOKENWARD_PASSWORD', fileFlag: 'password-file', fileEnv: 'TOKENWARD_PASSWORD_FILE', refused: ['password'] },
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

/** The secrets found, by option key, and where each came from (a variable or file name, never a value). */
export interface ResolvedSecrets {
  readonly values: Partial<Record<SecretSpec['key'], string>>;
  readonly from: Partial<Record<SecretSpec['key'], string>>;
}

/**
 * Each secret from, in order: the `--…-file` flag, its environment variable, the `…_FILE` variable,
 * and, when the configuration needs it and stdin is a terminal, a prompt. An empty variable counts as
 * unset. A trailing newline in a file is dropped (editors and `echo` add one).
 * @throws {UsageError} when a needed secret has no source, both the variable and the `…_FILE` variable
 * are set, or a file cannot be read.
 */
export async function resolveSecrets(flags: Readonly<Record<string, unknown>>, env: Env, ctx: SecretContext): Promise<ResolvedSecrets> {
  const values: ResolvedSecrets['values'] = {};
  const from: ResolvedSecrets['from'] = {};
  for (const spec of SECRETS) {
    const filePath = flags[spec.fileFlag];
    const direct = nonEmpty(env[spec.env]);
    const envFile = nonEmpty(env[spec.fileEnv]);
    if (typeof filePath === 'string') {
      values[spec.key] = readSecretFile(filePath, `--${spec.fileFlag}`, spec);
      from[spec.key] = `--${spec.fileFlag}`;
    } else if (direct !== undefined && envFile !== undefined) {
      throw new UsageError(`both ${spec.env} and ${spec.fileEnv} are set; set one of them`);
    } else if (direct !== undefined) {
      values[spec.key] = direct;
      from[spec.key] = spec.env;
    } else if (envFile !== undefined) {
      values[spec.key] = readSecretFile(envFile, spec.fileEnv, spec);
      from[spec.key] = spec.fileEnv;
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
  return { values, from };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function readSecretFile(path: string, from: string, spec: SecretSpec): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${from}: cannot read the ${spec.label} file ${JSON.stringify(path)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const value = text.replace(/(\r?\n)+$/, '');
  if (value === '') throw new UsageError(`${from}: the ${spec.label} file ${JSON.stringify(path)} is empty`);
  return value;
}
