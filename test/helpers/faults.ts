/**
 * The faults a {@link FaultServer} route can play, each one a real server or proxy behaviour seen in the
 * wild: connection resets (a load balancer dropping a pod), hangs (a stuck upstream), trickled bytes (a
 * slowloris-like proxy), HTML error pages (nginx, IIS, Cloudflare), garbage, huge or compressed bodies,
 * redirects, and API answers that reject tokens in the many ways real APIs do.
 */
import { gzipSync } from 'node:zlib';
import { type Exchange, type Fault, healthyToken, sendJson, tokenJson } from './fault-server.js';

/** Destroys the socket once the request has been read: the peer sees a reset, no answer. */
export const reset: Fault = (ex) => {
  ex.socket.resetAndDestroy();
};

/** Never answers; the socket stays open until the client gives up. */
export const hang: Fault = () => {};

/** Sends a 200's headers (promising a body), then never the body. */
export const hangAfterHeaders: Fault = (ex) => {
  ex.res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
  ex.res.flushHeaders();
};

/** Writes `text` one byte every `everyMs`, raw on the socket (`raw`) or as the body of a 200. */
export function trickle(text: string, { everyMs = 100, raw = false } = {}): Fault {
  return (ex) => {
    if (!raw) ex.res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }).flushHeaders();
    const bytes = Buffer.from(text);
    let i = 0;
    const step = () => {
      if (ex.socket.destroyed) return;
      const byte = bytes.subarray(i, i + 1);
      if (raw) ex.socket.write(byte);
      else ex.res.write(byte);
      if (++i < bytes.length) ex.server.track(ex.socket, setTimeout(step, everyMs));
      else if (!raw) ex.res.end();
    };
    ex.server.track(ex.socket, setTimeout(step, everyMs));
  };
}

/** A 200 with a `Content-Length` longer than what is sent, then the connection closes mid-body. */
export const closeMidBody: Fault = (ex) => {
  const text = '{"access_token":"cut-';
  ex.res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
  ex.res.write(text, () => ex.socket.destroy());
};

/** Something that is not HTTP at all (a port that speaks SSH). */
export const notHttp: Fault = (ex) => {
  ex.socket.end('SSH-2.0-OpenSSH_9.6\r\n');
};

/** An error page as nginx, IIS or a cloud load balancer sends it. */
export function htmlError(status: number, headers: Record<string, string> = {}): Fault {
  return (ex) => {
    const page = `<!DOCTYPE html><html><head><title>${status}</title></head><body><center><h1>${status} ${statusText(status)}</h1></center><hr><center>nginx</center></body></html>`;
    ex.res.writeHead(status, { 'content-type': 'text/html', ...headers }).end(page);
  };
}

function statusText(status: number): string {
  return (
    { 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Temporarily Unavailable', 504: 'Gateway Time-out', 429: 'Too Many Requests' }[status] ??
    'Error'
  );
}

/** Any status, content type and body, as is. */
export function answer(status: number, body: string | Buffer, headers: Record<string, string> = {}): Fault {
  return (ex) => {
    ex.res.writeHead(status, headers).end(body);
  };
}

/** A JSON body (any value) with `status`. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Fault {
  return (ex) => sendJson(ex, body, status, headers);
}

/** A valid token answer with some fields replaced (`{ expires_in: -5 }`) or removed (`undefined`). */
export function tokenWith(fields: Record<string, unknown>): Fault {
  return (ex) => {
    const body = { ...tokenJson(ex.server, ex.server.tokenRequests()), ...fields };
    for (const [k, v] of Object.entries(body)) if (v === undefined) delete body[k];
    if (typeof body.access_token === 'string') ex.server.issued.push(body.access_token);
    sendJson(ex, body);
  };
}

/** A valid token answer labelled with another content type (kanidm labels JSON `text/plain`). */
export function tokenLabelled(contentType: string): Fault {
  return (ex) => {
    const body = tokenJson(ex.server, ex.server.tokenRequests());
    ex.server.issued.push(body.access_token as string);
    ex.res.writeHead(200, { 'content-type': contentType }).end(JSON.stringify(body));
  };
}

/** The same access token on every request (Salesforce hands back the still-valid token). */
export function sameToken(extra: Record<string, unknown> = {}): Fault {
  return (ex) => {
    const body = tokenJson(ex.server, 1, extra);
    if (!ex.server.issued.includes(body.access_token as string)) ex.server.issued.push(body.access_token as string);
    sendJson(ex, body);
  };
}

/** Alternates between `bad` and a good token, starting with `first`. */
export function flap(bad: Fault, first: 'good' | 'bad' = 'good'): Fault {
  return (ex) => ((ex.n % 2 === 1) === (first === 'good') ? healthyToken(ex) : bad(ex));
}

/**
 * A body of `bytes` bytes (a 50 MB "token"), written with backpressure so the server only writes what the
 * client reads. With `declareLength` the size is announced in `Content-Length`, else it is chunked.
 * Records a {@link LargeWrite} on the server.
 */
export function huge(bytes: number, { declareLength = true } = {}): Fault {
  return async (ex) => {
    const stats = { intended: bytes, written: 0, finished: false };
    ex.server.largeWrites.push(stats);
    ex.res.writeHead(200, { 'content-type': 'application/json', ...(declareLength ? { 'content-length': String(bytes) } : {}) });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    chunk.write('{"access_token":"');
    while (stats.written < bytes && !ex.socket.destroyed) {
      const part = chunk.subarray(0, Math.min(chunk.length, bytes - stats.written));
      const ok = ex.res.write(part);
      stats.written += part.length;
      if (!ok) {
        await new Promise<void>((resolve) => {
          const done = () => {
            ex.res.off('drain', done);
            ex.socket.off('close', done);
            resolve();
          };
          ex.res.once('drain', done);
          ex.socket.once('close', done);
        });
      }
    }
    if (!ex.socket.destroyed) {
      ex.res.end();
      stats.finished = true;
    }
  };
}

let bomb: Buffer | undefined;

/**
 * 50 MB of JSON-ish text that travels as about 50 KB of gzip (a decompression bomb): fifty gzip members of
 * 1 MiB each, which a gzip reader inflates one after another (RFC 1952 allows several members).
 */
export const gzipBomb: Fault = (ex) => {
  if (bomb === undefined) {
    const member = gzipSync(Buffer.alloc(1024 * 1024, 0x61));
    bomb = Buffer.concat([gzipSync('{"access_token":"'), ...Array.from({ length: 50 }, () => member)]);
  }
  ex.res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(bomb.length) }).end(bomb);
};

/** Says `Content-Encoding: gzip` and sends plain JSON (a misconfigured proxy). */
export const corruptGzip: Fault = (ex) => {
  const text = JSON.stringify(tokenJson(ex.server, ex.server.tokenRequests()));
  ex.res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(text.length) }).end(text);
};

/** A response header longer than any client accepts. */
export const hugeHeader: Fault = (ex) => {
  ex.res.writeHead(200, { 'content-type': 'application/json', 'x-padding': 'x'.repeat(128 * 1024) }).end('{}');
};

/** A redirect to `location` (relative to this server, or absolute). */
export function redirect(location: string, status = 302): Fault {
  return (ex) => {
    ex.res.writeHead(status, { location, 'content-length': '0' }).end();
  };
}

/** A 401 with the given `WWW-Authenticate` challenge (or none). */
export function unauthorized(challenge?: string, status = 401): Fault {
  return (ex) => sendJson(ex, { message: 'unauthorized' }, status, challenge ? { 'www-authenticate': challenge } : {});
}

/** A JWT (unsigned; tokenward only reads its claims) with the given claims. */
export function jwt(claims: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.sig`;
}

/** The exchange's request body as form fields. */
export function formOf(ex: Exchange): URLSearchParams {
  return new URLSearchParams(ex.request.body);
}
