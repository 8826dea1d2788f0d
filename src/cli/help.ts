/**
 * `tokenward --help` and `tokenward <command> --help`, built from the same tables the CLI reads, so the
 * help cannot list a flag that does not exist or miss one that does.
 * @module
 */
import type { Command } from './args.js';
import { EXIT_TABLE } from './exit-codes.js';
import { SECRETS } from './secrets.js';
import { SETTINGS } from './settings.js';
import { SYSTEMS } from './systems.js';

const USAGE = `tokenward: OAuth 2.0 access tokens from the command line

Usage
  tokenward token   [options]          print the access token, nothing else
  tokenward inspect [options] [--json] show the token redacted: expiry, refresh token, JWT claims, scope
  tokenward fetch <url> [options]      call an API with the token (a tiny curl)
  tokenward logoff  [options]          release the session of the cached token
  tokenward <command> --help           one command's options
`;

const COMMAND_HELP: Readonly<Record<Command, string>> = {
  token: `tokenward token [options]

Prints the access token and a newline on stdout, nothing else:
  curl -H "Authorization: Bearer $(tokenward token)" https://api.example.com/v1/orders
A cached token is reused while it has more than a minute (or half its lifetime) left; otherwise a new
one is acquired (by its refresh token when there is one) and cached.
`,
  inspect: `tokenward inspect [options] [--json]

Shows the token without revealing it: its first and last characters, expiry in local time and as
"expires in 14 min", the refresh token's life, scope, token type, which client authentication worked,
the answer's other fields (secret-looking ones hidden), and a JWT's decoded header and claims (never
its signature). The raw token is never printed.

  --json    the same as JSON, still redacted
`,
  fetch: `tokenward fetch <url> [options]

Calls <url> with the token, as curl would; the body goes to stdout. A relative URL resolves under
--base-url (a --system sets it). The token goes only to --base-url's origin (else --token-url's) and
--allowed-origin ones. When the API answers 401, the token is renewed and the request sent once more.

  -X, --request <method>   HTTP method (default GET, or POST with -d)
  -d, --data <data>        request body; @file reads a file, @- reads stdin; repeated: joined with &.
                           Content-Type defaults to application/x-www-form-urlencoded, as with curl:
                           for JSON add -H 'Content-Type: application/json'
  -H, --header <h>         'Name: value', repeatable (an Authorization header is replaced by the token)
  -i, --include            print the status line and headers before the body
  -f, --fail               on HTTP 400 or above print nothing and exit 5 (like curl -f)
      --max-time <s>       give up after this many seconds (exit 3)
      --logoff             release the session afterwards (a Jim2 licence at once)
`,
  logoff: `tokenward logoff [options]

Releases the session of the cached token at the server (Jim2's logoff page, Veeam's DELETE /api/token,
or --logoff-url) and deletes the cache file. An expired access token is renewed through its refresh
token first, so the request names a live session.

What it cannot do: release a session whose tokens it does not have. A Jim2 licence held by a crashed
service belongs to that service's session; no other client can end it. Jim2Server frees it when that
session's refresh token lapses (20 minutes after its last token request), or a Jim2 administrator can.

With nothing cached it acquires nothing, except with --system jim2 or --acquire: then it logs in and
straight out, proving the credentials and the logoff page work and leaving tokenward holding no
licence. If no licence is free for that, it exits 7.

      --acquire            log in and out even when nothing is cached
`,
};

function settingsSection(): string {
  const lines = SETTINGS.map((s) => `  --${s.flag}${s.arg ? ` ${s.arg}` : ''}, ${s.env}\n      ${s.help}${s.only ? ` [--system ${s.only.join(', ')}]` : ''}`);
  return `Settings (a flag, or its environment variable; flags win)\n${lines.join('\n')}\n`;
}

function secretsSection(): string {
  const lines = SECRETS.map((s) => `  ${s.label}: ${s.env}, or a file: --${s.fileFlag} ${s.fileArg ?? '<path>'} / ${s.fileEnv}`);
  return `Secrets (never on the command line: it would land in shell history and \`ps\`)
${lines.join('\n')}
  A missing client secret or password the configuration needs is asked for with echo off when stdin
  is a terminal. A client assertion file is read again for every request (a rotated token is picked up).
`;
}

function commonSection(): string {
  return table('Common', [
    ['--system <name>', `TOKENWARD_SYSTEM  a known system's profile: ${Object.keys(SYSTEMS).join(', ')}`],
    ['-v, --verbose', 'each HTTP exchange on stderr, credentials and tokens redacted'],
    ['--no-cache', 'TOKENWARD_CACHE=off  neither read nor write the token cache'],
    ['--cache-dir <dir>', 'TOKENWARD_CACHE_DIR  where cached tokens go (default $XDG_RUNTIME_DIR/tokenward, else ~/.cache/tokenward)'],
    ['-h, --help', 'this help; tokenward <command> --help for one command'],
    ['--version', 'the version'],
  ]);
}

function exitSection(): string {
  return table(
    'Exit codes',
    EXIT_TABLE.map(([code, text]) => [String(code), text]),
  );
}

function table(title: string, rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return `${title}\n${rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`).join('\n')}\n`;
}

/** What a bare `tokenward` prints: the commands, and where the rest is. */
export const SHORT_USAGE = `${USAGE}\nRun \`tokenward --help\` for every option, the exit codes and the environment variables.\n`;

/** The help text: the overview, or one command's page followed by the shared sections. */
export function helpText(command?: Command): string {
  const head = command === undefined ? USAGE : COMMAND_HELP[command];
  const docs = 'Docs: docs/cli.md in the package (node_modules/tokenward/docs/cli.md)\n';
  return [head, commonSection(), settingsSection(), secretsSection(), exitSection(), docs].join('\n');
}
