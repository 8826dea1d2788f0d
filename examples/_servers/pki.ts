/**
 * Keys and certificates for tokenward's enterprise tests and examples, made at run time: keys with
 * node:crypto, X.509 certificates with the openssl CLI (a CA, certificates it signs, self-signed ones,
 * an expired one). Nothing is read from or written to the project: a temporary directory, removed.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A private key, its PEM (PKCS#8) and its public JWK. */
export interface TestKey {
  privateKey: KeyObject;
  pem: string;
  publicJwk: Record<string, unknown>;
}

/** A fresh key: `rsa` (2048), `ec256`, `ec384`, `ed25519`. */
export function makeKey(kind: 'rsa' | 'ec256' | 'ec384' | 'ed25519', bits = 2048): TestKey {
  const pair =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: bits })
      : kind === 'ed25519'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('ec', { namedCurve: kind === 'ec256' ? 'P-256' : 'P-384' });
  return {
    privateKey: pair.privateKey,
    pem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicJwk: pair.publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
  };
}

/** A certificate and its key, PEM. */
export interface TestCert {
  cert: string;
  key: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/**
 * A CA, a server certificate for 127.0.0.1/localhost signed by it, client certificates signed by it,
 * a self-signed client certificate and an expired one. All in memory once made.
 */
export function makePki(): { ca: TestCert; server: TestCert; client: TestCert; otherClient: TestCert; selfSigned: TestCert; expired: TestCert } {
  const dir = mkdtempSync(join(tmpdir(), 'tokenward-pki-'));
  try {
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=tokenward test CA'], dir);
    const signed = (name: string, subject: string, ext?: string) => {
      openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
      const extArgs = ext ? (writeFileSync(join(dir, `${name}.ext`), ext), ['-extfile', `${name}.ext`]) : [];
      openssl(
        ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', ...extArgs],
        dir,
      );
      return { cert: read(`${name}.crt`), key: read(`${name}.key`) };
    };
    const server = signed('server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    const client = signed('client', '/CN=svc-mtls');
    const otherClient = signed('other', '/CN=someone-else');
    openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        'self.key',
        '-out',
        'self.crt',
        '-days',
        '2',
        '-subj',
        '/CN=svc-self-signed',
      ],
      dir,
    );
    // Expired: valid for one day, ten days ago. OpenSSL 3.0's req/x509 cannot back-date; `openssl ca` can.
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'old.key', '-out', 'old.csr', '-subj', '/CN=expired'], dir);
    openssl(['ca', '-batch', '-config', 'ca.cnf', '-in', 'old.csr', '-out', 'old.crt', '-startdate', pastDate(10), '-enddate', pastDate(9), '-notext'], dir);
    return {
      ca: { cert: read('ca.crt'), key: read('ca.key') },
      server,
      client,
      otherClient,
      selfSigned: { cert: read('self.crt'), key: read('self.key') },
      expired: { cert: read('old.crt'), key: read('old.key') },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CA_CONFIG = `[ca]
default_ca = test
[test]
dir = .
database = ./index.txt
new_certs_dir = .
certificate = ./ca.crt
private_key = ./ca.key
serial = ./ca.srl
default_md = sha256
policy = anything
[anything]
commonName = supplied
`;

/** One self-signed certificate (EC P-256) and its key, for `cn`: what Entra ID or a self-signed mTLS client registers. */
export function selfSignedCertificate(cn: string): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'tokenward-cert-'));
  try {
    openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        'k.pem',
        '-out',
        'c.pem',
        '-days',
        '2',
        '-subj',
        `/CN=${cn}`,
      ],
      dir,
    );
    return { cert: readFileSync(join(dir, 'c.pem'), 'utf8'), key: readFileSync(join(dir, 'k.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `YYYYMMDDHHMMSSZ`, `days` ago, as openssl's -not_before/-not_after take it. */
function pastDate(days: number): string {
  return `${new Date(Date.now() - days * 86_400_000).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}
