import { describe, expect, it } from 'vitest'
import { resolveConfig, SalesforceConfig, salesforce } from '../src/index.js'

describe('config', () => {
  it('keeps its JSON Schema stable: a change here is a change for every user', () => {
    expect(JSON.parse(JSON.stringify(SalesforceConfig))).toMatchSnapshot()
  })

  it('fills in the defaults', () => {
    const config = resolveConfig({
      auth: { type: 'refresh_token', clientId: 'app', refreshToken: 'refresh-token-value' },
      loginUrl: 'https://acme.my.salesforce.com/',
    })
    expect(config).toMatchObject({
      loginUrl: 'https://acme.my.salesforce.com',
      apiVersion: '62.0',
      bulkThreshold: 2000,
      collectionsConcurrency: 4,
      bulkPollIntervalMs: 2000,
      bulkMaxPollIntervalMs: 30_000,
    })
  })

  it('lists every problem with its path', () => {
    expect(() =>
      resolveConfig({
        auth: { type: 'jwt', clientId: 'app', extra2: 1 },
        collectionsConcurrency: 100,
        extra: true,
      }),
    ).toThrow(
      '(settings): unknown setting "extra"; collectionsConcurrency: must be <= 25; auth: must have required properties username, privateKey; auth: unknown setting "extra2".',
    )
  })

  it('declares what a Salesforce object supports', () => {
    expect(salesforce.capabilities).toMatchObject({
      behaviours: ['upsert', 'update', 'create', 'mirror', 'delete'],
      deleteBehaviours: ['nothing', 'clear', 'delete'],
      batchSize: 10_000,
    })
  })
})
