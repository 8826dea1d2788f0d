/**
 * The `tokenward/profiles` entry of the build: the main entry's own exports (see tsup.config.ts), so a
 * profile's `ConfigError` is the one users import. The module is `src/profiles/index.ts`.
 * @module
 */
export {
  aspnetAuthToken,
  brightPattern,
  infolink,
  isInfoLinkAuthFailure,
  isJim2NoLicence,
  JIM2_DEFAULT_LOGOFF,
  jim2,
  VEEAM_DEFAULT_PORT,
  veeamRecoveryOrchestrator,
} from '../index.js';
