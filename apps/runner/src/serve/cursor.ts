import type { RecordPosition } from '@sluice/tracking'

/**
 * The records API's cursor: the position of a page's last row (its batch file and row), so the next
 * page seeks to it instead of counting rows from the start. Opaque to clients: base64url text.
 */
export function encodeRecordsCursor(position: RecordPosition): string {
  return Buffer.from(`k:${position.row}:${position.file}`).toString('base64url')
}

/** The position in a cursor, or undefined when the text is not a cursor this API gives out. */
export function decodeRecordsCursor(cursor: string): RecordPosition | undefined {
  const text = Buffer.from(cursor, 'base64url').toString()
  const match = /^k:(\d{1,15}):([^/\\]+\.parquet)$/.exec(text)
  return match ? { row: Number(match[1]), file: match[2]! } : undefined
}
