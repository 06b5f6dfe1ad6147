import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { emptyCounts, type RunRecord, type RunStatus, registerSecret, type SyncConfig } from '@sluice/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { InspectableStateStore } from '../src/index.js'
import { type StateLocation, stateLocation } from './backends.js'

let dir: string
let location: StateLocation
let store: InspectableStateStore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-ledger-'))
  location = stateLocation(dir)
  store = location.open()
})
afterEach(async () => {
  await store.close()
  await location.drop()
  rmSync(dir, { recursive: true, force: true })
})

function run(sync: string, startedAt: string, status: RunStatus, extra: Partial<RunRecord> = {}): RunRecord {
  const id = `${startedAt.replace(/[-:.]/g, '')}-${sync.slice(0, 3)}`
  return { id, sync, status, mode: 'incremental', startedAt, counts: emptyCounts(), ...extra }
}

const sync = (extra: Partial<SyncConfig> = {}): SyncConfig => ({
  model: 'users',
  destination: 'braze',
  object: 'users',
  behaviour: 'upsert',
  identifier: { column: 'id', field: 'external_id' },
  ...extra,
})

describe('run ledger', () => {
  beforeEach(async () => {
    await store.saveRun(run('alpha', '2026-03-01T10:00:00.000Z', 'succeeded'))
    await store.saveRun(
      run('alpha', '2026-03-02T10:00:00.000Z', 'failed', {
        error: { category: 'auth', code: 'X', message: 'bad key' },
      }),
    )
    await store.saveRun(run('alpha', '2026-03-03T10:00:00.000Z', 'partially_succeeded'))
    await store.saveRun(run('beta', '2026-03-02T12:00:00.000Z', 'succeeded'))
    await store.saveRun(run('beta', '2026-03-04T12:00:00.000Z', 'cancelled'))
  })

  it('lists runs newest first, across syncs or for one', async () => {
    expect((await store.listRuns()).map((r) => `${r.sync}@${r.startedAt.slice(5, 10)}`)).toEqual([
      'beta@03-04',
      'alpha@03-03',
      'beta@03-02',
      'alpha@03-02',
      'alpha@03-01',
    ])
    expect((await store.listRuns({ sync: 'alpha', limit: 2 })).map((r) => r.status)).toEqual([
      'partially_succeeded',
      'failed',
    ])
  })

  it('filters by status and by time range', async () => {
    expect((await store.listRuns({ status: 'succeeded' })).map((r) => r.sync)).toEqual(['beta', 'alpha'])
    expect((await store.listRuns({ status: ['failed', 'cancelled'] })).map((r) => r.status)).toEqual([
      'cancelled',
      'failed',
    ])
    const window = await store.listRuns({
      since: new Date('2026-03-02T00:00:00Z'),
      until: new Date('2026-03-03T10:00:00Z'),
    })
    expect(window.map((r) => r.startedAt)).toEqual(['2026-03-02T12:00:00.000Z', '2026-03-02T10:00:00.000Z'])
  })

  it('gets one run with its error', async () => {
    const [failed] = await store.listRuns({ status: 'failed' })
    expect(await store.getRun('alpha', failed?.id ?? '')).toMatchObject({ error: { message: 'bad key' } })
    expect(await store.getRun('alpha', 'no-such-run')).toBeUndefined()
  })

  it("gives each sync's health from its latest run", async () => {
    await store.saveRun(run('gamma', '2026-03-05T00:00:00.000Z', 'succeeded'))
    await store.saveRun(run('delta', '2026-03-05T00:00:00.000Z', 'cancelled'))
    const overview = await store.syncOverview({
      alpha: sync(),
      beta: sync({ destination: 'salesforce', object: 'Contact' }),
      gamma: sync({ enabled: false }),
      delta: sync(),
      never: sync(),
    })
    expect(overview.map((o) => [o.sync, o.health, o.lastRunAt ?? null])).toEqual([
      ['alpha', 'partially_succeeded', '2026-03-03T10:00:00.000Z'],
      // the latest run was cancelled: the run before it decides
      ['beta', 'healthy', '2026-03-04T12:00:00.000Z'],
      ['gamma', 'disabled', '2026-03-05T00:00:00.000Z'],
      ['delta', 'pending', '2026-03-05T00:00:00.000Z'],
      ['never', 'pending', null],
    ])
    expect(overview[1]).toMatchObject({ model: 'users', destination: 'salesforce', object: 'Contact' })
  })
})

describe('cursor', () => {
  it('keeps big integers and timestamps exactly', async () => {
    await store.setCursor('alpha', 9007199254740993n)
    expect(await store.getCursor('alpha')).toBe(9007199254740993n)
    await store.setCursor('alpha', '2026-03-01T00:00:00.123456Z')
    expect(await store.getCursor('alpha')).toBe('2026-03-01T00:00:00.123456Z')
    await store.setCursor('alpha', undefined)
    expect(await store.getCursor('alpha')).toBeUndefined()
  })
})

describe('ledger files', () => {
  it('never hold a registered secret, wherever in the run it appears', async () => {
    const secret = 'eyJhbGciOiJSUzI1NiJ9.assertion-that-leaked'
    registerSecret(secret)
    const leaky = run('gamma', '2026-03-04T10:00:00.000Z', 'failed', {
      error: { category: 'auth', code: 'LOGIN_FAILED', message: `refused: assertion=${secret}` },
    })
    await store.saveRun(leaky)
    // what the backend stored, as any reader gets it back (a file, or a row in the bookkeeping schema)
    const text = JSON.stringify(await store.getRun('gamma', leaky.id))
    expect(text).toContain('LOGIN_FAILED')
    expect(text).not.toContain(secret)
  })
})
