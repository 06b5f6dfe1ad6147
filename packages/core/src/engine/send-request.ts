import type { ConnectorContext, Destination } from '../contract/destination.js'
import type { Operation, OutboundRecord, RecordResult } from '../contract/records.js'
import { SluiceError } from '../errors.js'
import type { RunCounts } from '../run.js'
import type { Change } from './state.js'

/** A planned record on its way to the destination, with the change it comes from. */
export interface Outbound {
  change: Change
  record: OutboundRecord
  /** `record.fields` as JSON text when the engine has it already (the staged payload) */
  payloadJson?: string
  /** why the record cannot be sent as mapped: tracked invalid with this reason, never sent */
  invalid?: string
}

/** What happened to one record: the destination's answer, or why it was never sent. */
export interface Outcome {
  item: Outbound
  result: RecordResult | { status: 'invalid'; reason: string }
}

export interface RequestTarget {
  destination: Destination
  object: string
  identifierField: string
}

/**
 * One request: records invalid as mapped and those the destination's `validate` refuses are set
 * aside, the rest go to `write`, and every record comes back with one outcome. Counts are added to
 * `counts` as answers arrive, so the live line moves with the run. Throws when the request fails as
 * a whole (the caller then commits nothing of its group).
 */
export async function sendRequest(
  target: RequestTarget,
  operation: Operation,
  items: Outbound[],
  ctx: ConnectorContext,
  counts: RunCounts,
): Promise<Outcome[]> {
  const { destination, object, identifierField } = target
  const outcomes: Outcome[] = []
  const setAside = (item: Outbound, reason: string) => {
    outcomes.push({ item, result: { status: 'invalid', reason } })
    counts.invalid.other++
  }

  let sendable: Outbound[] = []
  for (const item of items) {
    if (item.invalid === undefined) sendable.push(item)
    else setAside(item, item.invalid)
  }
  if (destination.validate && sendable.length > 0) {
    const checked = sendable
    const verdicts = await destination.validate(
      { object, operation, identifierField, records: checked.map((i) => i.record) },
      ctx,
    )
    sendable = []
    checked.forEach((item, i) => {
      const reason = verdicts[i]
      if (reason === undefined) sendable.push(item)
      else setAside(item, reason)
    })
  }
  if (sendable.length === 0) return outcomes

  const results = await destination.write(
    { object, operation, identifierField, records: sendable.map((i) => i.record) },
    ctx,
  )
  if (!Array.isArray(results) || results.length !== sendable.length) {
    throw new SluiceError(
      'internal',
      `the destination answered ${Array.isArray(results) ? results.length : 'no'} results for ${sendable.length} records`,
      { component: 'destination', code: 'RESULT_COUNT' },
    )
  }
  const { succeeded, rejected } = counts
  results.forEach((result, i) => {
    if (result.status === 'succeeded') {
      succeeded[operation] = (succeeded[operation] ?? 0) + 1
      if (result.possiblyDuplicated) counts.possiblyDuplicated = (counts.possiblyDuplicated ?? 0) + 1
    } else {
      rejected[operation] = (rejected[operation] ?? 0) + 1
    }
    outcomes.push({ item: sendable[i] as Outbound, result })
  })
  return outcomes
}
