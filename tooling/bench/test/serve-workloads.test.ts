import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { driftRounds } from '../src/figures/scheduler.js'
import { REQUEST_KINDS, recordsApiRun, seeded } from '../src/workloads/records-api.js'
import { schedulerDriftRun } from '../src/workloads/scheduler-drift.js'
import { serveOverviewRun } from '../src/workloads/serve-overview.js'

describe('the records API workload', () => {
  const dir = mkdtemp(path.join(os.tmpdir(), 'bench-records-'))
  afterAll(async () => rm(await dir, { recursive: true, force: true }))

  it('asks for every kind of page in turn, each answered with rows, deep cursors included', async () => {
    const root = await dir
    const output = await recordsApiRun({
      lakeDir: path.join(root, 'lake'),
      stateDir: path.join(root, 'state'),
      rows: 20_000,
      requests: 2 * REQUEST_KINDS.length,
    })
    expect(output.all.count).toBe(10)
    for (const kind of REQUEST_KINDS) expect(output.byKind[kind]!.count, kind).toBe(2)
    expect(output.all.p99).toBeLessThanOrEqual(output.all.max)
    // the web UI's run page: the run, then its records table, in turn
    expect(output.runDetail.count).toBe(20)
    expect(output.uiPage.count).toBe(20)
  }, 120_000)
})

describe('the web UI overview workload', () => {
  const dir = mkdtemp(path.join(os.tmpdir(), 'bench-overview-'))
  afterAll(async () => rm(await dir, { recursive: true, force: true }))

  it('serves every sync of the ledger on each load, with the page and its scripts', async () => {
    const output = await serveOverviewRun({
      stateDir: path.join(await dir, 'state'),
      syncs: 25,
      runsPerSync: 2,
      requests: 4,
    })
    expect(output.syncs.count).toBe(4)
    // 25 syncs, each with its last run: a few hundred bytes apiece
    expect(output.bytes).toBeGreaterThan(25 * 300)
  }, 120_000)
})

describe('the scheduler drift workload', () => {
  it('counts each fire once and measures the idle time between rounds', async () => {
    const output = await schedulerDriftRun({ syncs: 50, everySeconds: 2, rounds: 2, maxConcurrentRuns: 4 })
    expect(output.fires).toBe(100)
    expect(output.startLagP99Ms).toBeGreaterThanOrEqual(output.driftP50Ms)
    expect(output.idleCpuShares.length).toBe(output.idleWindowMs.length)
    for (const share of output.idleCpuShares) expect(share).toBeGreaterThanOrEqual(0)
  }, 60_000)

  it('refuses a period that does not divide a minute', async () => {
    await expect(
      schedulerDriftRun({ syncs: 1, everySeconds: 7, rounds: 1, maxConcurrentRuns: 1 }),
    ).rejects.toThrow(/does not divide a minute/)
  })

  it('runs 1,000 syncs at both scales, with fewer and shorter rounds at --quick', () => {
    const full = driftRounds(1)
    const quick = driftRounds(0.1)
    expect([full.syncs, quick.syncs]).toEqual([1000, 1000])
    expect(quick.everySeconds * quick.rounds).toBeLessThan(full.everySeconds * full.rounds)
    expect(60 % full.everySeconds).toBe(0)
    expect(60 % quick.everySeconds).toBe(0)
  })
})

describe('seeded', () => {
  it('gives the same numbers for the same seed, in [0, 1)', () => {
    const a = seeded(14)
    const b = seeded(14)
    const values = Array.from({ length: 1000 }, () => a())
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()))
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true)
    expect(new Set(values).size).toBeGreaterThan(990)
  })
})
