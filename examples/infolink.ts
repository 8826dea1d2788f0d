/**
 * InfoLink: `npx tsx examples/infolink.ts`.
 *
 * With INFOLINK_BASE_URL, INFOLINK_CLIENT_ID and INFOLINK_CLIENT_SECRET set (INFOLINK_USERNAME and
 * INFOLINK_PASSWORD for the password grant) it talks to your InfoLink; otherwise to an embedded emulation.
 */
import { TokenManager } from 'tokenward';
import { infolink } from 'tokenward/profiles';
import { DEMO_SECRET } from '../demo/emulations.js';
import { startEmulated } from './_emulated.js';

const emulated = process.env.INFOLINK_BASE_URL ? undefined : await startEmulated('infolink');
const tm = new TokenManager(
  infolink({
    baseUrl: process.env.INFOLINK_BASE_URL ?? emulated!.origin,
    clientId: process.env.INFOLINK_CLIENT_ID ?? '9605c5d5-2a1b-49cc-8aaa-b350ee9d86b6',
    clientSecret: process.env.INFOLINK_CLIENT_SECRET ?? DEMO_SECRET,
    ...(process.env.INFOLINK_USERNAME ? { username: process.env.INFOLINK_USERNAME, password: process.env.INFOLINK_PASSWORD ?? '' } : {}),
  }),
);

try {
  // An expired token comes back as {"result":{"code":"invalid_grant"},"status":"error"}, even with HTTP 200:
  // the profile's isAuthFailure spots it, and tm.fetch refreshes and replays once.
  const res = await tm.fetch('api/v1/executeJob', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jobName: 'LoadData' }),
  });
  console.log(`executeJob → ${res.status} ${((await res.json()) as { status?: string }).status}`);
} finally {
  await tm.logoff(); // InfoLink has no logoff endpoint: forgets locally
  console.log('logged off (locally)');
  await emulated?.close();
}
