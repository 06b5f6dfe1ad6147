import { describeDestinationConformance } from '@sluice/conformance'
import { createFakeBraze, FAKE_BRAZE_API_KEY } from '../src/fake/index.js'
import { braze } from '../src/index.js'

const common = {
  connector: braze,
  fake: () => createFakeBraze(),
  config: (url: string) => ({ apiKey: FAKE_BRAZE_API_KEY, instanceUrl: url, allowCustomEndpoint: true }),
  badCredentials: (url: string) => ({
    apiKey: 'revoked-braze-key',
    instanceUrl: url,
    allowCustomEndpoint: true,
  }),
  refreshesTokens: false, // a REST key is static: nothing to refresh
  largeValueLength: 255, // Braze's limit for string attributes
}

// Braze's 3,000 requests per 3 s is too many to exceed in a test: the users suite declares, and
// configures, a scaled-down quota, so the kit can watch the connector keep to it.
const scaled = { requests: 100, perMs: 1_000 }

// Users: upsert, update, mirror (clear and delete) and delete.
describeDestinationConformance({
  ...common,
  connector: { ...braze, capabilities: { ...braze.capabilities, rateLimit: scaled } },
  config: (url: string) => ({ ...common.config(url), rateLimit: { track: scaled } }),
  object: 'users',
  identifierField: 'external_id',
  record: (i) => ({ external_id: `user-${i}`, first_name: `First ${i}`, plan: `plan-${i % 7}`, score: i }),
  textField: 'bio',
})

// Events: append-only, the user named by a field and the sync keyed on an event id.
describeDestinationConformance({
  ...common,
  object: 'events',
  identifierField: 'event_id',
  record: (i) => ({ event_id: `evt-${i}`, external_id: `user-${i % 3}`, name: 'ordered', total: i }),
  textField: 'note',
  // Braze keeps an event as its user, its name and its properties: the sync key is not stored.
  stored: ({ event_id: _id, external_id, name, ...properties }) => ({ external_id, name, properties }),
})
