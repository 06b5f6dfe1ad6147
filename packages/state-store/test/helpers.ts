import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ModelConfig, type RunSyncOptions, runSync, type SyncConfig } from '@sluice/core'
import type { Behaviour, DeleteBehaviour, DestinationCapabilities } from '@sluice/core/contract'
import { allBehaviours, MemoryDestination, MemoryTracking } from '@sluice/core/testing'
import duckdbSource, { connectDuckDB } from '@sluice/source-duckdb'
import type { InspectableStateStore } from '../src/index.js'
import { stateLocation } from './backends.js'

export { allBehaviours, MemoryDestination, MemoryTracking, type SentRecord } from '@sluice/core/testing'

export interface Harness {
  dir: string
  store: InspectableStateStore
  source: ReturnType<typeof connectDuckDB>
  destination: MemoryDestination
  tracking: MemoryTracking
  sync: SyncConfig
  sql(statement: string): Promise<void>
  run(overrides?: Partial<RunSyncOptions>): ReturnType<typeof runSync>
  cleanup(): Promise<void>
}

export interface HarnessOptions {
  behaviour?: Behaviour
  deleteBehaviour?: DeleteBehaviour
  model?: Partial<ModelConfig> & Record<string, unknown>
  sync?: Partial<SyncConfig>
  caps?: Partial<DestinationCapabilities>
}

/**
 * A DuckDB source with a `people` table, a fresh state (of the backend under test) and a memory
 * destination.
 */
export async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-engine-'))
  const location = stateLocation(dir)
  const store = location.open()
  const source = connectDuckDB({ path: ':memory:' })
  await source.execute?.('CREATE TABLE people (id INTEGER, email VARCHAR, name VARCHAR, score INTEGER)')
  const destination = new MemoryDestination()
  const tracking = new MemoryTracking()
  const caps = { behaviours: allBehaviours, batchSize: 3, concurrency: 2, ...options.caps }
  const sync: SyncConfig = {
    model: 'people',
    destination: 'memory',
    object: 'contacts',
    behaviour: options.behaviour ?? 'upsert',
    identifier: { column: 'id', field: 'external_id' },
    mappings: [
      { from: 'email', to: 'email' },
      { from: 'name', to: 'profile.name' },
    ],
    ...(options.deleteBehaviour ? { deleteBehaviour: options.deleteBehaviour } : {}),
    ...options.sync,
  }
  const model = { source: 'warehouse', table: 'people', ...options.model } as ModelConfig
  return {
    dir,
    store,
    source,
    destination,
    tracking,
    sync,
    sql: async (statement) => source.execute?.(statement),
    run: (overrides = {}) =>
      runSync({
        syncName: 'people_to_memory',
        sync,
        model,
        source,
        sourceCapabilities: duckdbSource.capabilities,
        destination,
        destinationCapabilities: caps,
        state: store,
        tracking,
        commitSize: 6,
        ...overrides,
      }),
    cleanup: async () => {
      await store.close()
      await source.close?.()
      await location.drop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
