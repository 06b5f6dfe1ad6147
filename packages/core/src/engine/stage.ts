import type { Row, Value } from '../contract/records.js'
import type { RowMapper } from '../mapping/mapper.js'
import { stringifyExact } from './json.js'
import type { StagedRow } from './state.js'

/**
 * Stage: a model row as the diff sees it, its identifier as text and its mapped payload as JSON text.
 * The state store hashes that text where it stages it (`md5(payload)`, the same as `rowHash`).
 */
export function stageRow(mapper: RowMapper, row: Row): StagedRow {
  return { identifier: identifierText(mapper.identifier(row)), payload: stringifyExact(mapper.payload(row)) }
}

/** The identifier as text: the key in the snapshot and in tracking. */
export function identifierText(value: Value | undefined): string | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return value
  if (typeof value === 'object') return stringifyExact(value)
  return String(value)
}
