import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type FakeHost, startFakeHost } from '@sluice/conformance'
import { type ModelConfig, runSync, type SyncConfig } from '@sluice/core'
import { silentLogger } from '@sluice/core/contract'
import { createRetryBudget } from '@sluice/core/http'
import duckdbSource, { connectDuckDB } from '@sluice/source-duckdb'
import { createStateStore } from '@sluice/state-store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBrazeDestination } from '../src/connector.js'
import { createFakeBraze } from '../src/fake/index.js'

/**
 * A Braze that answers 503 to everything: the run's retry budget, shared by every request, fails the
 * run after that many retries in all, however many attempts each request would allow itself.
 */
const BUDGET = 8
const fake = createFakeBraze()
const dir = mkdtempSync(join(tmpdir(), 'sluice-braze-dead-'))
const source = connectDuckDB({ path: ':memory:' })
const state = createStateStore({ path: join(dir, 'state'), memoryLimit: '256MB' })
let host: FakeHost

// Backoffs of a few ms, and attempts enough that only the run's budget can stop the retries.
const braze = createBrazeDestination({ retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 10_000 } })

beforeAll(async () => {
  host = await startFakeHost(fake)
  await source.execute!(
    `CREATE TABLE users AS SELECT 'user-' || i AS id, 'u' || i || '@example.com' AS email FROM range(3000) t(i)`,
  )
})

afterAll(async () => {
  await Promise.allSettled([host?.close(), state.close(), source.close?.()])
  rmSync(dir, { recursive: true, force: true })
})

describe('a destination that keeps failing', () => {
  it("fails the run once the run's retry budget is spent, with the last answer in the message", async () => {
    fake.faults.serverErrors = { count: 1_000_000, status: 503 }
    const ctx = {
      signal: new AbortController().signal,
      log: silentLogger,
      retryBudget: createRetryBudget(BUDGET),
    }
    const destination = braze.connect(
      { apiKey: fake.apiKey, instanceUrl: host.url, allowCustomEndpoint: true },
      ctx,
    )
    try {
      const { run } = await runSync({
        syncName: 'dead_braze',
        sync: {
          model: 'users',
          destination: 'braze',
          object: 'users',
          behaviour: 'upsert',
          identifier: { column: 'id', field: 'external_id' },
          mappings: [{ from: 'email', to: 'email' }],
        } as SyncConfig,
        model: { source: 'warehouse', table: 'users' } as ModelConfig,
        source,
        sourceCapabilities: duckdbSource.capabilities,
        destination,
        destinationCapabilities: braze.capabilities,
        state,
      })
      expect(run.status).toBe('failed')
      expect(run.error?.code).toBe('RETRIES_EXHAUSTED')
      expect(run.error?.message).toMatch(
        /^\[sluice\] \[braze\] POST \/users\/track failed after \d+ attempts?/,
      )
      expect(run.error?.message).toContain("the run's retry budget is spent")
      expect(run.error?.message).toContain('last answer 503')
      // Every request in flight made its first attempt; all of them together retried BUDGET times.
      const inFlightAtMost = braze.capabilities.concurrency
      expect(host.traffic.injected.serverErrors).toBeLessThanOrEqual(inFlightAtMost + BUDGET)
      expect(host.traffic.injected.serverErrors).toBeGreaterThan(BUDGET)
      expect(fake.records('users').size).toBe(0)
    } finally {
      await destination.close?.()
    }
  })
})
