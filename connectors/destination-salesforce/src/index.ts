/**
 * `@sluice/destination-salesforce`: sync models into any Salesforce sObject. The fake org for tests
 * lives in `@sluice/destination-salesforce/fake`.
 */
export { createSalesforceApi, type SalesforceApi } from './api.js'
export { assertionClaims, signAssertion, verifyAssertion } from './auth/jwt.js'
export { type ResolvedSalesforceConfig, resolveConfig, SalesforceConfig } from './config.js'
export {
  BATCH_SIZE,
  connectSalesforce,
  type SalesforceConnectOptions,
  salesforce,
  salesforce as default,
} from './connector.js'
export type { FieldDescribe, SObjectDescribe } from './describe.js'
export type { WritePath } from './write.js'
