/**
 * Bright Pattern Contact Center: `npx tsx examples/bright-pattern.ts`.
 *
 * With BP_TENANT_HOST, BP_CLIENT_ID (the user's login id) and BP_SECRET (the generated API secret) set
 * it talks to your tenant; otherwise to an embedded emulation.
 */
import { TokenManager } from 'tokenward';
import { brightPattern } from 'tokenward/profiles';
import { DEMO_SECRET } from '../demo/emulations.js';
import { startEmulated } from './_emulated.js';

const emulated = process.env.BP_TENANT_HOST ? undefined : await startEmulated('bright-pattern');
const tm = new TokenManager(
  brightPattern({
    tenantHost: process.env.BP_TENANT_HOST ?? 'demo.brightpattern.example',
    clientId: process.env.BP_CLIENT_ID ?? 'sheila.thomas',
    clientSecret: process.env.BP_SECRET ?? DEMO_SECRET,
    ...(emulated ? { baseUrl: emulated.origin } : {}),
  }),
);

try {
  const res = await tm.fetch('/configapi/v2/user');
  console.log(`GET /configapi/v2/user → ${res.status}`);
} finally {
  await tm.logoff(); // no logoff endpoint and no refresh token: forgets locally
  console.log('logged off (locally)');
  await emulated?.close();
}
