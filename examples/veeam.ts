/**
 * Veeam Recovery Orchestrator: `npx tsx examples/veeam.ts`.
 *
 * With VRO_BASE_URL (or just the host name: https and port 9898 are assumed), VRO_USERNAME and
 * VRO_PASSWORD set (VRO_CA_FILE for a self-signed certificate) it talks to your VRO server; otherwise
 * to an embedded emulation.
 */
import { readFileSync } from 'node:fs';
import { TokenManager } from 'tokenward';
import { veeamRecoveryOrchestrator } from 'tokenward/profiles';
import { DEMO_SECRET } from '../demo/emulations.js';
import { startEmulated } from './_emulated.js';

const emulated = process.env.VRO_BASE_URL ? undefined : await startEmulated('veeam');
const tm = new TokenManager(
  veeamRecoveryOrchestrator({
    baseUrl: process.env.VRO_BASE_URL ?? emulated!.origin,
    username: process.env.VRO_USERNAME ?? 'vdro\\administrator',
    password: process.env.VRO_PASSWORD ?? DEMO_SECRET,
    // Your CA, not NODE_TLS_REJECT_UNAUTHORIZED=0: certificate checks stay on.
    ...(process.env.VRO_CA_FILE ? { ca: readFileSync(process.env.VRO_CA_FILE) } : {}),
  }),
);

try {
  const res = await tm.fetch('/api/v7.2/Clients');
  console.log(`GET /api/v7.2/Clients → ${res.status}`);
} finally {
  await tm.logoff(); // DELETE /api/token
  console.log('logged off');
  await emulated?.close();
}
