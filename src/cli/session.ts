/**
 * What a command works with: the settings, the system, the token cache, stderr output, Ctrl-C, and,
 * only when the command needs one, a `TokenManager` (the library is loaded then, not before).
 * @module
 */
import type { TokenManager, TokenView } from '../manager.js';
import type { TokenManagerOptions } from '../options.js';
import type { Token } from '../token.js';
import { loadUndici } from '../undici-module.js';
import type { ParsedArgs } from './args.js';
import { cacheDir, cacheFile, FileTokenStore } from './cache.js';
import { Interrupted } from './exit-codes.js';
import type { ExplainContext } from './explain.js';
import { askHidden, canPrompt } from './prompt.js';
import { resolveSecrets } from './secrets.js';
import { type Env, readSettings, type Settings } from './settings.js';
import { buildOptions, type SystemSpec, secretsNeeded, systemNamed, tokenParameters } from './systems.js';
import { logEvents, Secrets, type Write, watchExchanges } from './verbose.js';

/** The process's streams and environment; tests of the modules pass their own. */
export interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadStream;
  readonly env: Env;
}

/** A command's context. */
export class Session {
  readonly settings: Settings;
  readonly system: SystemSpec | undefined;
  readonly flags: Readonly<Record<string, unknown>>;
  readonly io: Io;
  /** The cache file store, or `undefined` with `--no-cache`, `TOKENWARD_CACHE=off`, or a cache directory that is not safe to use. */
  store: FileTokenStore | undefined;
  /** Writes a `--verbose` line to stderr; `undefined` without `--verbose`. */
  readonly verbose: Write | undefined;
  /** Secrets and tokens never to print; every stderr line goes through it. */
  readonly secrets = new Secrets([]);
  /** Fires on Ctrl-C (SIGINT) or SIGTERM; its reason is an `Interrupted`. */
  readonly signal: AbortSignal;
  /** For error hints: the system and which secrets were given. */
  readonly context: { system?: string; secretsGiven: Set<string> } & ExplainContext;

  constructor(args: ParsedArgs, io: Io, signal: AbortSignal) {
    this.io = io;
    this.flags = args.flags;
    this.signal = signal;
    this.settings = readSettings(args.flags, io.env);
    const systemName = (args.flags.system as string | undefined) ?? (io.env.TOKENWARD_SYSTEM || undefined);
    this.system = systemName === undefined ? undefined : systemNamed(systemName);
    this.context = { ...(this.system ? { system: this.system.name } : {}), secretsGiven: new Set() };
    // A DPoP-bound token is useless with another run's key, and the key lives for this run only.
    const off = args.flags['no-cache'] === true || /^(0|off|false|no)$/i.test(io.env.TOKENWARD_CACHE ?? '') || this.settings.get('dpop')?.value === true;
    if (!off) {
      const dir = (args.flags['cache-dir'] as string | undefined) ?? cacheDir(io.env);
      this.store = new FileTokenStore(dir, cacheFile(dir, this.settings, this.system?.name));
    }
    this.verbose = args.flags.verbose === true ? (line) => this.#stderr(line) : undefined;
  }

  /** A warning on stderr, always shown. */
  warn(message: string): void {
    this.#stderr(`tokenward: warning: ${message}`);
  }

  #stderr(line: string): void {
    this.io.stderr.write(`${this.secrets.scrub(line)}\n`);
  }

  /**
   * The cached token without loading the library, or `undefined`. A cache that cannot be used is
   * reported once and switched off for the rest of the run.
   */
  cached(): Token | undefined {
    if (this.store === undefined) return undefined;
    try {
      const token = this.store.get();
      if (token) {
        this.secrets.add(token.accessToken);
        this.secrets.add(token.refreshToken);
      }
      return token;
    } catch (err) {
      this.warn(`not using the token cache: ${(err as Error).message}`);
      this.store = undefined;
      return undefined;
    }
  }

  /**
   * A `TokenManager` for this configuration: secrets resolved (prompting on a terminal if one is
   * missing), the profile applied, the cache as its store, and `--verbose` wired in.
   */
  async manager(): Promise<TokenManager> {
    const { TokenManager } = await import('../manager.js');
    const given = await resolveSecrets(this.flags, this.io.env, { needed: new Map(), ask: undefined, who: '' });
    const { needed, who } = secretsNeeded(this.settings, this.system, given.values);
    const learn = (secret: string) => this.secrets.add(secret);
    // Before asking for a missing secret, check the rest: a prompt followed by "no base URL" wastes the answer.
    const missing = [...needed.keys()].filter((key) => given.values[key] === undefined);
    if (missing.length > 0) {
      const placeholders = Object.fromEntries(missing.map((key) => [key, 'placeholder, never sent']));
      new TokenManager(await buildOptions(this.settings, { ...given, values: { ...given.values, ...placeholders } }, this.system, learn));
    }
    const ask = canPrompt(this.io.stdin) ? (question: string) => askHidden(question, { input: this.io.stdin, output: this.io.stderr }) : undefined;
    const secrets = missing.length > 0 ? await resolveSecrets(this.flags, this.io.env, { needed, ask, who }) : given;
    for (const [key, value] of Object.entries(secrets.values)) {
      this.secrets.add(value);
      this.context.secretsGiven.add(key);
    }
    if (this.signal.aborted) throw this.signal.reason;
    const options: TokenManagerOptions = { ...(await buildOptions(this.settings, secrets, this.system, learn)) };
    if (this.store) this.cached(); // checks the directory once, and learns the cached token's values for scrubbing
    if (this.store) options.store = this.store;
    if (this.verbose) {
      watchExchanges(this.secrets, this.verbose);
      // Node 20's built-in fetch, which sends a process's first requests (default-fetch.ts), reports no
      // request or response bodies on diagnostics_channel; undici's fetch, once loaded, sends them all.
      await loadUndici();
    }
    const tm = new TokenManager(options);
    if (this.store) this.store.clientAuthOf = () => tm.clientAuth;
    // With --audience / --resource the commands use that parameter set's token; the manager's own
    // must not read or overwrite the one cache file (the file is already named after the parameters).
    if (this.store && Object.keys(tokenParameters(this.settings)).length > 0) this.store.ignoreKey = tm.cacheKey;
    tm.on('store-error', (err) => this.warn(`token cache: ${err.message.replace(/^tokenward: /, '')}`));
    if (this.verbose) logEvents(tm, this.secrets, this.verbose);
    return tm;
  }
}

/**
 * The token the commands use: the manager's own, or, with `--audience` / `--resource`, the token of
 * that parameter set (a view of the manager's own parameters is the manager's own token).
 */
export function target(tm: TokenManager, settings: Settings): TokenManager | TokenView {
  const parameters = tokenParameters(settings);
  return Object.keys(parameters).length === 0 ? tm : tm.for(parameters);
}

/**
 * An `AbortSignal` that fires on the first Ctrl-C (SIGINT) or SIGTERM; a second one exits at once.
 * Returns the signal and a function that removes the handlers.
 */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const handler = (name: 'SIGINT' | 'SIGTERM') => () => {
    if (controller.signal.aborted) process.exit(new Interrupted(name).exitCode);
    controller.abort(new Interrupted(name));
  };
  const onInt = handler('SIGINT');
  const onTerm = handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
