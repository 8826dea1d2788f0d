/**
 * `tokenward/undici`: an undici interceptor that authenticates `undici.request` / `Agent.compose()` calls.
 * @module
 */
export {};
