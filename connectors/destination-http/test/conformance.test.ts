import { describeDestinationConformance } from '@sluice/conformance'
import { createFakeReceiver, fakeReceiverConfig } from '../src/fake/index.js'
import http from '../src/index.js'

for (const mode of ['single', 'batch'] as const) {
  describeDestinationConformance({
    connector: http,
    variant: `${mode} requests`,
    fake: createFakeReceiver,
    // Limits from the config, which the kit checks: 20 requests a second, 50 records a batch.
    config: (url) => ({ ...fakeReceiverConfig(url, { mode }), rateLimit: { requests: 20, perMs: 1_000 } }),
    badCredentials: (url) => fakeReceiverConfig(url, { mode, token: 'wrong-token-00000000' }),
    object: 'contacts',
    identifierField: 'id',
    record: (i) => ({ id: `c-${i}`, email: `person${i}@example.com`, name: `Person ${i}`, score: i }),
    textField: 'name',
    refreshesTokens: false,
    doesNotApply: { discoverFields: 'an HTTP API lists no objects; the templates decide the fields' },
  })
}
