/**
 * `tokenward/profiles`: the systems tokenward is tested against, as data, each a function from what its
 * admin gives you to `TokenManager` options. Pass a second argument (or spread) to override any option.
 *
 * @example
 * ```ts
 * import { TokenManager } from 'tokenward';
 * import { jim2 } from 'tokenward/profiles';
 *
 * const tm = new TokenManager(jim2({ baseUrl: 'http://jim2.local/Jim_Test/', clientId: 'TestClientId', clientSecret: process.env.JIM2_SECRET!, scope: 'view' }));
 * ```
 * @module
 */

export { type AspNetAuthTokenInput, aspnetAuthToken } from './aspnet-auth-token.js';
export { type BrightPatternInput, brightPattern } from './bright-pattern.js';
export { type InfoLinkInput, infolink, isInfoLinkAuthFailure } from './infolink.js';
export { isJim2NoLicence, JIM2_DEFAULT_LOGOFF, type Jim2Input, jim2 } from './jim2.js';
export type { ClientSecretInput, ProfileOverrides } from './shared.js';
export { VEEAM_DEFAULT_PORT, type VeeamRecoveryOrchestratorInput, veeamRecoveryOrchestrator } from './veeam.js';
