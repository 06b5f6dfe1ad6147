/**
 * `@sluice/core/testing`: stand-ins for engine tests. \`MemoryDestination\` keeps records in memory and
 * remembers every operation it acknowledged; \`MemoryTracking\` collects tracking batches. Not for
 * production: nothing here is durable.
 */
import { sleep } from '../concurrency.js'
import type { Destination } from '../contract/destination.js'
import type {
  Behaviour,
  Operation,
  OutboundRecord,
  RecordResult,
  Value,
  WriteBatch,
} from '../contract/records.js'
import type { TrackingBatch, TrackingSink } from '../run.js'

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
    if (this.delayMs) await sleep(this.delayMs)
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
