import type { Operation } from '../contract/records.js'
import type { TrackedRecord, TrackingBatch } from '../run.js'
import type { AckJournal, SnapshotCommit } from './state.js'

/**
 * The acknowledgement journal: every answered request's outcomes are appended (and made durable by
 * the store) as soon as the answer is in, so a crash loses no acknowledgement and the next run resends
 * at most the requests that were in flight. A commit group is one segment: once the group's tracking
 * batch and snapshot delta are committed, its segment is dropped, so a journal holds at most the
 * groups still open. The next run folds what a killed run left (`fold.ts`).
 */

/** One answered request, as a journal line. */
export interface JournalEntry {
  batchType: Operation
  startedAt: Date
  endedAt: Date
  delta: SnapshotCommit
  tracked: TrackedRecord[]
}

/**
 * A line of the journal. Most entries are written as framed fields: values joined by U+001E, a NULL
 * as U+001F alone, counts up front and a closing field, dates as milliseconds. The payloads are JSON
 * text already, and framing keeps them as they are: the JSON line this replaces escaped every quote
 * of every payload on the way in and scanned it again on the way out, and wrote each acknowledged
 * row's identifier and hash under their key names twice. An entry whose values hold a line break, a
 * U+001E or a lone U+001F (valid JSON text never holds them raw; identifiers and messages might) is
 * written as one JSON object instead; `decodeEntries` reads both.
 */
export function encodeEntry(entry: JournalEntry): string {
  return framedEntry(entry) ?? JSON.stringify(entry)
}

const SEPARATOR = '\x1e'
const NULL_MARK = '\x1f'
/** the first field of a framed line: the format's version */
const FRAMED = 'j2'
/** the last field of a framed line: a line cut short anywhere lacks it or has the wrong count */
const END = 'end'

function framedEntry(entry: JournalEntry): string | undefined {
  const { put, remove, reject } = entry.delta
  const fields: string[] = [
    FRAMED,
    entry.batchType,
    String(entry.startedAt.getTime()),
    String(entry.endedAt.getTime()),
    String(put.length),
    String(remove.length),
    String(reject.length),
    String(entry.tracked.length),
  ]
  let clean = true
  const text = (value: string) => {
    if (clean && (value === NULL_MARK || value.includes('\n') || value.includes(SEPARATOR))) clean = false
    fields.push(value)
  }
  const nullable = (value: string | null) => (value === null ? fields.push(NULL_MARK) : text(value))
  for (const p of put) {
    text(p.identifier)
    text(p.hash)
  }
  for (const identifier of remove) text(identifier)
  for (const r of reject) {
    text(r.identifier)
    text(r.hash)
    fields.push(String(r.firstRejectedAt.getTime()))
  }
  for (const t of entry.tracked) {
    nullable(t.identifier)
    text(t.payload)
    nullable(t.operation)
    text(t.status)
    nullable(t.message)
    nullable(t.hash)
  }
  if (!clean) return undefined
  fields.push(END)
  return fields.join(SEPARATOR)
}

/**
 * The entries of one segment. A last line that does not parse is a torn append whose `append` never
 * resolved: nothing relied on it, and the request it held is sent again.
 */
export function decodeEntries(lines: readonly string[]): JournalEntry[] {
  const entries: JournalEntry[] = []
  lines.forEach((line, i) => {
    let entry: JournalEntry
    try {
      entry = line.startsWith(FRAMED + SEPARATOR) ? decodeFramed(line) : decodeJson(line)
    } catch (error) {
      if (i === lines.length - 1) return
      throw error
    }
    entries.push(entry)
  })
  return entries
}

function decodeJson(line: string): JournalEntry {
  const raw = JSON.parse(line) as JournalEntry
  return {
    ...raw,
    startedAt: new Date(raw.startedAt),
    endedAt: new Date(raw.endedAt),
    delta: {
      put: raw.delta.put,
      remove: raw.delta.remove,
      reject: raw.delta.reject.map((r) => ({ ...r, firstRejectedAt: new Date(r.firstRejectedAt) })),
    },
  }
}

function decodeFramed(line: string): JournalEntry {
  const fields = line.split(SEPARATOR)
  const count = (at: number) => {
    const n = Number(fields[at])
    if (!Number.isSafeInteger(n) || n < 0) throw new SyntaxError(`journal line: bad count at field ${at}`)
    return n
  }
  const [puts, removes, rejects, tracked] = [count(4), count(5), count(6), count(7)]
  if (
    fields.length !== 9 + 2 * puts + removes + 3 * rejects + 6 * tracked ||
    fields[fields.length - 1] !== END
  ) {
    throw new SyntaxError('journal line: cut short')
  }
  let at = 8
  const next = () => fields[at++] as string
  const nullable = () => {
    const value = next()
    return value === NULL_MARK ? null : value
  }
  const date = () => {
    const ms = Number(next())
    if (!Number.isFinite(ms)) throw new SyntaxError(`journal line: bad time at field ${at - 1}`)
    return new Date(ms)
  }
  const entry: JournalEntry = {
    batchType: fields[1] as Operation,
    startedAt: new Date(Number(fields[2])),
    endedAt: new Date(Number(fields[3])),
    delta: { put: new Array(puts), remove: new Array(removes), reject: new Array(rejects) },
    tracked: new Array(tracked),
  }
  for (let i = 0; i < puts; i++) entry.delta.put[i] = { identifier: next(), hash: next() }
  for (let i = 0; i < removes; i++) entry.delta.remove[i] = next()
  for (let i = 0; i < rejects; i++) {
    entry.delta.reject[i] = { identifier: next(), hash: next(), firstRejectedAt: date() }
  }
  for (let i = 0; i < tracked; i++) {
    entry.tracked[i] = {
      identifier: nullable(),
      payload: next(),
      operation: nullable() as Operation | null,
      status: next() as TrackedRecord['status'],
      message: nullable(),
      hash: nullable(),
    }
  }
  return entry
}

/** The snapshot delta and tracking batch of a segment's entries, in order. */
export function mergeEntries(
  entries: readonly JournalEntry[],
  batch: Pick<TrackingBatch, 'org' | 'sync' | 'runId' | 'batchNumber'>,
): { delta: SnapshotCommit; batch: TrackingBatch | undefined } {
  const delta: SnapshotCommit = { put: [], remove: [], reject: [] }
  const records: TrackedRecord[] = []
  for (const entry of entries) {
    for (const put of entry.delta.put) delta.put.push(put)
    for (const removed of entry.delta.remove) delta.remove.push(removed)
    for (const rejected of entry.delta.reject) delta.reject.push(rejected)
    for (const record of entry.tracked) records.push(record)
  }
  const first = entries[0]
  if (first === undefined || records.length === 0) return { delta, batch: undefined }
  let startedAt = first.startedAt
  let endedAt = first.endedAt
  for (const entry of entries) {
    if (entry.startedAt < startedAt) startedAt = entry.startedAt
    if (entry.endedAt > endedAt) endedAt = entry.endedAt
  }
  return { delta, batch: { ...batch, batchType: first.batchType, startedAt, endedAt, records } }
}

/**
 * Appends to a run's journal, coalescing: entries that arrive while an append is being made durable
 * go together in the next one, so the store syncs once per round, not once per request, and an entry
 * is durable at most two rounds after it is recorded.
 */
export class JournalWriter {
  private pending = new Map<number, { lines: string[]; waiters: Array<(e?: unknown) => void> }>()
  private flushing: Promise<void> | undefined

  constructor(
    private readonly journal: AckJournal,
    private readonly runId: string,
  ) {}

  /** resolves once the entry is durable */
  record(segment: number, entry: JournalEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      let waiting = this.pending.get(segment)
      if (!waiting) {
        waiting = { lines: [], waiters: [] }
        this.pending.set(segment, waiting)
      }
      waiting.lines.push(encodeEntry(entry))
      waiting.waiters.push((error) => (error === undefined ? resolve() : reject(error)))
      this.flushing ??= this.flush()
    })
  }

  /** the segment's acknowledgements are committed: it is no longer needed */
  drop(segment: number): Promise<void> {
    return this.journal.drop(this.runId, segment)
  }

  /** every append has been answered: let go of what the store keeps open */
  async close(): Promise<void> {
    await this.flushing
    await this.journal.close?.()
  }

  private async flush(): Promise<void> {
    while (this.pending.size > 0) {
      const round = this.pending
      this.pending = new Map()
      await Promise.all(
        [...round].map(async ([segment, { lines, waiters }]) => {
          let failure: unknown
          try {
            await this.journal.append(this.runId, segment, lines)
          } catch (error) {
            failure = error ?? new Error('the journal append failed')
          }
          for (const done of waiters) done(failure)
        }),
      )
    }
    this.flushing = undefined
  }
}
