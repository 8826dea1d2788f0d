/**
 * Key files as the CLI reads them: a private key for `private_key_jwt` (PEM, or a JWK / a JWKS holding
 * one private key), and the mutual-TLS client key, either encrypted with the key passphrase. Problems
 * are usage errors naming the flag or variable the key came from, never a byte of the key: the library
 * would name its option (`tls.key`), which a person at a shell did not write.
 * @module
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { UsageError } from './exit-codes.js';
import { howToPass, SECRETS } from './secrets.js';

const passphraseSpec = SECRETS.find((s) => s.key === 'keyPassphrase')!;

/** A key file's text and the names of where it and the passphrase came from (`--key`, `TOKENWARD_KEY_PASSPHRASE`). */
export interface KeyText {
  readonly text: string;
  readonly from: string;
  readonly passphrase?: string | undefined;
  readonly passphraseFrom?: string | undefined;
}

/**
 * The `privateKey` option for a key file: a JWK object for JSON (the single private key of a JWKS),
 * a decrypted `KeyObject` for an encrypted PEM, else the PEM as is (the library reads and checks it).
 * @throws {UsageError} for JSON that is no key, a JWKS without exactly one private key, an encrypted
 * key without a passphrase or with a wrong one.
 */
export function signingKeyOption(key: KeyText): string | KeyObject | Record<string, unknown> {
  const text = key.text.trim();
  if (text.startsWith('{')) return jwkOf(text, key.from);
  if (isEncryptedPem(text)) return decrypt(key);
  return key.text;
}

/**
 * Checks the TLS client key against the passphrase before the library sees it, so a wrong or missing
 * passphrase is reported with the CLI's names. The PEM and passphrase go to `tls` unchanged.
 * @throws {UsageError}
 */
export function checkTlsKey(key: KeyText): void {
  if (isEncryptedPem(key.text)) decrypt(key);
}

function isEncryptedPem(text: string): boolean {
  // PKCS#8 `ENCRYPTED PRIVATE KEY`, and traditional PEM with `Proc-Type: 4,ENCRYPTED`.
  return /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(text);
}

function decrypt(key: KeyText): KeyObject {
  if (key.passphrase === undefined) {
    throw new UsageError(`${key.from}: the key is encrypted and no passphrase was given: ${howToPass(passphraseSpec)}`);
  }
  try {
    return createPrivateKey({ key: key.text, passphrase: key.passphrase });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new UsageError(
      `${key.from}: could not decrypt the key with the passphrase from ${key.passphraseFrom ?? 'the passphrase setting'}: a wrong passphrase?${typeof code === 'string' ? ` (${code})` : ''}`,
    );
  }
}

function jwkOf(text: string, from: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`${from}: neither a PEM key nor valid JSON (a JWK)`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`${from}: the JSON is not a JWK object`);
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) return parsed as Record<string, unknown>;
  const own = keys.filter((k): k is Record<string, unknown> => typeof k === 'object' && k !== null && typeof (k as { d?: unknown }).d === 'string');
  if (own.length !== 1)
    throw new UsageError(`${from}: a JWK set with ${own.length} private keys; give a file with one private key (a JWK, or a set holding one)`);
  return own[0]!;
}
