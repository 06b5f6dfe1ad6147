import type { Value } from '../contract/records.js'

/**
 * Where a sync's payloads hold 64-bit integers. A source hands every value of a BIGINT column over as
 * a `bigint`, whatever its size, so the column has one type; but the payload travels through the diff
 * as JSON text, where `42` reads back as a number and only integers beyond 2^53 as bigints. The
 * mapper notes the paths at which it put a bigint into a payload, and the record read back from the
 * diff gets bigints at those paths again, small values included: one type per field in every record.
 *
 * Every row sent in a run was mapped in that run (the model is staged before the diff), so a field
 * that holds a non-null value in a record sent was noted if its column is a BIGINT column.
 */
export class IntegerFields {
  /** paths of payload fields: keys joined by U+0000, `[]` for "any element of an array" */
  private readonly paths = new Set<string>()
  /** every proper prefix of a path: where to look deeper */
  private readonly prefixes = new Set<string>()

  /** `cast` decides the type of these fields (dotted mapping targets): they are never noted */
  constructor(private readonly cast: ReadonlySet<string> = new Set()) {}

  /** notes a field (a dotted mapping target) as holding 64-bit integers, from its column's declared type */
  declare(field: string): void {
    this.add(field.split('.').join(SEP))
  }

  /** notes where a payload holds bigints (called for every mapped row) */
  note(payload: Record<string, Value>): void {
    for (const key in payload) {
      const value = payload[key] as Value
      if (typeof value === 'bigint') this.add(key)
      else if (value !== null && typeof value === 'object') this.noteDeep(value, key)
    }
  }

  /**
   * The fields read back from JSON text, with bigints again where the mapper put them. The fields are
   * the caller's own, just parsed: when every noted path is a top-level field (the usual BIGINT
   * column mapped to a field), those fields are changed in place and nothing else is read or copied.
   */
  restore(fields: Record<string, Value>): Record<string, Value> {
    if (this.paths.size === 0) return fields
    if (this.prefixes.size > 0) return this.restoreAt(fields, undefined) as Record<string, Value>
    for (const path of this.paths) {
      const value = fields[path]
      if (value === undefined) continue
      const restored = this.restoreAt(value, path)
      if (restored !== value) fields[path] = restored
    }
    return fields
  }

  private add(path: string): void {
    if (this.paths.has(path) || this.cast.has(path.replaceAll(SEP, '.'))) return
    this.paths.add(path)
    for (let at = path.indexOf(SEP); at >= 0; at = path.indexOf(SEP, at + 1))
      this.prefixes.add(path.slice(0, at))
  }

  private noteDeep(value: Value, path: string): void {
    if (typeof value === 'bigint') this.add(path)
    else if (Array.isArray(value)) {
      for (const item of value)
        if (item !== null && typeof item !== 'string') this.noteDeep(item, `${path}${SEP}[]`)
    } else if (value !== null && typeof value === 'object') {
      for (const key in value) {
        const item = value[key] as Value
        if (item !== null && typeof item !== 'string') this.noteDeep(item, `${path}${SEP}${key}`)
      }
    }
  }

  private restoreAt(value: Value, path: string | undefined): Value {
    if (typeof value === 'number') {
      return path !== undefined && Number.isInteger(value) && this.paths.has(path) ? BigInt(value) : value
    }
    // A removed row's identifier is known only as text (the snapshot's key).
    if (typeof value === 'string') {
      return path !== undefined && this.paths.has(path) && /^-?\d+$/.test(value) ? BigInt(value) : value
    }
    if (value === null || typeof value !== 'object') return value
    if (path !== undefined && !this.prefixes.has(path)) return value
    if (Array.isArray(value)) {
      const inner = `${path}${SEP}[]`
      return value.map((item) => this.restoreAt(item, inner))
    }
    const out: Record<string, Value> = {}
    for (const key in value)
      out[key] = this.restoreAt(value[key] as Value, path === undefined ? key : `${path}${SEP}${key}`)
    return out
  }
}

const SEP = '\u0000'
