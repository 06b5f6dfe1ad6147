import { readdir, utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { emptyCounts, type RunRecord } from '@sluice/core'
import { describe, expect, it } from 'vitest'
import { isRunPurged, RunPurgedError } from '../src/index.js'
import { batch, duckdb, rejectedRecord, succeededRecord, tempLake } from './fixtures.js'

const sync = 'users-to-braze'
const DAY = 86_400_000

/** Backdates every file of a run, as if it had been written `days` before `now`. */
async function age(lakePath: string, runId: string, days: number, now = new Date()) {
  const folder = join(lakePath, 'sync_tracking_datasets', 'acme', sync, runId)
  const then = new Date(now.getTime() - days * DAY)
  for (const name of await readdir(folder)) await utimes(join(folder, name), then, then)
}

function finishedRun(id: string): RunRecord {
  return {
    id,
    sync,
    status: 'succeeded',
    mode: 'incremental',
    startedAt: new Date().toISOString(),
    endedAt: new Date().toISOString(),
    counts: emptyCounts(),
  }
}

describe('purge', () => {
  it('removes runs older than the retention and returns what it removed', async () => {
    const lake = await tempLake()
    const now = new Date('2027-01-20T00:00:00.000Z')
    await lake.write(batch('old', 1, [succeededRecord('a'), rejectedRecord('b', 'quota')]))
    await lake.write(batch('old', 2, [succeededRecord('c')]))
    await lake.write(batch('recent', 1, [succeededRecord('a')]))
    await age(lake.path, 'old', 15, now)
    await age(lake.path, 'recent', 13, now)

    const result = await lake.purge({ now })
    expect(result).toMatchObject({ olderThanDays: 14, cutoff: '2027-01-06T00:00:00.000Z' })
    expect(result.removed).toEqual([
      {
        org: 'acme',
        sync,
        runId: 'old',
        purgedAt: now.toISOString(),
        retentionDays: 14,
        lastWriteAt: new Date(now.getTime() - 15 * DAY).toISOString(),
        files: 2,
        bytes: expect.any(Number),
      },
    ])
    expect(result.removed[0]!.bytes).toBeGreaterThan(0)
    expect(await readdir(join(lake.path, 'sync_tracking_datasets', 'acme', sync))).toEqual(['recent'])

    // A second purge finds nothing more to do.
    expect((await lake.purge({ now })).removed).toEqual([])
  })

  it('keeps the note of a purged run for a year', async () => {
    const lake = await tempLake()
    const now = new Date('2027-01-20T00:00:00.000Z')
    await lake.write(batch('old', 1, [succeededRecord('a')]))
    await age(lake.path, 'old', 20, now)
    await lake.purge({ now })
    await lake.purge({ now: new Date(now.getTime() + 300 * DAY) })
    expect(await lake.runState({ sync, runId: 'old' })).toMatchObject({ state: 'purged' })
    await lake.purge({ now: new Date(now.getTime() + 366 * DAY) })
    expect(await lake.runState({ sync, runId: 'old' })).toEqual({ state: 'empty' })
  })

  it('takes another age on demand', async () => {
    const lake = await tempLake()
    const now = new Date('2027-01-20T00:00:00.000Z')
    await lake.write(batch('r1', 1, [succeededRecord('a')]))
    await lake.write(batch('r2', 1, [succeededRecord('a')]))
    await age(lake.path, 'r1', 3, now)
    await age(lake.path, 'r2', 1, now)
    const result = await lake.purge({ olderThanDays: 2, now })
    expect(result.removed.map((run) => [run.runId, run.retentionDays])).toEqual([['r1', 2]])
  })

  it('says a purged run was purged, naming the run and the retention', async () => {
    const lake = await tempLake()
    const now = new Date('2027-01-20T00:00:00.000Z')
    await lake.write(batch('old', 1, [rejectedRecord('b', 'quota')]))
    await age(lake.path, 'old', 20, now)
    await lake.purge({ now })

    const asked = lake.records({ sync, runId: 'old' })
    await expect(asked).rejects.toBeInstanceOf(RunPurgedError)
    await expect(asked).rejects.toThrow(
      '[sluice] [tracking] The tracked records of run old of sync users-to-braze were purged on 2027-01-20T00:00:00.000Z: tracking files are kept for 14 days. Raise settings.retentionDays to keep them longer.',
    )
    const error = await lake.sample({ sync, runId: 'old' }).catch((e: unknown) => e)
    expect(isRunPurged(error) && error.code).toBe('RUN_PURGED')
    for (const query of [
      () => lake.counts({ sync, runId: 'old' }),
      () => lake.rejectionSummary({ sync, runId: 'old' }),
      () => lake.search({ sync, runId: 'old', identifier: 'b' }),
      () => lake.export({ sync, runId: 'old', format: 'csv', to: join(lake.path, 'x.csv') }),
    ]) {
      await expect(query()).rejects.toBeInstanceOf(RunPurgedError)
    }

    // …which is not what a run without rows answers.
    expect(await lake.records({ sync, runId: 'never-wrote' })).toMatchObject({ rows: [], total: 0 })
    expect(await lake.runState({ sync, runId: 'never-wrote' })).toEqual({ state: 'empty' })
    expect(await lake.runState({ sync, runId: 'old' })).toMatchObject({
      state: 'purged',
      purged: { runId: 'old', retentionDays: 14, files: 1 },
    })
  })

  it('lists a sync’s runs, purged ones included, newest first', async () => {
    const lake = await tempLake()
    const now = new Date()
    await lake.write(batch('r1', 1, [succeededRecord('a')]))
    await lake.write(batch('r2', 1, [succeededRecord('a')]))
    await lake.write(batch('r2', 2, [succeededRecord('b')]))
    await age(lake.path, 'r1', 30, now)
    await age(lake.path, 'r2', 1, now)
    await lake.purge({ now })
    await lake.write(batch('r3', 1, [succeededRecord('a')]))
    const runs = await lake.runs(sync)
    expect(runs.map((run) => [run.runId, run.state, run.files])).toEqual([
      ['r3', 'present', 1],
      ['r2', 'present', 2],
      ['r1', 'purged', 1],
    ])
    expect(runs[2]).toMatchObject({ purgedAt: now.toISOString(), retentionDays: 14 })
    expect(await lake.runState({ sync, runId: 'r2' })).toMatchObject({ state: 'present', files: 2 })
  })

  it('keeps the Census glob working after a purge', async () => {
    const lake = await tempLake()
    const now = new Date('2027-01-20T00:00:00.000Z')
    await lake.write(batch('old', 1, [rejectedRecord('x', 'quota')]))
    await lake.write(batch('new', 1, [rejectedRecord('y', 'quota')]))
    await age(lake.path, 'old', 20, now)
    await age(lake.path, 'new', 0, now)
    await lake.purge({ now })
    const db = await duckdb()
    const result = await db.runAndReadAll(
      `SELECT status_message, ARRAY_AGG(identifier) FROM read_parquet('${lake.path}/sync_tracking_datasets/*/*/*/*.parquet', union_by_name=True) WHERE status = 'rejected' GROUP BY 1`,
    )
    expect(result.getRowsJson()).toEqual([['quota', ['y']]])
  })

  it('runs after every run', async () => {
    const lake = await tempLake({ retentionDays: 7 })
    await lake.write(batch('last-month', 1, [succeededRecord('a')]))
    await lake.write(batch('today', 1, [succeededRecord('a')]))
    await age(lake.path, 'last-month', 30)
    await lake.runFinished(finishedRun('today'))
    expect(await lake.runState({ sync, runId: 'last-month' })).toMatchObject({
      state: 'purged',
      purged: { retentionDays: 7 },
    })
    expect(await lake.runState({ sync, runId: 'today' })).toMatchObject({ state: 'present' })
  })

  it('refuses a retention under a day', async () => {
    await expect(tempLake({ retentionDays: 0 })).rejects.toThrow(/retentionDays must be at least 1, not 0/)
  })
})
