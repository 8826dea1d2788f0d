/**
 * For the system examples: starts the demo's embedded emulation of a system on 127.0.0.1 when no real
 * server is configured, so every example runs offline. Not an example itself.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EMULATIONS, EmulatedServer } from '../demo/emulations.js';

/** A running emulation: its origin, its counters, and `close()`. */
export interface Emulated {
  origin: string;
  server: EmulatedServer;
  close(): Promise<void>;
}

/** Starts the emulation of `system` (a demo `--system` name), printing its redacted wire lines. */
export async function startEmulated(system: string, log: (line: string) => void = (l) => console.log(`    wire ${l}`)): Promise<Emulated> {
  const emulation = EMULATIONS[system];
  if (emulation === undefined) throw new Error(`no emulation named ${system}`);
  const state = new EmulatedServer(emulation, log);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = state.handle({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answer.status, answer.headers).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server: state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
