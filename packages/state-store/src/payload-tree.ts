import type { SyncConfig } from '@sluice/core'

/**
 * The payload object as `mapper.payload` builds it (`writePath`: fields in insertion order, nested
 * where a field path has dots), as a tree of SQL expressions that each give a value's JSON text.
 * Shared by the stores that build staged payloads in SQL (Postgres and DuckDB both concatenate text
 * with `||` and quote string literals the same way).
 */
export type PayloadNode = { kind: 'leaf'; sql: string } | { kind: 'object'; fields: Map<string, PayloadNode> }

/** Integer-like keys come first in a JS object whatever the order they were written in. */
export const INDEX_LIKE = /^(0|[1-9]\d*)$/

/** Writes a leaf at a dotted field path; a reason when the path cannot keep its order in JS. */
export function writeLeaf(root: Map<string, PayloadNode>, path: string, sql: string): string | undefined {
  const parts = path.split('.')
  if (parts.some((part) => INDEX_LIKE.test(part))) return `the field "${path}" has an index-like name`
  let current = root
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string
    const next = current.get(part)
    if (next?.kind === 'object') current = next.fields
    else {
      // As writePath: a scalar in the way is replaced by an object, in the scalar's place.
      const created: PayloadNode = { kind: 'object', fields: new Map() }
      current.set(part, created)
      current = created.fields
    }
  }
  current.set(parts[parts.length - 1] as string, { kind: 'leaf', sql })
  return undefined
}

/** The SQL expression giving the whole object's JSON text, as `JSON.stringify` writes it. */
export function renderObject(fields: Map<string, PayloadNode>): string {
  const pieces: string[] = []
  let first = true
  for (const [key, node] of fields) {
    pieces.push(sqlText(`${first ? '{' : ','}${JSON.stringify(key)}:`))
    pieces.push(node.kind === 'leaf' ? node.sql : renderObject(node.fields))
    first = false
  }
  if (first) return sqlText('{}')
  return `${pieces.join(' || ')} || '}'`
}

/** A SQL string literal: single quotes doubled (standard SQL in both DuckDB and Postgres). */
export function sqlText(text: string): string {
  return `'${text.replace(/'/g, "''")}'`
}

/** The parts of a sync that decide its payload. */
export type PayloadSync = Pick<SyncConfig, 'identifier' | 'mappings' | 'syncAllProperties'>

/**
 * The SQL expression of a sync's payload JSON text: the identifier field, then each plain mapping in
 * order, as the mapper writes them. `column` gives a column's JSON-text expression, or the reason the
 * store cannot write it; anything else the mapper does (casts, object and array mappings, sync all
 * properties) is a reason too, and the engine then maps the rows in JS.
 */
export function mappedPayloadSql(
  sync: PayloadSync,
  identifierJson: string,
  column: (name: string) => { json: string } | string,
): { payload: string } | { unsupported: string } {
  if (sync.syncAllProperties) return { unsupported: 'sync all properties' }
  const root = new Map<string, PayloadNode>()
  const problem = writeLeaf(root, sync.identifier.field, identifierJson)
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
      sql = sqlText(JSON.stringify(mapping.constant ?? null))
    } else {
      return { unsupported: `the mapping to "${mapping.to}" is an object or array mapping` }
    }
    const clash = writeLeaf(root, mapping.to, sql)
    if (clash) return { unsupported: clash }
  }
  return { payload: renderObject(root) }
}
