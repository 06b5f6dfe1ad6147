import type { Value } from '../contract/records.js'
import { stringifyExact } from '../engine/json.js'

/**
 * Casts on column mappings (`{ from, to, cast }`): the warehouse's type is not always the one the
 * destination wants. DuckDB and Postgres hand DECIMAL over as exact text, so without a cast Braze
 * stores `"871.47"` as a string attribute; `cast: "number"` sends `871.47`.
 *
 * A value that cannot be cast is left as it is, and `castProblem` names it: the engine then tracks
 * the row as invalid with that reason instead of sending something the user did not ask for.
 */
export const CASTS = ['number', 'string', 'boolean', 'timestamp'] as const
export type Cast = (typeof CASTS)[number]

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
const TRUE = new Set(['true', 't', 'yes', 'y', '1'])
const FALSE = new Set(['false', 'f', 'no', 'n', '0'])
/** What `timestamp` produces: ISO 8601 in UTC with milliseconds, as the engine writes timestamps. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** The value as `cast` asks, or the value unchanged when it cannot be (NULL stays NULL). */
export function castValue(value: Value, cast: Cast): Value {
  if (value === null) return null
  switch (cast) {
    case 'string':
      if (typeof value === 'string') return value
      return typeof value === 'object' ? stringifyExact(value) : String(value)
    case 'number':
      if (typeof value === 'number') return value
      if (typeof value === 'bigint')
        // beyond 2^53 a number would be another number: left as it is, and refused
        return Number.isSafeInteger(Number(value)) ? Number(value) : value
      if (typeof value === 'boolean') return value ? 1 : 0
      if (typeof value === 'string' && NUMERIC.test(value.trim())) return Number(value.trim())
      return value
    case 'boolean':
      if (typeof value === 'boolean') return value
      if (typeof value === 'number' || typeof value === 'bigint') {
        if (Number(value) === 0) return false
        if (Number(value) === 1) return true
        return value
      }
      if (typeof value === 'string') {
        const word = value.trim().toLowerCase()
        if (TRUE.has(word)) return true
        if (FALSE.has(word)) return false
      }
      return value
    case 'timestamp': {
      // numbers are Unix epoch seconds, the warehouses' convention (DuckDB's to_timestamp, epoch())
      const date =
        typeof value === 'number' || typeof value === 'bigint'
          ? new Date(Number(value) * 1000)
          : typeof value === 'string' && value.trim() !== ''
            ? new Date(zoned(value.trim()))
            : undefined
      return date && !Number.isNaN(date.getTime()) ? date.toISOString() : value
    }
  }
}

/** Whether `castValue` succeeded: the value is of the type the cast produces. */
export function isCast(value: Value, cast: Cast): boolean {
  if (value === null) return true
  switch (cast) {
    case 'string':
      return typeof value === 'string'
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
    case 'boolean':
      return typeof value === 'boolean'
    case 'timestamp':
      return typeof value === 'string' && ISO_UTC.test(value)
  }
}

/**
 * A date or date-time without a zone is UTC, as the engine reads warehouse timestamps, not the time
 * wherever the runner happens to be (which is how `Date` would read it).
 */
function zoned(text: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return `${text}T00:00:00Z`
  if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) return `${text.replace(' ', 'T')}Z`
  return text
}
