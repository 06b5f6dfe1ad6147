import type { ColumnInfo } from '@sluice/core'
import { INDEX_LIKE, mappedPayloadSql, type PayloadSync, sqlText } from './payload-tree.js'

/**
 * The staged row of a DuckDB model built in DuckDB's SQL, byte for byte what the engine builds in JS
 * from the rows `@sluice/source-duckdb` returns: the identifier as `identifierText` writes it, and the
 * payload as `stringifyExact(mapper.payload(row))` writes it. Its `md5()` is then the engine's row
 * hash (the same hash, so snapshots written by either path stay valid for the other).
 *
 * The rule for which syncs take this path lives here and only here: plain column → field mappings
 * (dotted targets and constants included) over columns whose types are proven identical by the
 * golden tests (test/duckdb-payload.test.ts). Anything else — casts, object and array mappings, sync
 * all properties, FLOAT and DOUBLE (DuckDB and JS print some doubles differently), JSON, MAP, fixed
 * arrays, other types — gets a reason, and the engine maps the rows in JS.
 *
 * A value the SQL cannot write as JS would (a timestamp or date outside years 1–9999, an infinite
 * one) raises an error instead, so the whole model falls back to the JS path rather than stage one
 * row differently.
 */
export type DuckDBPayload = { identifier: string; payload: string } | { unsupported: string }

export function duckdbPayloadSql(sync: PayloadSync, columns: readonly ColumnInfo[]): DuckDBPayload {
  const types = new Map(columns.map((c) => [c.name, c.type]))
  const column = (name: string): Scalar | Nested | string => {
    const type = types.get(name)
    if (type === undefined) return `the model has no column "${name}"`
    // The engine gives a nested member one type (bigint) only from rows it mapped itself (ADR 0011);
    // top-level BIGINT columns are typed from their declaration, so only those stage here.
    if (NESTED.test(type) && INT64_MEMBER.test(type))
      return `the column "${name}" nests 64-bit integers (${type})`
    return columnJsonSql(name, type) ?? `the column "${name}" is of type ${type}`
  }
  const id = column(sync.identifier.column)
  if (typeof id === 'string') return { unsupported: id }
  if (id.text === undefined)
    return { unsupported: `the identifier column is of type ${types.get(sync.identifier.column)}` }
  const built = mappedPayloadSql(sync, id.json, column)
  return 'unsupported' in built ? built : { identifier: id.text, payload: built.payload }
}

/**
 * The JSON text (and, for a scalar, the identifier text) of a column, as the engine writes the value
 * the DuckDB source reads from it; undefined for a type not proven identical.
 */
export function columnJsonSql(name: string, type: string): Scalar | Nested | undefined {
  return valueSql(quote(name), type, 0)
}

const NESTED = /^STRUCT\(|\[\d*\]$/
const INT64_MEMBER = /\b(BIGINT|HUGEINT|UBIGINT|UHUGEINT)\b/

/** A scalar: its JSON text, and its text as an identifier (`identifierText`); neither is NULL-safe. */
interface Scalar {
  json: string
  text: string
}
/** A LIST or STRUCT: JSON text only (an identifier must be a scalar). */
interface Nested {
  json: string
  text?: undefined
}

const INTEGER = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/
const DECIMAL = /^DECIMAL\(\d+,\d+\)$/
const TIMESTAMP = /^(TIMESTAMP|TIMESTAMP WITH TIME ZONE)$/
/** DuckDB's own escapes differ from JSON.stringify's (`\u001F`, not `\u001f`): strings are escaped here. */
const NEEDS_ESCAPE = `'[\\x00-\\x1f"\\\\]'`

/**
 * The JSON text of a value of a DuckDB type (as DESCRIBE names it), 'null' for NULL; undefined for a
 * type not proven identical. `depth` names lambda variables apart in nested lists.
 */
function valueSql(v: string, type: string, depth: number): Scalar | Nested | undefined {
  const scalar = scalarSql(v, type)
  if (scalar) return { json: `coalesce(${scalar.json}, 'null')`, text: scalar.text }
  if (type.endsWith('[]')) {
    const x = `x${depth}`
    const item = valueSql(x, type.slice(0, -2), depth + 1)
    if (!item) return undefined
    return {
      json: `coalesce('[' || array_to_string(list_transform(${v}, ${x} -> ${item.json}), ',') || ']', 'null')`,
    }
  }
  const fields = structFields(type)
  if (!fields || fields.length === 0) return undefined
  const pieces: string[] = []
  for (const [i, field] of fields.entries()) {
    if (INDEX_LIKE.test(field.name)) return undefined
    const inner = valueSql(`struct_extract(${v}, ${sqlText(field.name)})`, field.type, depth + 1)
    if (!inner) return undefined
    pieces.push(sqlText(`${i === 0 ? '{' : ','}${JSON.stringify(field.name)}:`), inner.json)
  }
  return { json: `CASE WHEN ${v} IS NULL THEN 'null' ELSE ${pieces.join(' || ')} || '}' END` }
}

/** JSON text and identifier text of a non-NULL scalar (both NULL for NULL). */
function scalarSql(v: string, type: string): Scalar | undefined {
  if (INTEGER.test(type) || type === 'BOOLEAN') return { json: `${v}::VARCHAR`, text: `${v}::VARCHAR` }
  if (type === 'VARCHAR') return { json: jsonString(v), text: v }
  // Exact decimal text, as the source hands DECIMAL over (`DuckDBDecimalValue.toString()`).
  if (DECIMAL.test(type) || type === 'UUID') return quoted(`${v}::VARCHAR`)
  if (type === 'DATE') return quoted(`CASE WHEN ${inYears(v)} THEN ${v}::VARCHAR ELSE ${outOfRange(v)} END`)
  if (TIMESTAMP.test(type)) {
    // The source's ISO form: milliseconds always, microseconds when there are any, `Z` with a zone
    // (taken in UTC, whatever the session's time zone).
    const zoned = type !== 'TIMESTAMP'
    const t = zoned ? `timezone('UTC', ${v})` : v
    const iso = `CASE WHEN ${inYears(t)} THEN strftime(${t}, '%Y-%m-%dT%H:%M:%S.') ||
      CASE WHEN microsecond(${t}) % 1000 = 0 THEN strftime(${t}, '%g') ELSE strftime(${t}, '%f') END
      ${zoned ? `|| 'Z'` : ''} ELSE ${outOfRange(v)} END`
    return quoted(iso)
  }
  return undefined
}

function quoted(text: string): Scalar {
  return { json: `'"' || ${text} || '"'`, text }
}

function inYears(v: string): string {
  return `isfinite(${v}) AND year(${v}) BETWEEN 1 AND 9999`
}

/** Stops the statement: the engine then stages the model in JS, where every value has its form. */
function outOfRange(v: string): string {
  return `error('a value outside years 1-9999 is staged in JS: ' || ${v}::VARCHAR)`
}

/** A string as JSON.stringify writes it; most strings need no escape and skip the replaces. */
function jsonString(v: string): string {
  let escaped = `replace(replace(${v}, '\\', '\\\\'), '"', '\\"')`
  for (let code = 0; code < 0x20; code++) {
    escaped = `replace(${escaped}, chr(${code}), ${sqlText(controlEscape(code))})`
  }
  return `'"' || CASE WHEN regexp_matches(${v}, ${NEEDS_ESCAPE}) THEN ${escaped} ELSE ${v} END || '"'`
}

function controlEscape(code: number): string {
  return JSON.stringify(String.fromCharCode(code)).slice(1, -1)
}

/** The fields of a `STRUCT(name TYPE, "quoted name" TYPE, …)` type; undefined for any other type. */
function structFields(type: string): Array<{ name: string; type: string }> | undefined {
  if (!type.startsWith('STRUCT(') || !type.endsWith(')')) return undefined
  const body = type.slice('STRUCT('.length, -1)
  const fields: Array<{ name: string; type: string }> = []
  let at = 0
  while (at < body.length) {
    let name: string
    if (body[at] === '"') {
      let end = at + 1
      name = ''
      for (;;) {
        if (end >= body.length) return undefined
        if (body[end] === '"') {
          if (body[end + 1] === '"') {
            name += '"'
            end += 2
            continue
          }
          break
        }
        name += body[end]
        end++
      }
      at = end + 1
    } else {
      const space = body.indexOf(' ', at)
      if (space < 0) return undefined
      name = body.slice(at, space)
      at = space
    }
    if (body[at] !== ' ') return undefined
    at++
    // The type runs to the next comma outside parentheses.
    let depth = 0
    let end = at
    while (end < body.length && !(depth === 0 && body[end] === ',')) {
      if (body[end] === '(') depth++
      else if (body[end] === ')') depth--
      end++
    }
    fields.push({ name, type: body.slice(at, end).trim() })
    at = end + 1
    while (body[at] === ' ') at++
  }
  return fields
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}
