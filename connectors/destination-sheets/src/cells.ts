import type { Value } from '@sluice/core'

/** The most characters a Google Sheets cell holds. */
export const MAX_CELL_CHARS = 50_000

/** The most cells a spreadsheet holds, across all its sheets (grid cells, filled or not). */
export const MAX_SPREADSHEET_CELLS = 10_000_000

/** What a cell is sent as: the Sheets API takes strings, numbers and booleans ("" empties a cell). */
export type CellValue = string | number | boolean

/** Digits beyond which a number in text would lose precision as a double. */
const EXACT_DIGITS = 15

/**
 * A model value as the cell it becomes.
 * - NULL → "" (an empty cell; JSON `null` would leave the cell as it was).
 * - numbers → numbers; NaN and ±Infinity (not JSON) → their text.
 * - BIGINT within ±2^53 → a number; beyond → its exact digits as text (a double would round it).
 * - DECIMAL arrives as exact text and stays text; dates and timestamps arrive as ISO text and stay
 *   text, which sorts and reads the same in every locale (USER_ENTERED turns them into dates).
 * - objects and arrays → their JSON.
 *
 * With USER_ENTERED, text that Sheets would read as a number it cannot hold exactly (a long DECIMAL
 * or BIGINT) is prefixed with `'`, which Sheets takes as "this is text" and does not show.
 */
export function toCell(value: Value | undefined, userEntered: boolean): CellValue {
  if (value === null || value === undefined) return ''
  switch (typeof value) {
    case 'boolean':
      return value
    case 'number':
      return Number.isFinite(value) ? value : String(value)
    case 'bigint':
      return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
        ? Number(value)
        : userEntered
          ? `'${value}`
          : String(value)
    case 'string':
      return userEntered && losesPrecision(value) ? `'${value}` : value
    default:
      return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
  }
}

/** Text that USER_ENTERED would parse as a number with more digits than a double keeps. */
function losesPrecision(text: string): boolean {
  if (!/^[+-]?\d+(\.\d+)?$/.test(text)) return false
  return text.replace(/^[+-]?0*/, '').replace('.', '').length > EXACT_DIGITS
}

/** The length Sheets counts for a cell's content. */
export function cellLength(cell: CellValue): number {
  return typeof cell === 'string' ? cell.length : String(cell).length
}

/**
 * Why a row of cells cannot be written, or undefined when it can: a cell over 50,000 characters, or
 * a row that alone is larger than a request may be.
 */
export function rowProblem(
  header: readonly string[],
  cells: ReadonlyArray<CellValue | null>,
  maxRequestBytes: number,
): string | undefined {
  for (const [i, cell] of cells.entries()) {
    if (cell === null) continue
    const length = cellLength(cell)
    if (length > MAX_CELL_CHARS) {
      return `field "${header[i]}" holds ${length.toLocaleString('en-US')} characters; a Google Sheets cell holds at most ${MAX_CELL_CHARS.toLocaleString('en-US')}`
    }
  }
  const bytes = Buffer.byteLength(JSON.stringify(cells))
  if (bytes > maxRequestBytes - 1_000) {
    return `the row is ${bytes.toLocaleString('en-US')} bytes as JSON, more than one request to Google Sheets may carry (${maxRequestBytes.toLocaleString('en-US')} bytes)`
  }
  return undefined
}
