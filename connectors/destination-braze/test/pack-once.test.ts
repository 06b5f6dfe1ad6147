import { type FakeHost, startFakeHost } from '@sluice/conformance'
import { type ConnectorContext, type OutboundRecord, silentLogger } from '@sluice/core/contract'
import { afterAll, beforeAll, beforeEach, expect, it, vi } from 'vitest'
import { createFakeBraze, FAKE_BRAZE_API_KEY } from '../src/fake/index.js'
import { braze } from '../src/index.js'

// Counts how often the connector packs /users/track requests, the costly part of building them.
const packing = vi.hoisted(() => ({ calls: 0 }))
vi.mock('../src/packer.js', async (importOriginal) => {
  const packer = await importOriginal<typeof import('../src/packer.js')>()
  return {
    ...packer,
    packTrackRequests: (...args: Parameters<typeof packer.packTrackRequests>) => {
      packing.calls++
      return packer.packTrackRequests(...args)
    },
  }
})

const ctx: ConnectorContext = { signal: new AbortController().signal, log: silentLogger }
const fake = createFakeBraze()
let server: FakeHost
beforeAll(async () => {
  server = await startFakeHost(fake)
})
afterAll(() => server.close())
beforeEach(() => {
  fake.reset()
  packing.calls = 0
})

const users = (ids: string[]): OutboundRecord[] =>
  ids.map((id) => ({ identifier: id, fields: { external_id: id, first_name: `N-${id}` } }))

function connect() {
  return braze.connect(
    { apiKey: FAKE_BRAZE_API_KEY, instanceUrl: server.url, allowCustomEndpoint: true },
    ctx,
  )
}

it('writes what validate built when every record passed it, packing each request once', async () => {
  const destination = connect()
  const records = users(['a', 'b', 'c'])
  const batch = { object: 'users', operation: 'upsert' as const, identifierField: 'external_id' }
  expect(await destination.validate?.({ ...batch, records: [...records] }, ctx)).toEqual([
    undefined,
    undefined,
    undefined,
  ])
  // The engine hands write a new array of the same records.
  const results = await destination.write({ ...batch, records: [...records] }, ctx)
  expect(results.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded'])
  expect(packing.calls).toBe(1)
  expect(fake.user({ external_id: 'b' })?.first_name).toBe('N-b')
  await destination.close?.()
})

it('builds again when write gets other records than validate saw, and sends what it was given', async () => {
  const destination = connect()
  const batch = { object: 'users', operation: 'upsert' as const, identifierField: 'external_id' }
  const [a, b, c] = users(['a', 'b', 'c']) as [OutboundRecord, OutboundRecord, OutboundRecord]
  await destination.validate?.({ ...batch, records: [a, b, c] }, ctx)
  const changed = { ...b, fields: { ...b.fields, first_name: 'changed' } }
  const results = await destination.write({ ...batch, records: [a, changed] }, ctx)
  expect(results.map((r) => r.status)).toEqual(['succeeded', 'succeeded'])
  expect(packing.calls).toBe(2)
  expect(fake.user({ external_id: 'b' })?.first_name).toBe('changed')
  expect(fake.user({ external_id: 'c' })).toBeUndefined()
  await destination.close?.()
})
