import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { BrazeConfigSchema, resolveConfig } from '../src/config.js'

describe('resolveConfig', () => {
  it('applies the defaults: 75 objects in total, the documented rate limits', () => {
    expect(resolveConfig({ apiKey: 'k', instanceUrl: 'https://rest.iad-01.braze.com/' })).toEqual({
      apiKey: 'k',
      baseUrl: 'https://rest.iad-01.braze.com',
      userAliasLabel: undefined,
      batching: { rule: 'total', objectsPerRequest: 75 },
      rateLimit: { track: { requests: 3_000, perMs: 3_000 }, delete: { requests: 20_000, perMs: 60_000 } },
      deletePrioritization: ['most_recently_updated'],
    })
  })

  it("accepts every Braze instance's REST endpoint", () => {
    for (const url of [
      'https://rest.iad-01.braze.com',
      'https://rest.iad-08.braze.com',
      'https://rest.us-10.braze.com',
      'https://rest.fra-01.braze.eu',
      'https://rest.fra-02.braze.eu',
      'https://rest.au-01.braze.com',
      'https://rest.id-01.braze.com',
    ]) {
      expect(resolveConfig({ apiKey: 'k', instanceUrl: url }).baseUrl).toBe(url)
    }
  })

  it('refuses other hosts unless custom endpoints are allowed, and points a dashboard URL to its REST endpoint', () => {
    expect(() => resolveConfig({ apiKey: 'k', instanceUrl: 'https://api.example.com' })).toThrow(
      /instanceUrl: "api.example.com" is not a Braze REST endpoint/,
    )
    expect(() => resolveConfig({ apiKey: 'k', instanceUrl: 'https://dashboard-03.braze.com' })).toThrow(
      /its REST endpoint is https:\/\/rest.iad-03.braze.com/,
    )
    expect(() => resolveConfig({ apiKey: 'k', instanceUrl: 'https://dashboard-01.braze.eu' })).toThrow(
      /https:\/\/rest.fra-01.braze.eu/,
    )
    expect(() => resolveConfig({ apiKey: 'k', instanceUrl: 'http://rest.iad-01.braze.com' })).toThrow(/https/)
    expect(() => resolveConfig({ apiKey: 'k', instanceUrl: 'https://rest.iad-01.braze.com/users' })).toThrow(
      /path/,
    )
    expect(
      resolveConfig({ apiKey: 'k', instanceUrl: 'http://127.0.0.1:4010/braze/', allowCustomEndpoint: true })
        .baseUrl,
    ).toBe('http://127.0.0.1:4010/braze')
    expect(() => resolveConfig({ apiKey: 'k', instanceUrl: 'not a url', allowCustomEndpoint: true })).toThrow(
      /not a URL/,
    )
  })

  it('names every problem with its path, and never the key', () => {
    let message = ''
    try {
      resolveConfig({
        apiKey: '',
        instanceUrl: 'https://rest.iad-01.braze.com',
        batching: { objectsPerRequest: 100, size: 3 },
        rateLimit: { track: { requests: 0, perMs: 1000 } },
      })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/^\[sluice\] \[braze\] invalid config: /)
    expect(message).toContain('apiKey: ')
    expect(message).toContain('batching.objectsPerRequest: ')
    expect(message).toContain('batching: must not have additional properties (size)')
    expect(message).toContain('rateLimit.track.requests: ')
  })

  it('keeps the published JSON Schema deliberate', () => {
    const snapshot = new URL('./__snapshots__/config.schema.json', import.meta.url)
    const current = `${JSON.stringify(BrazeConfigSchema, null, 2)}\n`
    expect(current).toBe(readFileSync(snapshot, 'utf8'))
    expect((BrazeConfigSchema.properties.apiKey as { secret?: boolean }).secret).toBe(true)
  })
})
