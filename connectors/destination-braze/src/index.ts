/**
 * `@sluice/destination-braze`: Braze users (attributes and subscription group states) and custom events.
 */
export { type BrazeApi, type CustomAttributeInfo, createBrazeApi } from './api.js'
export {
  type BrazeConfig,
  BrazeConfigSchema,
  DOCUMENTED_RATE_LIMITS,
  type ResolvedBrazeConfig,
  resolveConfig,
} from './config.js'
export { braze, braze as default, brazeCapabilities, createBrazeDestination } from './connector.js'
export { IDENTIFIER_KINDS, type IdentifierKind } from './identifiers.js'
export { MAX_REQUEST_BYTES, type PackLimits, packTrackRequests } from './packer.js'
