/**
 * The `tokenward/undici` entry of the build: the main entry's own exports (see tsup.config.ts), so one
 * `TokenManager` class serves both. The module is `src/undici.ts`.
 * @module
 */
export { authInterceptor, defaultIsAuthFailureStatus } from '../index.js';
