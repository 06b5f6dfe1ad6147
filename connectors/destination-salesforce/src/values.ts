import type { Value } from '@sluice/core/contract'

/**
 * Model values as Salesforce takes them. Multi-select picklists are `;`-joined lists; other arrays and
 * objects are sent as JSON text (a long text area holds them); a BIGINT column's values are bigints,
 * sent as exact JSON numbers whatever their size (and as their digits in Bulk CSV).
 * An empty string is null in Salesforce, so it is sent as null.
 */
export function toJsonValue(value: Value | undefined): string | number | bigint | boolean | null {
  if (value === null || value === undefined || value === '') return null
  if (typeof value === 'bigint') return value
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(';')
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
}

/** In Bulk API 2.0 CSV an empty cell leaves a field as it is; `#N/A` sets it to null. */
export const CSV_NULL = '#N/A'

export function toCsvCell(value: Value | undefined): string {
  const v = toJsonValue(value)
  return v === null ? CSV_NULL : String(v)
}

/** The text form of a value, as validation measures it against a field's length. */
export function textOf(value: Value | undefined): string | undefined {
  const v = toJsonValue(value)
  return v === null ? undefined : String(v)
}
