import type {
  ConnectorContext,
  Destination,
  Logger,
  Operation,
  OutboundRecord,
  RecordResult,
  Value,
} from '@sluice/core/contract'
import type { TSchema } from 'typebox'
import { clearFaults } from '../faults.js'
import { type FakeHost, startFakeHost } from '../host.js'
import type { DestinationFake } from '../types.js'
import type { ResolvedOptions } from './options.js'

/**
 * The state one conformance suite shares: the fake on its host, the destinations connected for the
 * current check, and every error and log line seen, for the secrets check at the end.
 */
export class Harness<S extends TSchema = TSchema> {
  fake!: DestinationFake
  host!: FakeHost
  readonly errors: unknown[] = []
  readonly logLines: string[] = []
  /** identifiers appended successfully in this check, in order: how append-only records are found */
  private appended: string[] = []
  private readonly open: Destination[] = []

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
  reset(): void {
    this.fake.reset()
    this.appended = []
    clearFaults(this.fake.faults)
    this.host.resetTraffic()
  }

  async closeDestinations(): Promise<void> {
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
    const results = await this.capture(() =>
      destination.write(
        { object: this.options.object, operation, identifierField: this.options.identifierField, records },
        this.context(signal),
      ),
    )
    if (results.length !== records.length) {
      throw new Error(`write() returned ${results.length} results for ${records.length} records`)
    }
    if (operation === 'append') {
      for (const [i, record] of records.entries()) {
        if (results[i]?.status === 'succeeded') this.appended.push(record.identifier)
      }
    }
    return results
  }

  /**
   * What the fake holds now for a sample record, or undefined. Append-only objects are kept under
   * synthetic keys in arrival order: there the record is the first one holding its identifier's value,
   * else the one in the position it was appended in (an event need not keep the sync's key).
   */
  storedRecord(fields: Record<string, Value>): Record<string, unknown> | undefined {
    const id = String(fields[this.options.identifierField])
    const records = this.fake.records(this.options.object)
    const direct = records.get(id)
    if (direct || this.seedOperation !== 'append') return direct
    const all = [...records.values()]
    const wanted = new Set([id])
    return all.find((record) => holds(record, wanted)) ?? all[this.appended.indexOf(id)]
  }

  storedCount(): number {
    return this.fake.records(this.options.object).size
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
