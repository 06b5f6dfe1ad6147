import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type Behaviour,
  type DeleteBehaviour,
  type Destination,
  type DestinationCapabilities,
  type ModelConfig,
  type Operation,
  type OutboundRecord,
  type RecordResult,
  type RunSyncOptions,
  runSync,
  type SyncConfig,
  type TrackingBatch,
  type TrackingSink,
  type Value,
  type WriteBatch,
} from '@sluice/core'
import duckdbSource, { connectDuckDB } from '@sluice/source-duckdb'
import type { InspectableStateStore } from '../src/index.js'
import { stateLocation } from './backends.js'

export interface SentRecord {
  operation: Operation
  identifier: string
  fields: Record<string, Value>
}

/**
 * A destination that keeps its records in memory and remembers every operation it acknowledged.
 * `reject` decides per record; `fail` throws for a whole request.
 */
export class MemoryDestination implements Destination {
  readonly records = new Map<string, Record<string, Value>>()
  readonly sent: SentRecord[] = []
  requests = 0
  reject: (record: OutboundRecord, operation: Operation) => string | undefined = () => undefined
  invalid: (record: OutboundRecord) => string | undefined = () => undefined
  fail: ((batch: WriteBatch) => Error | undefined) | undefined
  /** records acknowledged after a lost answer was retried (an append sent twice, perhaps) */
  duplicated: (record: OutboundRecord) => boolean = () => false
  delayMs = 0

  async check() {}
  async discover() {
    return { objects: [] }
  }
  async validate(batch: WriteBatch) {
    return batch.records.map((r) => this.invalid(r))
  }
  async write(batch: WriteBatch, ctx: { signal: AbortSignal }): Promise<RecordResult[]> {
    this.requests++
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs))
    if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('aborted')
    const failure = this.fail?.(batch)
    if (failure) throw failure
    return batch.records.map((record) => {
      const reason = this.reject(record, batch.operation)
      if (reason) return { status: 'rejected', reason }
      this.sent.push({ operation: batch.operation, identifier: record.identifier, fields: record.fields })
      this.apply(batch.operation, record)
      return this.duplicated(record)
        ? { status: 'succeeded', possiblyDuplicated: true }
        : { status: 'succeeded' }
    })
  }

  private apply(operation: Operation, record: OutboundRecord) {
    const current = this.records.get(record.identifier)
    switch (operation) {
      case 'upsert':
      case 'append':
        this.records.set(record.identifier, { ...current, ...record.fields })
        break
      case 'update':
        if (current) this.records.set(record.identifier, { ...current, ...record.fields })
        break
      case 'create':
        if (!current) this.records.set(record.identifier, record.fields)
        break
      case 'clear':
        this.records.set(record.identifier, { ...current, ...record.fields })
        break
      case 'delete':
        this.records.delete(record.identifier)
        break
    }
  }

  ops(): string[] {
    return this.sent.map((s) => `${s.operation}:${s.identifier}`).sort()
  }
  clearLog(): void {
    this.sent.length = 0
    this.requests = 0
  }
}

export const allBehaviours: Behaviour[] = ['upsert', 'update', 'create', 'mirror', 'append', 'delete']

/** Collects tracking batches in memory. */
export class MemoryTracking implements TrackingSink {
  readonly batches: TrackingBatch[] = []
  async write(batch: TrackingBatch) {
    this.batches.push(batch)
  }
  rows() {
    return this.batches.flatMap((b) =>
      b.records.map((r) => ({ ...r, batchType: b.batchType, runId: b.runId })),
    )
  }
}

export interface Harness {
  dir: string
  store: InspectableStateStore
  source: ReturnType<typeof connectDuckDB>
  destination: MemoryDestination
  tracking: MemoryTracking
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
