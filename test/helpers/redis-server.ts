/**
 * A real `redis-server` on a free loopback port for the fleet tests: no persistence, stoppable and
 * restartable on the same port (to test degraded mode). The binary comes from PATH.
 *
 * Outside CI a missing binary skips the Redis tests with a loud message; with `CI=true` it fails them.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';

/** Whether `redis-server` is on PATH. */
export const hasRedisServer: boolean = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

const MISSING =
  'redis-server is not on PATH: the Redis/fleet tests need it. Install it with `apt-get install -y redis-server` (Debian/Ubuntu package "redis-server").';

/**
 * `true` when the Redis tests can run. Without the binary: throws under `CI=true`, else prints a loud
 * warning and returns `false` (use with `describe.skipIf(!redisTestsEnabled())`).
 */
export function redisTestsEnabled(): boolean {
  if (hasRedisServer) return true;
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`CI: ${MISSING}`);
  console.warn(`\n${'!'.repeat(100)}\n!! SKIPPING Redis tests. ${MISSING}\n${'!'.repeat(100)}\n`);
  return false;
}

/** A running (or stopped, restartable) redis-server. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops the server (SIGKILL: an outage, not a shutdown). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
}

/** Starts `redis-server --port N --bind 127.0.0.1 --save '' --appendonly no` on a free port. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = await launch(port);
  };
  const stop = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGKILL');
    await exited;
  };
  await start();
  return { port, url: `redis://127.0.0.1:${port}`, start, stop };
}

async function launch(port: number): Promise<ChildProcess> {
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'notice'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port}: ${output.slice(-500)}`)), 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`));
    });
  });
  proc.stdout!.resume();
  proc.stderr!.resume();
  // Never leave a redis-server behind when the test process ends.
  const kill = () => proc.kill('SIGKILL');
  process.once('exit', kill);
  proc.once('exit', () => process.off('exit', kill));
  return proc;
}

/** A port nobody listens on right now (the OS picks it; closed again before redis-server takes it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
