import { describeDestinationConformance } from '../src/index.js'
import records from './fixtures/records-connector.js'
import { createRecordsFake, FAKE_CLIENT_ID, FAKE_CLIENT_SECRET } from './fixtures/records-fake.js'

describeDestinationConformance({
  connector: records,
  fake: createRecordsFake,
  config: (url) => ({ baseUrl: url, clientId: FAKE_CLIENT_ID, clientSecret: FAKE_CLIENT_SECRET }),
  badCredentials: (url) => ({ baseUrl: url, clientId: FAKE_CLIENT_ID, clientSecret: 'wrong-secret-0000' }),
  object: 'contacts',
  identifierField: 'id',
  record: (i) => ({
    id: `c-${i}`,
    email: `person${i}@example.com`,
    name: `Person ${i}`,
    plan: i % 2 ? 'pro' : 'free',
  }),
  textField: 'name',
  refreshesTokens: true,
})

// An append-only object whose events do not keep the sync's key: the kit finds them by arrival order.
describeDestinationConformance({
  connector: records,
  fake: createRecordsFake,
  config: (url) => ({ baseUrl: url, clientId: FAKE_CLIENT_ID, clientSecret: FAKE_CLIENT_SECRET }),
  badCredentials: (url) => ({ baseUrl: url, clientId: FAKE_CLIENT_ID, clientSecret: 'wrong-secret-0000' }),
  object: 'events',
  identifierField: 'event_key',
  record: (i) => ({ event_key: `e-${i}`, page: `/page/${i}`, note: `visit ${i}` }),
  textField: 'note',
  stored: ({ event_key: _key, ...properties }) => ({ properties }),
  refreshesTokens: true,
})
