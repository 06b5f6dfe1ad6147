/**
 * `@sluice/destination-http`: any JSON API, configured rather than coded. The configurable fake
 * receiver for tests and the demo lives in `@sluice/destination-http/fake`.
 */

export {
  HttpConfig,
  MAX_BATCH_SIZE,
  MAX_CONCURRENCY,
  type RequestTemplate,
  TEMPLATE_OPERATIONS,
} from './config.js'
export { CAPABILITIES, capabilitiesFor, http, http as default } from './connector.js'
export { lookup, placeholders, render, renderText, type Scope } from './template.js'
