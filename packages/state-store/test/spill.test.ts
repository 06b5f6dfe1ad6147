import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { sweepSpillFolders } from '../src/database.js'
import { createStateStore } from '../src/index.js'

describe("DuckDB's spill folders", () => {
  it('are removed when the store closes, and swept when their process is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-spill-'))
    // A pid no process has: the highest pid Linux gives is 2^22.
    const dead = join(tmpdir(), 'sluice-duckdb-4194999-abcd')
    mkdirSync(dead, { recursive: true })
    writeFileSync(join(dead, 'duckdb_temp_block-1.block'), 'x')
    const live = join(tmpdir(), `sluice-duckdb-${process.ppid}-abcd`)
    const liveExisted = existsSync(live)
    mkdirSync(live, { recursive: true })
    try {
      const store = createStateStore({ path: join(dir, 'state') })
      await store.openDiff('a_sync').then((session) => session.close())
      expect(existsSync(store.spillFolder)).toBe(true)
      expect(existsSync(dead)).toBe(false)
      expect(existsSync(live)).toBe(true)
      await store.close()
      expect(existsSync(store.spillFolder)).toBe(false)
      sweepSpillFolders()
      expect(existsSync(live)).toBe(true)
    } finally {
      if (!liveExisted) rmSync(live, { recursive: true, force: true })
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
