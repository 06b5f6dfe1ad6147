import { describeDestinationConformance } from '@sluice/conformance'
import { createFakeSalesforce } from '../src/fake/index.js'
import { salesforce } from '../src/index.js'
import { keyPair } from './keys.js'

const keys = keyPair()
const jwt = (url: string, privateKey: string) => ({
  loginUrl: url,
  auth: { type: 'jwt' as const, clientId: 'sluice-app', username: 'sync@example.com', privateKey },
  bulkPollIntervalMs: 20,
})

describeDestinationConformance({
  connector: salesforce,
  fake: () =>
    createFakeSalesforce({ publicKey: keys.publicKey, clientId: 'sluice-app', users: ['sync@example.com'] }),
  config: (url) => jwt(url, keys.privateKey),
  // A key whose certificate the connected app does not hold: invalid_grant.
  badCredentials: (url) => jwt(url, keyPair().privateKey),
  secrets: (config) => (config.auth.type === 'jwt' ? [config.auth.privateKey] : [config.auth.refreshToken]),
  object: 'Contact',
  identifierField: 'External_Id__c',
  record: (i) => ({
    External_Id__c: `ext-${i}`,
    LastName: `Last ${i}`,
    Email: `c${i}@example.com`,
    Description: `note ${i}`,
  }),
  textField: 'Description',
  // LastName is required on Contact: Salesforce refuses to empty it, so clear keeps it.
  clearableFields: ['Email', 'Description'],
  // Salesforce stores an empty string as null.
  stored: (fields) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v === '' ? null : v])),
  refreshesTokens: true,
})
