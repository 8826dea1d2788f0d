/**
 * The command line: `tokenward <command> [flags]`, parsed with `node:util` `parseArgs` from the
 * settings table plus each command's own flags. A secret given as a flag is refused before parsing.
 * @module
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './exit-codes.js';
import { refuseSecretFlags, SECRETS } from './secrets.js';
import { SETTINGS } from './settings.js';

/** The commands. */
export const COMMANDS = ['token', 'inspect', 'fetch', 'logoff'] as const;
/** One of {@link COMMANDS}. */
export type Command = (typeof COMMANDS)[number];

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command takes besides the settings. */
const COMMON: Options = {
  system: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  'no-cache': { type: 'boolean' },
  'cache-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
};

/** Flags of one command only. */
const COMMAND_FLAGS: Readonly<Record<Command, Options>> = {
  token: {},
  inspect: { json: { type: 'boolean' } },
  fetch: {
    request: { type: 'string', short: 'X' },
    data: { type: 'string', short: 'd', multiple: true },
    header: { type: 'string', short: 'H', multiple: true },
    include: { type: 'boolean', short: 'i' },
    fail: { type: 'boolean', short: 'f' },
    'max-time': { type: 'string' },
    logoff: { type: 'boolean' },
  },
  logoff: { acquire: { type: 'boolean' } },
};

function allOptions(): Options {
  const options: Options = { ...COMMON };
  for (const s of SETTINGS)
    options[s.flag] =
      s.kind === 'list' || s.kind === 'pairs' ? { type: 'string', multiple: true } : s.kind === 'boolean' ? { type: 'boolean' } : { type: 'string' };
  for (const s of SECRETS) options[s.fileFlag] = { type: 'string' };
  for (const flags of Object.values(COMMAND_FLAGS)) Object.assign(options, flags);
  return options;
}

/** The parsed command line. */
export interface ParsedArgs {
  /** The command, or `undefined` for a bare `tokenward`, `--help` or `--version`. */
  readonly command: Command | undefined;
  /** Arguments after the command (`fetch`'s URL). */
  readonly rest: readonly string[];
  /** Flag values by long name. */
  readonly flags: Readonly<Record<string, unknown>>;
}

/**
 * Parses `argv` (without `node` and the script).
 * @throws {UsageError} for an unknown command or flag, a flag another command owns, or a secret on the command line.
 */
export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  refuseSecretFlags(argv);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: allOptions(), allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]} (see \`tokenward --help\`)`);
  }
  const [first, ...rest] = parsed.positionals;
  const flags = parsed.values as Record<string, unknown>;
  if (first === undefined) return { command: undefined, rest: [], flags };
  if (!(COMMANDS as readonly string[]).includes(first)) {
    throw new UsageError(`unknown command ${JSON.stringify(first)}; the commands are ${COMMANDS.join(', ')} (see \`tokenward --help\`)`);
  }
  const command = first as Command;
  for (const [other, options] of Object.entries(COMMAND_FLAGS)) {
    if (other === command) continue;
    for (const name of Object.keys(options)) {
      if (flags[name] !== undefined && !(name in COMMAND_FLAGS[command])) throw new UsageError(`--${name} applies to \`tokenward ${other}\` only`);
    }
  }
  if (command !== 'fetch' && rest.length > 0) throw new UsageError(`\`tokenward ${command}\` takes no arguments, got ${JSON.stringify(rest[0])}`);
  return { command, rest, flags };
}
