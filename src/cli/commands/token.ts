/**
 * `tokenward token`: the access token and a newline on stdout, nothing else, for
 * `curl -H "Authorization: Bearer $(tokenward token)"`. A fresh cached token is printed without
 * loading the library.
 * @module
 */
import { isFresh } from '../cache.js';
import { EXIT } from '../exit-codes.js';
import { expiresPhrase } from '../output.js';
import { type Session, target } from '../session.js';
import { print } from './print.js';

/** Runs `tokenward token`; resolves to the exit code. */
export async function run(session: Session): Promise<number> {
  const now = Date.now();
  const cached = session.cached();
  if (cached !== undefined && isFresh(cached, now)) {
    session.verbose?.(`* the cached token (${session.store!.file}), ${expiresPhrase(cached.expiresAt, now)}`);
    await print(session.io.stdout, `${cached.accessToken}\n`);
    return EXIT.OK;
  }
  const tm = await session.manager();
  const token = await target(tm, session.settings).getToken({ signal: session.signal });
  await print(session.io.stdout, `${token.accessToken}\n`);
  return EXIT.OK;
}
