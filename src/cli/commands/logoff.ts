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
import type { Session } from '../session.js';
import { print } from './print.js';

/** A refresh token this close to its expiry is not used to revive a session for its logoff. */
const REFRESH_MARGIN_MS = 5_000;

/** Runs `tokenward logoff`; resolves to the exit code. */
export async function run(session: Session): Promise<number> {
  const cached = session.cached();
  const acquire = session.flags.acquire === true || session.system?.name === 'jim2';
  const say = (line: string) => print(session.io.stdout, `${line}\n`);
  if (cached === undefined && !acquire) {
    await say(`nothing to release: no cached token for this configuration${session.store ? '' : ' (the cache is off)'}. Pass --acquire to log in and out once.`);
    return EXIT.OK;
  }
  const tm = await session.manager();
  let released = false;
  tm.on('logoff', (e) => {
    released = e.released;
  });
  const now = Date.now();
  const endpoint = hasLogoffEndpoint(session);
  if (cached !== undefined) {
    // A bearer logoff with an expired access token is answered "already gone" (401) while the session
    // lives on with its refresh token (Veeam: 15-minute access, 120-minute refresh tokens). Renew it
    // through that refresh token first, so the request names a live session.
    const refreshable = cached.refreshToken !== undefined && (cached.refreshExpiresAt === undefined || now < cached.refreshExpiresAt - REFRESH_MARGIN_MS);
    if (endpoint === 'bearer' && now >= cached.expiresAt && refreshable) await tm.getToken({ signal: session.signal });
    await tm.logoff();
    if (released) await say('released the session of the cached token at the server; the cache file is deleted');
    else await say(`${describeNoEndpoint(session)}: the cached token is deleted here, and stays valid at the server until ${formatLocalTime(cached.expiresAt)}`);
    return EXIT.OK;
  }
  try {
    await tm.getToken({ signal: session.signal });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_TOKENWARD_NO_LICENCE') {
      throw new CliFailure(
        `${(err as Error).message}\n  No cached token, and no licence free to log in with: every licence is held by another session. ` +
          'tokenward cannot release a session whose tokens it does not have (a crashed service\'s). Jim2Server releases it when its ' +
          'refresh token lapses, 20 minutes after its last token request; a Jim2 administrator can end it sooner.',
        EXIT.NO_LICENCE,
      );
    }
    throw err;
  }
  await tm.logoff();
  await say(released ? 'logged in and out again: this configuration works, and tokenward holds no session' : `${describeNoEndpoint(session)}: logged in and forgot the token`);
  return EXIT.OK;
}

/** How this configuration releases a session: a bearer request, RFC 7009 revocation, or not at all. */
function hasLogoffEndpoint(session: Session): 'bearer' | 'revoke' | false {
  if (session.system) return session.system.logoff ? 'bearer' : false;
  if (!session.settings.has('logoff.url')) return false;
  return session.settings.get('logoff.style')?.value === 'revoke' ? 'revoke' : 'bearer';
}

function describeNoEndpoint(session: Session): string {
  return session.system ? `${session.system.title} has no logoff endpoint` : 'no logoff endpoint is configured (--logoff-url)';
}
