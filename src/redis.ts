/**
 * `tokenward/redis`: a `TokenStore` on Redis for fleet-wide token sharing.
 * @module
 */
export {};
