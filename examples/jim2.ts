/**
 * Jim2Server: `npx tsx examples/jim2.ts`.
 *
 * With JIM2_BASE_URL (e.g. http://jim2.local/Jim_Test/), JIM2_CLIENT_ID and JIM2_SECRET set it talks to
 * your Jim2Server (JIM2_SCOPE=view takes no licence); otherwise to an embedded emulation.
 */
import { ErrorCode, isTokenwardError, TokenManager } from 'tokenward';
import { jim2 } from 'tokenward/profiles';
import { DEMO_SECRET } from '../demo/emulations.js';
import { startEmulated } from './_emulated.js';

const emulated = process.env.JIM2_BASE_URL ? undefined : await startEmulated('jim2');
const tm = new TokenManager(
  jim2({
    baseUrl: process.env.JIM2_BASE_URL ?? `${emulated!.origin}/Jim_Test/`,
    clientId: process.env.JIM2_CLIENT_ID ?? 'TestClientId',
    clientSecret: process.env.JIM2_SECRET ?? DEMO_SECRET,
    ...(process.env.JIM2_SCOPE ? { scope: process.env.JIM2_SCOPE } : {}),
    // Jim2's logoff page is not public: correct it here if yours differs.
    ...(process.env.JIM2_LOGOFF_PATH ? { logoff: { path: process.env.JIM2_LOGOFF_PATH, method: process.env.JIM2_LOGOFF_METHOD ?? 'POST' } } : {}),
  }),
);

try {
  const res = await tm.fetch('api/v1/cardfilecreate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"Name":"Acme Pty Ltd"}' });
  console.log(`cardfilecreate → ${res.status}`);
} catch (err) {
  if (isTokenwardError(err, ErrorCode.NO_LICENCE)) console.error('no Jim2 licence is free: log off another session or use scope "view"');
  else throw err;
} finally {
  await tm.logoff(); // releases the licence
  console.log('logged off');
  await emulated?.close();
}
