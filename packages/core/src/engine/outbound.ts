import type { Operation, OutboundRecord, Value } from '../contract/records.js'
import type { RowMapper } from '../mapping/mapper.js'
import { readPath } from '../mapping/paths.js'
import { parseJson } from './json.js'
import type { Change } from './state.js'

/** The record sent for one change: the staged payload, or the clear / delete payload of a removed row. */
export function outbound(
  change: Change,
  operation: Operation,
  mapper: RowMapper,
  idField: string,
): OutboundRecord {
  const identifier = change.identifier as string
  let fields: Record<string, Value>
  if (change.payload === null) {
    fields = mapper.exactTypes(
      operation === 'clear' ? mapper.clearPayload(identifier) : mapper.deletePayload(identifier),
    )
  } else {
    // JSON text reads `42` back as a number: a BIGINT column's fields become bigints again.
    fields = mapper.exactTypes(parseJson(change.payload) as Record<string, Value>)
    if (operation === 'delete') fields = mapper.deletePayload(readPath(fields, idField) ?? identifier)
  }
  const record: OutboundRecord = { identifier, fields }
  const { kind } = change
  if (kind === 'added' || kind === 'changed' || kind === 'removed') record.change = kind
  return record
}

/**
 * The record's fields as JSON text when they are exactly the staged payload (every operation but
 * delete and the clear / delete of a removed row): tracking stores this text as it is, instead of
 * serialising the parsed fields back to the same text.
 */
export function stagedPayloadText(change: Change, operation: Operation): string | undefined {
  return change.payload !== null && operation !== 'delete' ? change.payload : undefined
}
