import type {
  ConnectorContext,
  Destination,
  Logger,
  Operation,
  OutboundRecord,
  RecordResult,
  RunInfo,
  Value,
} from '@sluice/core/contract'
import type { TSchema } from 'typebox'
import { clearFaults } from '../faults.js'
import { type FakeHost, startFakeHost } from '../host.js'
import type { DestinationFake, StorageFake } from '../types.js'
import type { ResolvedOptions } from './options.js'

/**
 * The state one conformance suite shares: the fake on its host, the destinations connected for the
 * current check, and every error and log line seen, for the secrets check at the end.
 */
export class Harness<S extends TSchema = TSchema> {
  fake!: DestinationFake | StorageFake
  host!: FakeHost
  readonly errors: unknown[] = []
  readonly logLines: string[] = []
  /** identifiers appended successfully in this check, in order: how append-only records are found */
  private appended: string[] = []
  /** this check appended: read back what was appended, not the records upserts keep */
  private appending = false
  private readonly open: Destination[] = []
  /** runs made for `writesAreRuns` destinations, never reset: a fake may keep files of earlier checks */
  private runs = 0
  /** the run the writes since the last read-back belong to (`writesAreRuns` destinations) */
  private openRun: { destination: Destination; run: RunInfo; failed: boolean } | undefined

  constructor(readonly options: ResolvedOptions<S>) {}

  async start(): Promise<void> {
    this.fake = this.options.fake()
    this.host = await startFakeHost(this.fake)
  }

  async stop(): Promise<void> {
    await this.closeDestinations()
    await this.host?.close()
  }

  /** Before each check: an empty fake with no faults and no traffic. */
  async reset(): Promise<void> {
    this.openRun = undefined
    await this.fake.reset()
    this.appended = []
    this.appending = false
    clearFaults(this.fake.faults)
    this.host.resetTraffic()
  }

  async closeDestinations(): Promise<void> {
    this.openRun = undefined
    for (const destination of this.open.splice(0))
      await destination.close?.().catch((e) => this.errors.push(e))
  }

  readonly log: Logger = {
    debug: (m, f) => this.logLines.push(line(m, f)),
    info: (m, f) => this.logLines.push(line(m, f)),
    warn: (m, f) => this.logLines.push(line(m, f)),
    error: (m, f) => this.logLines.push(line(m, f)),
  }

  context(signal: AbortSignal = new AbortController().signal): ConnectorContext {
    return { signal, log: this.log }
  }

  /** Connects the connector with the working config (or another one) for this check. */
  connect(config: unknown = this.options.config(this.host.url)): Destination {
    const destination = this.options.connector.connect(
      config as Parameters<typeof this.options.connector.connect>[0],
      this.context(),
    )
    this.open.push(destination)
    return destination
  }

  /** Runs `fn`, keeping any error it throws for the secrets check, and rethrows it. */
  async capture<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      this.errors.push(error)
      throw error
    }
  }

  /**
   * Finishes the run the writes since the last read-back belong to (`writesAreRuns` destinations), as
   * the engine does when a run succeeds. Reading back finishes it too; a check calls this itself where
   * two runs must be apart (a snapshot run holding fewer rows than the one before).
   */
  async finishRun(): Promise<void> {
    const open = this.openRun
    this.openRun = undefined
    if (!open || open.failed) return
    await this.capture(async () => open.destination.finishRun?.({ ...this.context(), run: open.run }))
  }

  /** A new run: ids sort in the order the runs were made, as the engine's do. */
  private nextRun(): RunInfo {
    this.runs += 1
    return {
      id: `conformance-${String(this.runs).padStart(6, '0')}`,
      sync: `conformance_${this.options.object}`.replace(/[^A-Za-z0-9_]/g, '_'),
      startedAt: new Date().toISOString(),
    }
  }

  /** The outbound record for a set of mapped fields. */
  outbound(fields: Record<string, Value>): OutboundRecord {
    return { identifier: String(fields[this.options.identifierField]), fields }
  }

  /** Sends one batch the way the engine does and checks the answer has one result per record. */
  async write(
    destination: Destination,
    operation: Operation,
    fieldsList: Array<Record<string, Value>>,
    signal?: AbortSignal,
  ): Promise<RecordResult[]> {
    const records = fieldsList.map((fields) =>
      operation === 'delete'
        ? this.outbound({ [this.options.identifierField]: fields[this.options.identifierField]! })
        : this.outbound(fields),
    )
    const ctx = this.context(signal)
    if (this.options.writesAreRuns) {
      if (this.openRun && this.openRun.destination !== destination) await this.finishRun()
      this.openRun ??= { destination, run: this.nextRun(), failed: false }
      ctx.run = this.openRun.run
    }
    const run = this.openRun
    const results = await this.capture(() =>
      destination.write(
        { object: this.options.object, operation, identifierField: this.options.identifierField, records },
        ctx,
      ),
    ).catch((error: unknown) => {
      // As in the engine, a run with a failed write is never finished: its output stays invisible.
      if (run) run.failed = true
      throw error
    })
    if (results.length !== records.length) {
      throw new Error(`write() returned ${results.length} results for ${records.length} records`)
    }
    if (operation === 'append') {
      this.appending = true
      for (const [i, record] of records.entries()) {
        if (results[i]?.status === 'succeeded') this.appended.push(record.identifier)
      }
    }
    return results
  }

  /** What the destination holds now for the object under test, as its fake reads it back. */
  async records(): Promise<Map<string, Record<string, unknown>>> {
    await this.finishRun()
    return await this.fake.records(this.options.object, this.appending ? 'appended' : 'records')
  }

  /** What the destination holds now for a sample record, or undefined: see `find`. */
  async storedRecord(fields: Record<string, Value>): Promise<Record<string, unknown> | undefined> {
    return this.find(fields, await this.records())
  }

  /**
   * The record among `records` (read back once) for a sample record. Append-only objects are kept under
   * synthetic keys in arrival order: there the record is the first one holding its identifier's value,
   * else the one in the position it was appended in (an event need not keep the sync's key).
   */
  find(
    fields: Record<string, Value>,
    records: Map<string, Record<string, unknown>>,
  ): Record<string, unknown> | undefined {
    const id = String(fields[this.options.identifierField])
    const direct = records.get(id)
    // Only records appended in this check are looked for by value and position.
    if (direct || this.appended.length === 0) return direct
    const all = [...records.values()]
    const wanted = new Set([id])
    return all.find((record) => holds(record, wanted)) ?? all[this.appended.indexOf(id)]
  }

  async storedCount(): Promise<number> {
    return (await this.records()).size
  }

  /** The operation that puts records in, for checks that need some: upsert, else create, else append. */
  get seedOperation(): Operation | undefined {
    const b = this.options.behaviours
    if (b.has('upsert') || b.has('mirror')) return 'upsert'
    if (b.has('create')) return 'create'
    if (b.has('append')) return 'append'
    return undefined
  }
}

/** Whether any value in `value`, however deep, is exactly one of `wanted` (never a substring). */
export function holds(value: unknown, wanted: ReadonlySet<string>): boolean {
  if (typeof value === 'string') return wanted.has(value)
  if (Array.isArray(value)) return value.some((v) => holds(v, wanted))
  if (value && typeof value === 'object') return Object.values(value).some((v) => holds(v, wanted))
  return false
}

function line(message: string, fields?: Record<string, unknown>): string {
  return fields
    ? `${message} ${JSON.stringify(fields, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`
    : message
}
