export { createAdminApi, statusFor, type AdminApi, type AdminApiOptions, type AdminDeps } from './server.js';
export { EndpointRegistry, type Access, type AdminMethod, type AdminRequest, type Endpoint, type JsonEndpoint, type RawEndpoint } from './registry.js';
export {
  ADMIN_ROLES, DEFAULT_TOKEN_FILE, TokenVerifier, clientToken, generateToken, loadOrCreateTokens, loadTokens, parseTokens,
  type AdminIdentity, type AdminRole, type AdminToken,
} from './tokens.js';
export { AdminClient } from './client.js';
export { DEFAULT_ADMIN_PORT, startAdminApi, type RunningAdmin, type StartAdminOptions } from './start.js';
export * from './errors.js';
