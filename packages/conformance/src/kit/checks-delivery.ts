import { mapConcurrently, type RecordResult, type Value } from '@sluice/core/contract'
import { expect } from 'vitest'
import { MALFORMED_ANSWERS } from '../types.js'
import { busiestWindow, expectAllSucceeded, expectSluiceError, expectStored } from './assertions.js'
import { type Check, needsSeed, samples } from './check.js'
import { type Harness, holds } from './harness.js'

/** The largest batch the size check sends, so connectors that take 10 000 records stay quick to test. */
const MAX_BATCH_TRIED = 2_000

/**
 * How long a write may keep waiting once the run's signal aborted. The fake holds its answer far
 * longer than this (and longer than the HTTP toolkit's response timeout), so only a connector that
 * forwards the signal to its requests settles within it.
 */
const CANCEL_GRACE_MS = 15_000
const HELD_ANSWER_MS = 90_000

/**
 * Values that single out records `picked` wherever the API keeps them: their identifiers and every text
 * value no other record has (an event may not keep the sync's key, but keeps its own properties).
 */
function markersOf(records: Array<Record<string, Value>>, picked: number[]): Set<string> {
  const texts = (r: Record<string, Value>) =>
    Object.values(r).filter((v): v is string => typeof v === 'string')
  const others = new Set(records.filter((_, i) => !picked.includes(i)).flatMap(texts))
  return new Set(picked.flatMap((i) => texts(records[i]!)).filter((v) => !others.has(v)))
}

/** One write first, so tokens are fetched before the faults are switched on. */
async function warmedUp(h: Harness) {
  const destination = h.connect()
  expectAllSucceeded(await h.write(destination, h.seedOperation!, [h.options.record(900)]))
  h.host.resetTraffic()
  return destination
}

export const deliveryChecks: Check[] = [
  {
    group: 'records',
    title: "per-record rejections come back with the API's reason while the rest succeed",
    concern: 'recordRejections',
    skip: needsSeed,
    async run(h) {
      const records = samples(h, 0, 6)
      const marked = markersOf(records, [1, 4])
      h.fake.faults.rejectWhere = (record) =>
        holds(record, marked) ? 'marked invalid by the conformance kit' : undefined
      const results = await h.write(h.connect(), h.seedOperation!, records)
      results.forEach((result, i) => {
        if (i === 1 || i === 4) {
          expect(result.status, `record ${i}`).toBe('rejected')
          expect(result.status === 'rejected' && result.reason).toContain(
            'marked invalid by the conformance kit',
          )
        } else expect(result, `record ${i}`).toEqual({ status: 'succeeded' })
      })
      await expectStored(
        h,
        [0, 2, 3, 5].map((i) => records[i]!),
      )
    },
  },
  {
    group: 'records',
    title: 'batches never exceed the declared size',
    concern: 'requestSize',
    skip: needsSeed,
    timeoutMs: 120_000,
    async run(h) {
      const size = Math.min(h.options.capabilities.batchSize, MAX_BATCH_TRIED)
      const records = samples(h, 0, size)
      expectAllSucceeded(await h.write(h.connect(), h.seedOperation!, records))
      expect(h.fake.stats.maxRecordsPerRequest).toBeGreaterThan(0)
      expect(h.fake.stats.maxRecordsPerRequest).toBeLessThanOrEqual(h.options.capabilities.batchSize)
      expect(await h.storedCount()).toBe(size)
    },
  },
  {
    group: 'limits',
    title: 'declared concurrency is never exceeded',
    skip: needsSeed,
    timeoutMs: 60_000,
    async run(h) {
      const { concurrency } = h.options.capabilities
      const destination = await warmedUp(h)
      h.fake.faults.slowMs = 50
      const writes = samples(h, 0, concurrency * 3).map(
        (fields) => () => h.write(destination, h.seedOperation!, [fields]),
      )
      const results = await mapConcurrently(concurrency, writes)
      results.forEach(expectAllSucceeded)
      expect(h.host.traffic.maxInFlight).toBeLessThanOrEqual(concurrency)
    },
  },
  {
    group: 'limits',
    title: 'declared rate limit is never exceeded',
    skip: (h) => {
      const limit = h.options.capabilities.rateLimit
      if (!limit) return 'not declared: the connector declares no rate limit'
      if (limit.requests > 200 || limit.perMs > 10_000)
        return `too large to exceed in a test: ${limit.requests} requests per ${limit.perMs} ms`
      return needsSeed(h)
    },
    timeoutMs: 120_000,
    async run(h) {
      const limit = h.options.capabilities.rateLimit!
      const destination = await warmedUp(h)
      const writes = samples(h, 0, limit.requests * 2 + 1).map(
        (fields) => () => h.write(destination, h.seedOperation!, [fields]),
      )
      ;(await mapConcurrently(h.options.capabilities.concurrency, writes)).forEach(expectAllSucceeded)
      const arrivals = h.host.traffic.log.map((r) => r.at)
      // A little under the window: arrival times differ from send times by a few ms of latency.
      expect(busiestWindow(arrivals, limit.perMs * 0.9)).toBeLessThanOrEqual(limit.requests)
    },
  },
  {
    group: 'resilience',
    title: '429 responses are retried and succeed',
    skip: needsSeed,
    timeoutMs: 60_000,
    async run(h) {
      const destination = await warmedUp(h)
      h.fake.faults.rateLimitEvery = { n: 2, retryAfterSeconds: 1 }
      for (const fields of samples(h, 0, 3))
        expectAllSucceeded(await h.write(destination, h.seedOperation!, [fields]))
      expect(h.host.traffic.injected.rateLimited).toBeGreaterThan(0)
      await expectStored(h, samples(h, 0, 3))
    },
  },
  {
    group: 'resilience',
    title: '5xx responses and dropped connections are retried and succeed',
    skip: needsSeed,
    timeoutMs: 60_000,
    async run(h) {
      const destination = await warmedUp(h)
      h.fake.faults.dropConnections = 1
      h.fake.faults.serverErrors = { count: 2, status: 503 }
      const records = samples(h, 0, 3)
      expectAllSucceeded(await h.write(destination, h.seedOperation!, records))
      expect(h.host.traffic.injected).toMatchObject({ dropped: 1, serverErrors: 2 })
      await expectStored(h, records)
    },
  },
  {
    group: 'resilience',
    title: 'a 2xx that is not an acknowledgement marks no record succeeded',
    concern: 'acknowledgements',
    skip: needsSeed,
    timeoutMs: 180_000,
    async run(h) {
      const destination = await warmedUp(h)
      for (const [n, kind] of MALFORMED_ANSWERS.entries()) {
        // Every answer is malformed while it lasts, retries included: nothing may be taken as written.
        h.fake.faults.malformedAnswers = { count: 1_000_000, kind }
        const before = h.host.traffic.injected.malformed
        let results: RecordResult[] | undefined
        try {
          results = await h.write(destination, h.seedOperation!, samples(h, 20 + n * 3, 3))
        } catch {
          // Failing the request is one right answer (the engine then sends the records again).
        }
        h.fake.faults.malformedAnswers = undefined
        expect(
          h.host.traffic.injected.malformed - before,
          `${kind}: no answer was malformed`,
        ).toBeGreaterThan(0)
        for (const [i, result] of (results ?? []).entries()) {
          expect(result.status, `${kind}: record ${i} was marked succeeded by a malformed answer`).not.toBe(
            'succeeded',
          )
        }
      }
    },
  },
  {
    group: 'resilience',
    title: 'retries exhausted fails clearly',
    skip: needsSeed,
    timeoutMs: 120_000,
    async run(h) {
      const destination = await warmedUp(h)
      h.fake.faults.serverErrors = { count: 1_000_000, status: 503 }
      const error = await expectSluiceError(h.write(destination, h.seedOperation!, samples(h, 0, 2)))
      expect(error.message).toMatch(/^\[sluice\] \[[a-z0-9-]+\] /)
      expect(error.message).toMatch(/503|retries exhausted/i)
      expect(h.host.traffic.injected.serverErrors).toBeGreaterThan(1)
    },
  },
  {
    group: 'resilience',
    title: "a write in flight stops when the run's signal aborts",
    skip: needsSeed,
    timeoutMs: 60_000,
    async run(h) {
      const destination = await warmedUp(h)
      h.fake.faults.slowMs = HELD_ANSWER_MS
      const run = new AbortController()
      const write = h
        .write(destination, h.seedOperation!, samples(h, 0, 1), run.signal)
        .then(() => 'answered' as const)
        .catch(() => 'stopped' as const)
      await h.host.waitForRequests(1)
      run.abort()
      let timer: NodeJS.Timeout | undefined
      const outcome = await Promise.race([
        write,
        new Promise<'still waiting'>((resolve) => {
          timer = setTimeout(() => resolve('still waiting'), CANCEL_GRACE_MS)
        }),
      ]).finally(() => clearTimeout(timer))
      expect(outcome, 'the write ignored the aborted signal: pass ctx.signal to every request').toBe(
        'stopped',
      )
    },
  },
  {
    group: 'resilience',
    title: 'an expired token is refreshed once',
    concern: 'tokenRefresh',
    skip: (h) =>
      h.options.refreshesTokens
        ? needsSeed(h)
        : 'not applicable: the connector uses a static key, nothing to refresh',
    timeoutMs: 60_000,
    async run(h) {
      const destination = await warmedUp(h)
      h.fake.faults.expireTokens = true
      const records = samples(h, 0, 3)
      expectAllSucceeded(await h.write(destination, h.seedOperation!, records))
      expect(h.fake.faults.expireTokens, 'the fake never saw the expired token').toBe(false)
      expect(h.host.traffic.log.filter((r) => r.status === 401)).toHaveLength(1)
      expectAllSucceeded(await h.write(destination, h.seedOperation!, samples(h, 10, 2)))
      await expectStored(h, records)
    },
  },
  {
    group: 'values',
    title: 'unicode, empty strings, NULLs and large values survive',
    skip: needsSeed,
    async run(h) {
      const text = h.options.textField
      const values: Value[] = [
        'Zoë Ångström — 日本語 · עברית · 🚀✨ · 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
        '',
        null,
        `${'large value '.repeat(Math.ceil(h.options.largeValueLength / 12))}`.slice(
          0,
          h.options.largeValueLength,
        ),
        'quotes " \' \\ and\nnew lines\ttabs',
      ]
      const records = values.map((value, i) => ({ ...h.options.record(i), [text]: value }))
      expectAllSucceeded(await h.write(h.connect(), h.seedOperation!, records))
      await expectStored(h, records)
    },
  },
]
