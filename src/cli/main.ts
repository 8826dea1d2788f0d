#!/usr/bin/env node
/**
 * The `tokenward` command. Startup stays cheap: arguments are parsed with `node:util`, and the library,
 * a profile, the help text and each command are loaded only when the command line asks for them.
 * @module
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, type ParsedArgs, parseCommandLine } from './args.js';
import { EXIT } from './exit-codes.js';
import { explain } from './explain.js';
import type { Io, Session } from './session.js';

type Run = (session: Session, rest: readonly string[]) => Promise<number>;

const COMMAND_MODULES: Readonly<Record<Command, () => Promise<{ run: Run }>>> = {
  token: () => import('./commands/token.js'),
  inspect: () => import('./commands/inspect.js'),
  fetch: () => import('./commands/fetch.js'),
  logoff: () => import('./commands/logoff.js'),
};

/** Runs the command line `argv` (without `node` and the script); resolves to the exit code. */
async function main(argv: readonly string[], io: Io): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseCommandLine(argv);
  } catch (err) {
    const explained = explain(err);
    return report(io, explained.lines, explained.exitCode);
  }
  if (args.flags.version === true) {
    io.stdout.write(`${version()}\n`);
    return EXIT.OK;
  }
  if (args.flags.help === true || args.command === undefined) {
    const { helpText, SHORT_USAGE } = await import('./help.js');
    if (args.flags.help === true) {
      io.stdout.write(helpText(args.command));
      return EXIT.OK;
    }
    // A bare `tokenward` is a usage error: the short usage goes to stderr and the exit code says so.
    io.stderr.write(SHORT_USAGE);
    return EXIT.USAGE;
  }
  const { Session, interruptSignal } = await import('./session.js');
  const interrupt = interruptSignal();
  let session: Session | undefined;
  try {
    session = new Session(args, io, interrupt.signal);
    const { run } = await COMMAND_MODULES[args.command]();
    return await run(session, args.rest);
  } catch (err) {
    // An error while interrupted is the interruption, whatever shape the abort took on the way out.
    const explained = interrupt.signal.aborted ? explain(interrupt.signal.reason) : explain(err, session?.context);
    const scrub = session ? session.secrets.scrub : (text: string) => text;
    return report(io, explained.lines.map(scrub), explained.exitCode);
  } finally {
    interrupt.dispose();
  }
}

function report(io: Io, lines: readonly string[], exitCode: number): number {
  io.stderr.write(`${lines.join('\n')}\n`);
  return exitCode;
}

/** The package's version, from the nearest package.json named tokenward above this file. */
function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tokenward' && pkg.version) return pkg.version;
    } catch {
      // Not here: look one level up.
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

const io: Io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
main(process.argv.slice(2), io).then(
  (code) => {
    // Exit once stdout is flushed: keep-alive sockets of the HTTP pool must not hold the process open.
    process.stdout.write('', () => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(`tokenward: unexpected error: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(EXIT.USAGE);
  },
);
