import type { Row, Value } from '../contract/records.js'

/**
 * Reads a column, or a path into a STRUCT/JSON column (`profile.tier`). A column whose name itself
 * contains dots wins over a path, so `a.b` finds the column named `a.b` first.
 */
export function readPath(row: Row, path: string): Value | undefined {
  if (path in row) return row[path]
  const parts = path.split('.')
  let current: Value | undefined = row
  for (const part of parts) {
    if (current === null || current === undefined || typeof current !== 'object' || Array.isArray(current))
      return undefined
    current = (current as Record<string, Value>)[part]
  }
  return current
}

/** The column a path starts from: the whole path when a column has that name, else its first part. */
export function rootColumn(path: string, columns: ReadonlySet<string>): string {
  return columns.has(path) ? path : (path.split('.')[0] as string)
}

/** Writes a value at a destination field path, creating the objects on the way (`address.city`). */
export function writePath(target: Record<string, Value>, path: string, value: Value): void {
  const parts = path.split('.')
  let current = target
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string
    const next = current[part]
    if (next === null || next === undefined || typeof next !== 'object' || Array.isArray(next)) {
      const created: Record<string, Value> = {}
      current[part] = created
      current = created
    } else {
      current = next as Record<string, Value>
    }
  }
  current[parts[parts.length - 1] as string] = value
}
