import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { changeUsersSql, generateUsers, withDatabase } from '../src/data/users.js'
import { antiJoinPrepare, antiJoinRun } from '../src/workloads/anti-join.js'
import { bareScanRun, stagingSelect } from '../src/workloads/bare-scan.js'
import { diffRun } from '../src/workloads/diff-run.js'

const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-baselines-'))
afterAll(() => rm(dir, { recursive: true, force: true }))

describe("the diff's anti-join baseline", () => {
  it('finds the same 1% changed as the state store, in tables of the same rows', async () => {
    const modelDb = path.join(dir, 'diff.duckdb')
    const stateDir = path.join(dir, 'state')
    const spill = path.join(dir, 'spill')
    await generateUsers(modelDb, 10_000)
    await diffRun({ modelDb, stateDir, phase: 'snapshot' })
    await withDatabase(modelDb, (sql) => sql(changeUsersSql(1, 0)))

    const diff = await diffRun({ modelDb, stateDir, phase: 'diff', tempDirectory: spill })
    expect(diff).toMatchObject({ changed: 100, added: 0, removed: 0 })
    expect(diff.peakSpillMb).toBeGreaterThanOrEqual(0)

    const baselineDb = path.join(dir, 'hashes.duckdb')
    expect(await antiJoinPrepare({ modelDb, stateDir, baselineDb })).toEqual({
      snapshot: 10_000,
      staged: 10_000,
    })
    const join = await antiJoinRun({ baselineDb, tempDirectory: spill })
    expect(join).toMatchObject({ changed: 100, added: 0, removed: 0 })
  })
})

describe("the engine's bare-scan baseline", () => {
  it("scans every row with the state store's own staging SQL", async () => {
    const modelDb = path.join(dir, 'scan.duckdb')
    await generateUsers(modelDb, 1000)
    const select = await stagingSelect(modelDb)
    expect(select).toMatch(/AS identifier/)
    expect(select).toMatch(/AS payload/)
    expect(select).toMatch(/FROM \(SELECT \* FROM "users"\) AS sluice_model$/)
    expect((await bareScanRun({ modelDb })).rows).toBe(1000)
  })
})
