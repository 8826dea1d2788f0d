/**
 * DPoP proofs and keys (RFC 9449 §4): what tokenward signs, checked by jose's verifier, for every key
 * type a `dpop.privateKey` may be; the thumbprint (`cnf.jkt`); the key as a secret; the per-origin
 * nonce store; and the cache key that keeps another key from adopting a bound token.
 */
import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { accessTokenHash, DpopKey, htuOf, wireMethod } from '../src/dpop.js';
import { DpopNonces } from '../src/dpop-nonces.js';
import { ConfigError, TokenManager } from '../src/index.js';

const keys = {
  'EC P-256 (ES256)': () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  'EC P-384 (ES384, PEM)': () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
  'Ed25519 (EdDSA, JWK)': () => generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as Record<string, unknown>,
  'RSA (RS256)': () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  'RSA JWK with alg PS256': () => ({ ...(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }) as object), alg: 'PS256' }),
};

describe('DPoP proofs', () => {
  it.each(Object.entries(keys))('%s: a proof jose verifies with the embedded key, whose thumbprint is jkt', async (_, make) => {
    const key = DpopKey.read(make() as never);
    const proof = key.proof('POST', 'https://auth.example.com/token', 'n-1', accessTokenHash('at-1'));
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt' });
    expect(protectedHeader.alg).toBe(key.alg);
    expect(await calculateJwkThumbprint(protectedHeader.jwk!)).toBe(key.jkt);
    // Only the public members: never `d` or the RSA primes.
    expect(Object.keys(protectedHeader.jwk!).sort()).toEqual(expect.not.arrayContaining(['d', 'p', 'q']));
    expect(payload).toMatchObject({ htm: 'POST', htu: 'https://auth.example.com/token', nonce: 'n-1', ath: accessTokenHash('at-1') });
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(5);
    expect(typeof payload.jti).toBe('string');
  });

  it('a generated key is ES256; each proof has its own jti; no nonce or ath unless given', async () => {
    const key = DpopKey.generate();
    expect(key.alg).toBe('ES256');
    const a = await jwtVerify(key.proof('GET', 'https://api.example.com/x', undefined, undefined), EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
    const b = await jwtVerify(key.proof('GET', 'https://api.example.com/x', undefined, undefined), EmbeddedJWK);
    expect(a.payload.jti).not.toBe(b.payload.jti);
    expect(Object.keys(a.payload).sort()).toEqual(['htm', 'htu', 'iat', 'jti']);
    expect(decodeProtectedHeader(key.proof('GET', 'https://x', undefined, undefined)).typ).toBe('dpop+jwt');
  });

  it('ath is base64url(SHA-256(token)) (RFC 9449 §4.2 example)', () => {
    expect(accessTokenHash('Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU')).toBe('fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo');
  });

  it('htu drops query and fragment; htm is the method as it goes on the wire', () => {
    expect(htuOf('https://api.example.com/a/b?q=1#f')).toBe('https://api.example.com/a/b');
    expect([wireMethod(undefined), wireMethod('post'), wireMethod('patch'), wireMethod('Delete')]).toEqual(['GET', 'POST', 'patch', 'DELETE']);
  });

  it('the key is a secret: inspect and JSON show the algorithm and thumbprint only', () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const key = DpopKey.read(pem);
    const d = (key as unknown as Record<string, unknown>).d;
    expect(d).toBeUndefined();
    const shown = `${inspect(key, { showHidden: true, depth: 5 })} ${JSON.stringify(key)}`;
    expect(shown).toContain(key.jkt);
    expect(shown).not.toMatch(/PRIVATE KEY|"d"/);
    const tm = new TokenManager({ tokenUrl: 'https://a.example/token', dpop: { privateKey: pem } });
    expect(inspect(tm, { depth: 10, showHidden: true })).not.toContain(pem.split('\n')[1]!);
  });

  it('an unusable dpop key is a ConfigError naming dpop.privateKey and never quoting it', () => {
    expect(
      () =>
        new TokenManager({
          tokenUrl: 'https://a.example/token',
          dpop: { privateKey: '-----BEGIN PRIVATE KEY-----\nnot-a-key-secret\n-----END PRIVATE KEY-----' },
        }),
    ).toThrow(/option `dpop.privateKey` could not be read/);
    const dh = generateKeyPairSync('x25519').privateKey;
    expect(() => new TokenManager({ tokenUrl: 'https://a.example/token', dpop: { privateKey: dh } })).toThrow(ConfigError);
    let message = '';
    try {
      new TokenManager({ tokenUrl: 'https://a.example/token', dpop: 'yes' as never });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/option `dpop` must be true, false or `\{ privateKey \}`/);
    expect(message).not.toContain('yes');
  });
});

describe('the cache key', () => {
  it('includes the DPoP key thumbprint: another key never adopts a bound token; the same key shares it', () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const options = { tokenUrl: 'https://a.example/token', clientId: 'svc' };
    const plain = new TokenManager(options);
    const shared1 = new TokenManager({ ...options, dpop: { privateKey: pem } });
    const shared2 = new TokenManager({ ...options, dpop: { privateKey: pem } });
    const generated = new TokenManager({ ...options, dpop: true });
    expect(shared1.cacheKey).toBe(shared2.cacheKey);
    expect(new Set([plain.cacheKey, shared1.cacheKey, generated.cacheKey]).size).toBe(3);
    // `dpop: false` is no DPoP: the key it always had.
    expect(new TokenManager({ ...options, dpop: false }).cacheKey).toBe(plain.cacheKey);
  });
});

describe('server nonces', () => {
  it('remembers the latest valid nonce per origin, ignores malformed ones, and is bounded', () => {
    const nonces = new DpopNonces();
    expect(nonces.note('https://a', 'eyJ7S_zG.eyJH0-Z.HX4w-7v')).toBe('eyJ7S_zG.eyJH0-Z.HX4w-7v');
    expect(nonces.note('https://a', 'has space')).toBeUndefined();
    expect(nonces.note('https://a', 'quote"d')).toBeUndefined();
    expect(nonces.note('https://a', null)).toBeUndefined();
    expect(nonces.get('https://a')).toBe('eyJ7S_zG.eyJH0-Z.HX4w-7v');
    nonces.note('https://b', 'n2');
    expect(nonces.get('https://b')).toBe('n2');
    for (let i = 0; i < 1_000; i++) nonces.note(`https://host-${i}.example`, `n${i}`);
    expect(nonces.size).toBe(256);
    expect(nonces.get('https://host-999.example')).toBe('n999');
    expect(nonces.get('https://a')).toBeUndefined();
  });
});
