/**
 * The HTTP toolkit for connectors: `@sluice/core/http`.
 */

export { stringifyJsonBody } from '../engine/json.js'
export { bearerAuth, headerAuth, type OAuthAuthOptions, type OAuthToken, oauthAuth } from './auth.js'
export { backoffDelay, serverDelayMs } from './backoff.js'
export { createHttpClient } from './client.js'
export { apiMessage, bodyExcerpt, errorFromResponse } from './response-errors.js'
export { createRetryBudget } from './retry-budget.js'
export type * from './types.js'
