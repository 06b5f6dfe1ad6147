import type { Value } from '../contract/records.js'

const ISO_TIMESTAMP = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2})(\.\d+)?(.*)$/

/**
 * Orders cursor values: numbers and bigints by value, ISO timestamps by instant-text with their
 * fractions padded (so `.5Z` sorts after `.123456Z`), other text by code point.
 */
export function compareCursor(a: Value, b: Value): number {
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    return a < b ? -1 : a > b ? 1 : 0
  }
  const x = sortableText(a)
  const y = sortableText(b)
  return x < y ? -1 : x > y ? 1 : 0
}

/** The larger of two cursor values; NULL never wins. */
export function maxCursor(current: Value | undefined, candidate: Value): Value | undefined {
  if (candidate === null || candidate === undefined) return current
  if (current === undefined || current === null) return candidate
  return compareCursor(candidate, current) > 0 ? candidate : current
}

function sortableText(value: Value): string {
  const text =
    typeof value === 'string'
      ? value
      : JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
  const match = ISO_TIMESTAMP.exec(text)
  if (!match) return text
  const fraction = (match[2] ?? '.').slice(1).padEnd(9, '0')
  return `${match[1]?.replace(' ', 'T')}.${fraction}${match[3]}`
}
