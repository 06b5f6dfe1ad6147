import type { ColumnInfo, SyncConfig } from '@sluice/core'
import { literal } from './sql.js'

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

type Sync = Pick<SyncConfig, 'identifier' | 'mappings' | 'syncAllProperties'>

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

/** A tree of fields in insertion order, as `writePath` builds the payload object. */
type Node = { kind: 'leaf'; sql: string } | { kind: 'object'; fields: Map<string, Node> }

function write(root: Map<string, Node>, path: string, sql: string): string | undefined {
  const parts = path.split('.')
  // Integer-like keys come first in a JS object whatever the order they were written in.
  if (parts.some((part) => /^(0|[1-9]\d*)$/.test(part))) return `the field "${path}" has an index-like name`
  let current = root
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string
    const next = current.get(part)
    if (next?.kind === 'object') current = next.fields
    else {
      // As writePath: a scalar in the way is replaced by an object, in the scalar's place.
      const created: Node = { kind: 'object', fields: new Map() }
      current.set(part, created)
      current = created.fields
    }
  }
  current.set(parts[parts.length - 1] as string, { kind: 'leaf', sql })
  return undefined
}

function render(fields: Map<string, Node>): string {
  const pieces: string[] = []
  let first = true
  for (const [key, node] of fields) {
    pieces.push(literal(`${first ? '{' : ','}${JSON.stringify(key)}:`))
    pieces.push(node.kind === 'leaf' ? node.sql : render(node.fields))
    first = false
  }
  if (first) return literal('{}')
  return `${pieces.join(' || ')} || '}'`
}

export function warehousePayloadSql(sync: Sync, columns: readonly ColumnInfo[]): WarehousePayload {
  if (sync.syncAllProperties) return { unsupported: 'sync all properties' }
  const types = new Map(columns.map((c) => [c.name, c.type]))
  const column = (name: string): ColumnSql | string => {
    const type = types.get(name)
    if (type === undefined) return `the model has no column "${name}"`
    return columnSql(name, type) ?? `the column "${name}" is of type ${type}`
  }
  const id = column(sync.identifier.column)
  if (typeof id === 'string') return { unsupported: id }
  const root = new Map<string, Node>()
  const problem = write(root, sync.identifier.field, id.json)
  if (problem) return { unsupported: problem }
  for (const mapping of sync.mappings ?? []) {
    let sql: string
    if ('from' in mapping) {
      if (mapping.cast) return { unsupported: `the mapping to "${mapping.to}" casts its value` }
      const from = column(mapping.from)
      if (typeof from === 'string') return { unsupported: from }
      sql = from.json
    } else if ('constant' in mapping) {
      // Written by JSON.stringify here as the engine would write it there.
      sql = literal(JSON.stringify(mapping.constant ?? null))
    } else {
      return { unsupported: `the mapping to "${mapping.to}" is an object or array mapping` }
    }
    const clash = write(root, mapping.to, sql)
    if (clash) return { unsupported: clash }
  }
  return { identifier: id.text, payload: render(root) }
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}
