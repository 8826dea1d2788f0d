/**
 * The ASP.NET Web API `api/v1/auth/token` facade (DealDirect's API): `npx tsx examples/aspnet-auth-token.ts`.
 *
 * With ASPNET_BASE_URL, ASPNET_CLIENT_ID, ASPNET_CLIENT_SECRET and (for the password grant)
 * ASPNET_USERNAME / ASPNET_PASSWORD set it talks to your server; otherwise to an embedded emulation.
 */
import { TokenManager } from 'tokenward';
import { aspnetAuthToken } from 'tokenward/profiles';
import { DEMO_SECRET } from '../demo/emulations.js';
import { startEmulated } from './_emulated.js';

const emulated = process.env.ASPNET_BASE_URL ? undefined : await startEmulated('aspnet');
const tm = new TokenManager(
  aspnetAuthToken({
    baseUrl: process.env.ASPNET_BASE_URL ?? emulated!.origin,
    clientId: process.env.ASPNET_CLIENT_ID ?? 'portal',
    clientSecret: process.env.ASPNET_CLIENT_SECRET ?? DEMO_SECRET,
    username: process.env.ASPNET_USERNAME ?? 'jan.novak',
    password: process.env.ASPNET_PASSWORD ?? DEMO_SECRET,
  }),
);

try {
  const token = await tm.getToken();
  // Keycloak-style extras are kept as sent.
  console.log(`session_state: ${String(token.raw.session_state)}, refresh token good for ${Math.round((token.refreshExpiresAt! - Date.now()) / 1000)} s`);
  const res = await tm.fetch('/api/v1/profile');
  console.log(`GET /api/v1/profile → ${res.status}`);
} finally {
  await tm.logoff(); // no logoff endpoint: forgets locally
  console.log('logged off (locally)');
  await emulated?.close();
}
