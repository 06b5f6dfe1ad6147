import type { ColumnInfo } from '@sluice/core'
import { mappedPayloadSql, type PayloadSync } from '../payload-tree.js'

/**
 * The staged row built in SQL, byte for byte what the engine builds in JS from the rows the Postgres
 * source returns: the identifier as `identifierText` writes it, and the payload as `stringifyExact`
 * writes `mapper.payload(row)` (identifier field first, then the mappings in order, nested where a
 * field path has dots). Its `md5()` is then the engine's row hash, so the diff can run where the data
 * is and only changed rows leave the warehouse.
 *
 * Only what is proven identical (golden tests in test/warehouse-payload.test.ts) is built here; for
 * anything else — float columns (JS and Postgres print some doubles differently), json/jsonb (Postgres
 * re-spaces them), other types, array or object mappings, sync all properties — the answer is a
 * reason, and the engine reads the rows and stages them itself.
 */
export type WarehousePayload = { identifier: string; payload: string } | { unsupported: string }

interface ColumnSql {
  /** the value as JSON text, never NULL ('null') */
  json: string
  /** the identifier's text, NULL for NULL */
  text: string
}

const INTEGER = /^(smallint|integer|bigint)$/
const TEXT = /^(text|character varying(\(\d+\))?|uuid|date|boolean)$/
const NUMERIC = /^numeric(\(\d+(,\d+)?\))?$/
const TIMESTAMP = /^timestamp(\(\d\))? with(out)? time zone$/
const ARRAY = /^(smallint|integer|bigint|text|character varying(\(\d+\))?)\[\]$/

/** How one column of a given Postgres type (as `format_type` names it) becomes JSON and text. */
function columnSql(column: string, type: string): ColumnSql | undefined {
  const c = quote(column)
  if (INTEGER.test(type)) return { json: `coalesce(${c}::text, 'null')`, text: `${c}::text` }
  if (type === 'boolean') return { json: `coalesce(${c}::text, 'null')`, text: `${c}::text` }
  if (TEXT.test(type) || NUMERIC.test(type))
    return { json: `coalesce(to_json(${c}::text)::text, 'null')`, text: `${c}::text` }
  if (TIMESTAMP.test(type)) {
    // The source's ISO form: milliseconds always, microseconds when there are any, `Z` for timestamptz
    // (the session runs in UTC); Postgres's own text outside years 1–9999 and for ±infinity.
    const zone = type.includes('without') ? '' : 'Z'
    const iso = `CASE WHEN isfinite(${c}) AND extract(year FROM ${c}) BETWEEN 1 AND 9999 AND to_char(${c}, 'BC') = 'AD'
      THEN to_char(${c}, 'YYYY-MM-DD"T"HH24:MI:SS.') || CASE WHEN extract(microseconds FROM ${c})::bigint % 1000 = 0
        THEN to_char(${c}, 'MS') ELSE to_char(${c}, 'US') END || '${zone}'
      ELSE ${c}::text END`
    return { json: `coalesce(to_json(${iso})::text, 'null')`, text: iso }
  }
  if (ARRAY.test(type)) return { json: `coalesce(to_json(${c})::text, 'null')`, text: `to_json(${c})::text` }
  return undefined
}

export function warehousePayloadSql(sync: PayloadSync, columns: readonly ColumnInfo[]): WarehousePayload {
  const types = new Map(columns.map((c) => [c.name, c.type]))
  const column = (name: string): ColumnSql | string => {
    const type = types.get(name)
    if (type === undefined) return `the model has no column "${name}"`
    return columnSql(name, type) ?? `the column "${name}" is of type ${type}`
  }
  const id = column(sync.identifier.column)
  if (typeof id === 'string') return { unsupported: id }
  const built = mappedPayloadSql(sync, id.json, column)
  return 'unsupported' in built ? built : { identifier: id.text, payload: built.payload }
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}
