/**
 * The loopback API server for `fetch.bench.ts`, run in its own process so its work never shares the
 * client's event loop. Answers `POST /token` with a long-lived token and `GET /api` with a small JSON
 * body (when it carries a bearer token), then reports its port to the parent over IPC.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const TOKEN = JSON.stringify({ access_token: 'bench-token-0123456789abcdef', token_type: 'Bearer', expires_in: 86_400 });
// A client that sends a DPoP proof gets a DPoP-bound token (RFC 9449), as a DPoP server would bind it.
const DPOP_TOKEN = JSON.stringify({ access_token: 'bench-dpop-token-0123456789abcdef', token_type: 'DPoP', expires_in: 86_400 });
const OK = JSON.stringify({ ok: true, items: [1, 2, 3] });

const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/token') {
    req.resume();
    const body = req.headers.dpop === undefined ? TOKEN : DPOP_TOKEN;
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body));
    return;
  }
  // Both sides of every pair send a token (a DPoP one with its proof); an answer without one would flatter a broken client.
  const auth = req.headers.authorization;
  const status = auth?.startsWith('Bearer ') || (auth?.startsWith('DPoP ') && typeof req.headers.dpop === 'string') ? 200 : 401;
  req.resume();
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(OK) }).end(OK);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
