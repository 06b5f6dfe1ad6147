/**
 * A1 notation, as the Sheets API reads and writes it: `'Sheet name'!A2:F10`, columns as letters
 * (A … Z, AA …), rows from 1; a sheet name in single quotes with quotes doubled.
 */

/** The column letters of a 0-based column index: 0 → A, 25 → Z, 26 → AA. */
export function columnLetters(index: number): string {
  let n = index + 1
  let out = ''
  while (n > 0) {
    const rem = (n - 1) % 26
    out = String.fromCharCode(65 + rem) + out
    n = Math.floor((n - 1) / 26)
  }
  return out
}

/** The 0-based column index of letters: A → 0, AA → 26. */
export function columnIndex(letters: string): number {
  let n = 0
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64)
  return n - 1
}

/** A sheet name as a range prefix: always quoted, so names with spaces or digits are safe. */
export function quoteSheet(title: string): string {
  return `'${title.replace(/'/g, "''")}'`
}

/** `'Sheet'!B3:E7` for 1-based rows and 0-based columns, both ends inclusive. */
export function rangeOf(sheet: string, firstRow: number, lastRow: number, firstCol: number, lastCol: number) {
  return `${quoteSheet(sheet)}!${columnLetters(firstCol)}${firstRow}:${columnLetters(lastCol)}${lastRow}`
}

/** A parsed range; an absent end means "to the end of the sheet" in that dimension. */
export interface ParsedRange {
  sheet: string
  /** 1-based, inclusive */
  startRow?: number
  endRow?: number
  /** 0-based, inclusive */
  startCol?: number
  endCol?: number
}

const CELL = /^([A-Za-z]*)(\d*)$/

/**
 * Parses `Sheet1!A1:C3`, `'My sheet'!A:A`, `Sheet1!2:2`, `Sheet1` (the whole sheet), `A1:B2` (no sheet:
 * `defaultSheet`). Answers undefined when the text is not a range.
 */
export function parseRange(text: string, defaultSheet?: string): ParsedRange | undefined {
  let sheet: string | undefined
  let cells: string | undefined
  const bang = text.lastIndexOf('!')
  if (text.startsWith("'")) {
    const end = text.indexOf("'!", 1)
    const closing = end >= 0 ? end : text.endsWith("'") ? text.length - 1 : -1
    if (closing < 0) return undefined
    sheet = text.slice(1, closing).replace(/''/g, "'")
    cells = end >= 0 ? text.slice(end + 2) : undefined
  } else if (bang >= 0) {
    sheet = text.slice(0, bang)
    cells = text.slice(bang + 1)
  } else if (/^[A-Za-z]*\d*(:[A-Za-z]*\d*)?$/.test(text) && defaultSheet !== undefined && text !== '') {
    sheet = defaultSheet
    cells = text
  } else sheet = text
  if (!sheet) return undefined
  if (cells === undefined || cells === '') return { sheet }
  const [from, to = from] = cells.split(':') as [string, string?]
  const a = CELL.exec(from)
  const b = CELL.exec(to ?? from)
  if (!a || !b || (!a[1] && !a[2]) || (!b[1] && !b[2])) return undefined
  const out: ParsedRange = { sheet }
  if (a[1]) out.startCol = columnIndex(a[1])
  if (a[2]) out.startRow = Number(a[2])
  if (b[1]) out.endCol = columnIndex(b[1])
  if (b[2]) out.endRow = Number(b[2])
  // A single cell (`B3`) spans itself.
  if (cells.indexOf(':') < 0) {
    out.endCol = out.startCol
    out.endRow = out.startRow
  }
  return out
}
