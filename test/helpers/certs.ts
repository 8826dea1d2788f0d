/**
 * Keys and certificates for the enterprise tests: the same generator the examples use
 * (examples/_servers/pki.ts), made at run time with node:crypto and the openssl CLI.
 */
export { makeKey, makePki, type TestCert, type TestKey } from '../../examples/_servers/pki.js';
