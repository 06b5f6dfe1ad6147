import { parseJson, type Value } from '@sluice/core'
import { parse as parseArray } from 'postgres-array'

/**
 * Postgres's text format → Sluice's `Value` (see `contract/records.ts`), the same values the DuckDB
 * source gives for the same data, so a row hashes and serialises the same from either warehouse:
 * `bigint` (int8) as a JS `bigint` whatever its size (one type per column, as DuckDB's BIGINT), `numeric` as its exact decimal
 * text, `json`/`jsonb` as values (big integers exact), `date` as `YYYY-MM-DD`, `timestamp(tz)` as
 * ISO-8601 (with `Z` and in UTC for `timestamptz`: the session runs in UTC), `bytea` as base64, arrays
 * as arrays of the same. Anything else (uuid, enums, interval, time, inet …) is Postgres's own text.
 */
export type TextParser = (text: string) => Value

/** int2, int4, oid, float4, float8 (NaN and Infinity too, which JSON writes as null) */
const numberValue: TextParser = (text) => Number(text)

/** `int8`: a JS `bigint` for every value, small or not (as DuckDB's BIGINT): one type per column. */
export const bigintValue: TextParser = (text) => BigInt(text)

const text: TextParser = (value) => value
const bool: TextParser = (value) => value === 't'
const json: TextParser = (value) => parseJson(value)
const bytea: TextParser = (value) =>
  value.startsWith('\\x') ? Buffer.from(value.slice(2), 'hex').toString('base64') : value

const TIMESTAMP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?([+-]\d\d(?::?\d\d(?::?\d\d)?)?)?$/

/**
 * `2024-03-01 10:34:56.789+00` → `2024-03-01T10:34:56.789Z`: milliseconds always, microseconds when
 * there are any (as the DuckDB source writes them). Infinity, BC dates and years past 9999 keep
 * Postgres's text.
 */
export function timestampValue(value: string): Value {
  const m = TIMESTAMP.exec(value)
  if (!m) return value
  const [, day, time, fraction = '', offset] = m
  if (offset !== undefined && !/^\+00(?::?00(?::?00)?)?$/.test(offset)) {
    // Only a session outside UTC gives another offset; normalise through the instant it names.
    const micros = fraction.padEnd(6, '0').slice(3)
    const iso = new Date(`${day}T${time}.${fraction.padEnd(3, '0').slice(0, 3)}${offset}`).toISOString()
    return micros === '000' ? iso : `${iso.slice(0, -1)}${micros}Z`
  }
  const digits = fraction.length <= 3 ? fraction.padEnd(3, '0') : fraction.padEnd(6, '0')
  return `${day}T${time}.${digits}${offset === undefined ? '' : 'Z'}`
}

/** Parsers by type oid (`pg_type`); the array types reuse their element's parser. */
const SCALARS: ReadonlyMap<number, TextParser> = new Map<number, TextParser>([
  [16, bool],
  [17, bytea],
  [20, bigintValue],
  [21, numberValue],
  [23, numberValue],
  [26, numberValue],
  [700, numberValue],
  [701, numberValue],
  [114, json],
  [3802, json],
  [1114, timestampValue],
  [1184, timestampValue],
])

/** array type oid → element type oid, for the element types above and the common text-like ones */
const ARRAYS: ReadonlyMap<number, number> = new Map([
  [1000, 16],
  [1001, 17],
  [1016, 20],
  [1005, 21],
  [1007, 23],
  [1028, 26],
  [1021, 700],
  [1022, 701],
  [199, 114],
  [3807, 3802],
  [1115, 1114],
  [1185, 1184],
  [1009, 25],
  [1015, 1043],
  [1014, 1042],
  [1231, 1700],
  [1182, 1082],
  [2951, 2950],
])

/** The parser for a column of type `oid` in text format. */
export function parserFor(oid: number): TextParser {
  const scalar = SCALARS.get(oid)
  if (scalar) return scalar
  const element = ARRAYS.get(oid)
  if (element !== undefined) {
    const item = SCALARS.get(element) ?? text
    return (value) => parseArray(value, item) as Value
  }
  return text
}
