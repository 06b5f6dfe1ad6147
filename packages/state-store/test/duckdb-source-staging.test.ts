import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { type ModelConfig, runSync, type Source, type SyncConfig } from '@sluice/core'
import duckdbSource, { connectDuckDB } from '@sluice/source-duckdb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { InspectableStateStore } from '../src/index.js'
import { stateLocation } from './backends.js'
import { allBehaviours, MemoryDestination } from './helpers.js'

const ROWS = 2000
const dir = mkdtempSync(join(tmpdir(), 'sluice-staging-'))
const warehouse = join(dir, 'warehouse.duckdb')
let store: InspectableStateStore

/**
 * The warehouse file as a source, counting every row it hands to JS. `statements: false` hides the
 * source's `execute`, so the store cannot stage there and the engine maps the rows in JS, as it did
 * before models were staged in DuckDB.
 */
function counting(options: { statements: boolean }): Source & { rows: number; close(): Promise<void> } {
  const inner = connectDuckDB({ path: warehouse, readOnly: true })
  const counted = {
    rows: 0,
    check: inner.check.bind(inner),
    describe: inner.describe.bind(inner),
    ...(options.statements && inner.execute ? { execute: inner.execute.bind(inner) } : {}),
    async *query(sql: string, queryOptions?: Parameters<Source['query']>[1]) {
      for await (const chunk of inner.query(sql, queryOptions)) {
        counted.rows += chunk.length
        yield chunk
      }
    },
    close: async () => inner.close?.(),
  }
  return counted
}

async function onWarehouse(statement: string): Promise<void> {
  const instance = await DuckDBInstance.create(warehouse)
  const connection = await instance.connect()
  try {
    await connection.run(statement)
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

const model = { source: 'warehouse', table: 'people' } as ModelConfig
const sync = (mappings: SyncConfig['mappings']): SyncConfig => ({
  model: 'people',
  destination: 'memory',
  object: 'contacts',
  behaviour: 'mirror',
  deleteBehaviour: 'delete',
  identifier: { column: 'id', field: 'external_id' },
  mappings,
})
const RENAMES = [
  { from: 'email', to: 'email' },
  { from: 'name', to: 'profile.name' },
  { from: 'big', to: 'big' },
  { from: 'amount', to: 'amount' },
  { from: 'seen', to: 'seen' },
  { from: 'tags', to: 'tags' },
]

async function run(name: string, s: SyncConfig, from: Source, destination: MemoryDestination) {
  return runSync({
    syncName: name,
    sync: s,
    model,
    source: from,
    sourceCapabilities: duckdbSource.capabilities,
    destination,
    destinationCapabilities: { behaviours: allBehaviours, batchSize: 500, concurrency: 2 },
    state: store,
  })
}

describe('a DuckDB model staged inside DuckDB', () => {
  beforeAll(async () => {
    await onWarehouse(`CREATE TABLE people AS SELECT i::BIGINT AS id, 'user' || i || '@x.io' AS email,
      'Name ' || i || ' ✓' AS name, (9007199254740993 + i)::BIGINT AS big, (i / 7)::DECIMAL(38,9) AS amount,
      TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_microseconds(i * 1001) AS seen, ['a', i::VARCHAR] AS tags
      FROM range(1, ${ROWS + 1}) AS t(i)`)
    store = stateLocation(dir).open()
  })
  afterAll(async () => {
    await store?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('reruns a snapshot made by the JS path with no request and no row read into JS', async () => {
    const destination = new MemoryDestination()
    const viaJs = counting({ statements: false })
    const initial = await run('upgrade', sync(RENAMES), viaJs, destination)
    await viaJs.close()
    expect(initial.run.status).toBe('succeeded')
    expect(initial.run.counts.added).toBe(ROWS)
    expect(viaJs.rows).toBe(ROWS)

    destination.clearLog()
    const viaSql = counting({ statements: true })
    const rerun = await run('upgrade', sync(RENAMES), viaSql, destination)
    await viaSql.close()
    expect(rerun.run.status).toBe('succeeded')
    expect(rerun.run.counts).toMatchObject({
      queried: ROWS,
      unchanged: ROWS,
      added: 0,
      changed: 0,
      removed: 0,
    })
    expect(viaSql.rows).toBe(0)
    expect(destination.sent).toHaveLength(0)
  })

  it('sends only the rows that changed, as staged, with the types the JS path gives them', async () => {
    const destination = new MemoryDestination()
    const first = counting({ statements: true })
    await run('changes', sync(RENAMES), first, destination)
    await first.close()
    expect(first.rows).toBe(0)
    expect(destination.records.size).toBe(ROWS)
    const viaJs = new MemoryDestination()
    const reference = counting({ statements: false })
    await run('changes_via_js', sync(RENAMES), reference, viaJs)
    await reference.close()
    // The same records reach the destination whichever path staged them.
    expect([...destination.records.entries()]).toEqual([...viaJs.records.entries()])
    expect(destination.records.get('1')).toEqual({
      external_id: 1n,
      email: 'user1@x.io',
      profile: { name: 'Name 1 ✓' },
      big: 9007199254740994n,
      amount: '0.142857143',
      seen: '2026-01-01T00:00:00.001001Z',
      tags: ['a', '1'],
    })
    expect(await store.snapshotEntries('changes')).toEqual(await store.snapshotEntries('changes_via_js'))

    await onWarehouse(`UPDATE people SET email = 'new' || id || '@x.io' WHERE id % 100 = 0`)
    await onWarehouse(`DELETE FROM people WHERE id > ${ROWS - 10}`)
    destination.clearLog()
    const second = counting({ statements: true })
    const rerun = await run('changes', sync(RENAMES), second, destination)
    await second.close()
    expect(rerun.run.counts).toMatchObject({ queried: ROWS - 10, changed: 19, removed: 10, added: 0 })
    expect(second.rows).toBe(0)
    expect(destination.sent).toHaveLength(29)
    expect(destination.records.get('100')).toMatchObject({ email: 'new100@x.io', big: 9007199254741093n })
  })

  it('maps in JS what is not a plain rename', async () => {
    const withCast = counting({ statements: true })
    const result = await run(
      'cast',
      sync([...RENAMES, { from: 'amount', to: 'amount_number', cast: 'number' }]),
      withCast,
      new MemoryDestination(),
    )
    await withCast.close()
    expect(result.run.status).toBe('succeeded')
    expect(withCast.rows).toBe(result.run.counts.queried)
  })
})
