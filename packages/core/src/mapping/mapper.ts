import type { FieldMapping, SyncConfig } from '../config/schema.js'
import type { Row, Value } from '../contract/records.js'
import type { ColumnInfo } from '../contract/source.js'
import { stringifyExact } from '../engine/json.js'
import { SluiceError } from '../errors.js'
import { type Cast, castValue, isCast } from './cast.js'
import { IntegerFields } from './integer-fields.js'
import { readPath, rootColumn, writePath } from './paths.js'

/**
 * A sync's field mappings, compiled once per run against the model's columns. It turns a model row
 * into the destination payload, and knows the payload that clears every mapped field.
 *
 * Array mappings with mode `add` or `remove` produce `{ "$add": [...] }` / `{ "$remove": [...] }`
 * for that field: a destination that supports adding to or removing from an array reads those; `set`
 * (the default) sends the array itself.
 */
export interface RowMapper {
  /** the identifier's value in a row (undefined or null: a NULL identifier) */
  identifier(row: Row): Value
  /** the destination payload: identifier field first, then every mapping in order */
  payload(row: Row): Record<string, Value>
  /** the payload of mirror's "clear fields": the identifier, and every mapped field set to null */
  clearPayload(identifier: Value): Record<string, Value>
  /** the payload of a delete: only the identifier */
  deletePayload(identifier: Value): Record<string, Value>
  /**
   * Why a payload cannot be sent as mapped: a value its mapping's `cast` could not convert (left as it
   * was by `payload`). Undefined when every cast held.
   */
  castProblem(payload: Record<string, Value>): string | undefined
  /**
   * Fields read back from a payload's JSON text with their types as mapped: bigints (a BIGINT
   * column's values) where the mapper put bigints, small values included (see `IntegerFields`).
   */
  exactTypes(fields: Record<string, Value>): Record<string, Value>
  /**
   * The model columns the payload reads (identifier and mappings), so a query can leave the rest in the
   * warehouse; undefined when every column is needed (sync all properties, or columns unknown).
   */
  readonly columns: readonly string[] | undefined
}

type Mapping = FieldMapping
type Sync = Pick<SyncConfig, 'identifier' | 'mappings' | 'syncAllProperties'>

/**
 * Compiles the mappings. With `columns` (the model's columns), a mapping that reads a column the
 * model does not have is refused with an error naming the mapping.
 */
export function compileMapping(sync: Sync, described?: readonly (string | ColumnInfo)[]): RowMapper {
  const columns = described?.map((c) => (typeof c === 'string' ? c : c.name))
  const mappings = sync.mappings ?? []
  const idColumn = sync.identifier.column
  const idField = sync.identifier.field
  const known = columns ? new Set(columns) : undefined
  if (known) checkColumns(sync, mappings, known)

  const used = new Set<string>([known ? rootColumn(idColumn, known) : idColumn])
  for (const m of mappings) for (const from of sourcesOf(m)) used.add(known ? rootColumn(from, known) : from)
  const extraColumns = sync.syncAllProperties && columns ? columns.filter((column) => !used.has(column)) : []

  const identifier = reader(idColumn)
  const writeId = writer(idField)
  // Paths are split once here, not once per row: this runs for every row of every model.
  const compiled = mappings.map((m) => {
    const write = writer(m.to)
    if ('from' in m) {
      const read = reader(m.from)
      const cast = 'cast' in m ? m.cast : undefined
      if (cast) return (out: Record<string, Value>, row: Row) => write(out, castValue(read(row), cast))
      return (out: Record<string, Value>, row: Row) => write(out, read(row))
    }
    return (out: Record<string, Value>, row: Row) => write(out, mappedValue(m, row))
  })

  const casts = mappings.flatMap((m, i) =>
    'from' in m && 'cast' in m && m.cast
      ? [{ at: `mappings[${i}] (→ ${m.to})`, to: m.to, cast: m.cast as Cast }]
      : [],
  )

  const integers = new IntegerFields(new Set(casts.map((c) => c.to)))
  // Declared types say it up front (a model staged in the warehouse is never mapped here); the values
  // of rows mapped here say it for nested members too.
  for (const column of described ?? []) {
    if (typeof column === 'string' || !INT64.test(column.type.trim())) continue
    if (column.name === idColumn) integers.declare(idField)
    for (const m of mappings) if ('from' in m && m.from === column.name) integers.declare(m.to)
    if (extraColumns.includes(column.name)) integers.declare(column.name)
  }

  return {
    identifier,
    columns: known && !sync.syncAllProperties ? [...used] : undefined,
    payload(row) {
      const out: Record<string, Value> = {}
      writeId(out, identifier(row))
      for (const map of compiled) map(out, row)
      for (const column of extraColumns) if (!(column in out)) out[column] = row[column] ?? null
      integers.note(out)
      return out
    },
    exactTypes: (fields) => integers.restore(fields),
    clearPayload(id) {
      const out: Record<string, Value> = {}
      writePath(out, idField, id)
      for (const m of mappings) writePath(out, m.to, null)
      for (const column of extraColumns) if (!(column in out)) out[column] = null
      return out
    },
    deletePayload(id) {
      const out: Record<string, Value> = {}
      writePath(out, idField, id)
      return out
    },
    castProblem(payload) {
      for (const { at, to, cast } of casts) {
        const value = readPath(payload, to) ?? null
        if (!isCast(value, cast)) return `${at}: ${shown(value)} cannot be cast to ${cast}`
      }
      return undefined
    },
  }
}

/** The 64-bit and wider integer types of DuckDB and Postgres, whose values are `bigint`s. */
const INT64 = /^(bigint|int8|hugeint|ubigint|uhugeint|int128|long)$/i

function shown(value: Value): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : stringifyExact(value)
  return text.length > 60 ? `${text.slice(0, 57)}…` : text
}

function reader(path: string): (row: Row) => Value {
  if (!path.includes('.')) return (row) => row[path] ?? null
  return (row) => readPath(row, path) ?? null
}

function writer(path: string): (out: Record<string, Value>, value: Value) => void {
  if (!path.includes('.')) {
    return (out, value) => {
      out[path] = value
    }
  }
  return (out, value) => writePath(out, path, value)
}

function mappedValue(m: Mapping, row: Row): Value {
  if ('from' in m) return readPath(row, m.from) ?? null
  if ('constant' in m) return (m.constant ?? null) as Value
  if ('object' in m) {
    const out: Record<string, Value> = {}
    for (const inner of m.object)
      writePath(
        out,
        inner.to,
        'from' in inner ? (readPath(row, inner.from) ?? null) : ((inner.constant ?? null) as Value),
      )
    return out
  }
  const list = readPath(row, m.array.from)
  if (list === null || list === undefined) return null
  const items = Array.isArray(list) ? list : [list]
  const renames = m.array.items
  const elements = renames
    ? items.map((item) => {
        const out: Record<string, Value> = {}
        const element = (item !== null && typeof item === 'object' && !Array.isArray(item) ? item : {}) as Row
        for (const r of renames) writePath(out, r.to, readPath(element, r.from) ?? null)
        return out as Value
      })
    : items
  const mode = m.array.mode ?? 'set'
  return mode === 'set' ? elements : { [`$${mode}`]: elements }
}

function sourcesOf(m: Mapping): string[] {
  if ('from' in m) return [m.from]
  if ('object' in m) return m.object.flatMap((inner) => ('from' in inner ? [inner.from] : []))
  if ('array' in m) return [m.array.from]
  return []
}

function checkColumns(sync: Sync, mappings: readonly Mapping[], columns: ReadonlySet<string>): void {
  const problems: string[] = []
  const has = (path: string) => columns.has(path) || columns.has(path.split('.')[0] as string)
  if (!has(sync.identifier.column))
    problems.push(`identifier.column: the model has no column "${sync.identifier.column}"`)
  mappings.forEach((m, i) => {
    for (const from of sourcesOf(m))
      if (!has(from)) problems.push(`mappings[${i}] (→ ${m.to}): the model has no column "${from}"`)
  })
  if (problems.length > 0) {
    throw new SluiceError('config', `the mappings do not fit the model: ${problems.join('; ')}`, {
      code: 'INVALID_MAPPING',
      hint: `The model's columns are: ${[...columns].join(', ')}.`,
    })
  }
}
