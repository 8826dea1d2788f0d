/**
 * `tokenward logoff`: releases the session of the cached token (the one `token`, `inspect` and `fetch`
 * reuse) through `tm.logoff()`, and deletes the cache file.
 *
 * It cannot release a session whose tokens it does not have (another process's, or a crashed
 * service's): a server releases a session only for its own tokens. With nothing cached it acquires
 * nothing, except with `--system jim2` (or `--acquire`): then it logs in and straight out again, which
 * proves the credentials and the logoff page work and leaves the CLI holding no Jim2 licence.
 * @module
 */
import { CliFailure, EXIT } from '../exit-codes.js';
import { formatLocalTime } from '../output.js';
import { type Session, target } from '../session.js';
import { print } from './print.js';

/** Runs `tokenward logoff`; resolves to the exit code. */
export async function run(session: Session): Promise<number> {
  const cached = session.cached();
  const acquire = session.flags.acquire === true || session.system?.name === 'jim2';
  const say = (line: string) => print(session.io.stdout, `${line}\n`);
  if (cached === undefined && !acquire) {
    await say(
      `nothing to release: no cached token for this configuration${session.store ? '' : ' (the cache is off)'}. Pass --acquire to log in and out once.`,
    );
    return EXIT.OK;
  }
  const tm = await session.manager();
  let released = false;
  let notRevocable = false;
  // With --audience / --resource two slots log off (the manager's own finds nothing): any release counts.
  tm.on('logoff', (e) => {
    released ||= e.released;
    notRevocable ||= e.outcome === 'not-revocable';
  });
  // Made before tm.logoff(): a parameter set's slot exists from tm.for(...) on, and logoff releases it.
  const token = target(tm, session.settings);
  if (cached !== undefined) {
    // With a dead access token and a live refresh token, tm.logoff() renews by the refresh token (never a
    // new grant) and releases the session with the fresh token: Jim2 keeps the licence while the refresh
    // token lives, and answers a dead access token's logoff with 401.
    await tm.logoff();
    if (released) await say('released the session of the cached token at the server; the cache file is deleted');
    else if (notRevocable)
      await say(
        `the server does not revoke this kind of token (unsupported_token_type): the cache file is deleted, and the token stays valid at the server until ${formatLocalTime(cached.expiresAt)}`,
      );
    else if (hasLogoffEndpoint(session)) await say('the session of the cached token had already ended at the server; the cache file is deleted');
    else
      await say(`${describeNoEndpoint(session)}: the cached token is deleted here, and stays valid at the server until ${formatLocalTime(cached.expiresAt)}`);
    return EXIT.OK;
  }
  try {
    await token.getToken({ signal: session.signal });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_TOKENWARD_NO_LICENCE') {
      throw new CliFailure(
        `${(err as Error).message}\n  No cached token, and no licence free to log in with: every licence is held by another session. ` +
          "tokenward cannot release a session whose tokens it does not have (a crashed service's). Jim2Server releases it when its " +
          'refresh token lapses, 20 minutes after its last token request; a Jim2 administrator can end it sooner.',
        EXIT.NO_LICENCE,
      );
    }
    throw err;
  }
  await tm.logoff();
  await say(
    released
      ? 'logged in and out again: this configuration works, and tokenward holds no session'
      : notRevocable
        ? 'logged in; the server does not revoke this kind of token (unsupported_token_type), so it stays valid until it expires'
        : `${describeNoEndpoint(session)}: logged in and forgot the token`,
  );
  return EXIT.OK;
}

/** Whether this configuration releases sessions at the server (a system with a logoff, or --logoff-url). */
function hasLogoffEndpoint(session: Session): boolean {
  const settings = session.settings;
  // With --issuer, revocation goes to the discovered endpoint.
  return session.system ? session.system.logoff : settings.has('logoff.url') || (settings.get('logoff.style')?.value === 'revoke' && settings.has('issuer'));
}

function describeNoEndpoint(session: Session): string {
  return session.system ? `${session.system.title} has no logoff endpoint` : 'no logoff endpoint is configured (--logoff-url)';
}
