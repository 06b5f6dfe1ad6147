import { type ParsedRange, parseRange, quoteSheet } from '../a1.js'
import { MAX_CELL_CHARS, MAX_SPREADSHEET_CELLS } from '../cells.js'

/** A cell as the fake keeps it: a value, or a formula (USER_ENTERED text starting with "="). */
export type FakeCell = string | number | boolean | { formula: string }

export interface FakeSheet {
  sheetId: number
  title: string
  rowCount: number
  columnCount: number
  /** rows[r][c], 0-based; undefined is an empty cell */
  rows: Array<Array<FakeCell | undefined> | undefined>
}

/** An error in Google's shape: `{"error":{"code","message","status"}}`. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: string,
    message: string,
  ) {
    super(message)
  }
}

export const invalidArgument = (message: string) => new ApiError(400, 'INVALID_ARGUMENT', message)

/** A new sheet's grid, as Google makes it. */
const DEFAULT_ROWS = 1000
const DEFAULT_COLUMNS = 26

/**
 * One in-memory spreadsheet: sheets of cells with grid sizes, A1 ranges, and the limits Google
 * enforces on writes (50,000 characters a cell, 10 million cells a spreadsheet).
 */
export class FakeSpreadsheet {
  readonly sheets: FakeSheet[] = []
  private nextSheetId = 0

  constructor(
    readonly spreadsheetId: string,
    readonly title: string,
    /** principals (service account emails, user emails) that may edit it */
    readonly editors: Set<string>,
    sheetTitles: string[] = ['Sheet1'],
  ) {
    for (const t of sheetTitles) this.addSheet(t)
  }

  addSheet(title: string, rowCount = DEFAULT_ROWS, columnCount = DEFAULT_COLUMNS): FakeSheet {
    if (this.sheets.some((s) => s.title === title)) {
      throw invalidArgument(
        `Invalid requests[0].addSheet: A sheet with the name "${title}" already exists. Please enter another name.`,
      )
    }
    this.assertCells(this.cellCount() + rowCount * columnCount)
    const sheet: FakeSheet = { sheetId: this.nextSheetId++, title, rowCount, columnCount, rows: [] }
    this.sheets.push(sheet)
    return sheet
  }

  sheet(title: string): FakeSheet {
    const sheet = this.sheets.find((s) => s.title === title)
    if (!sheet) throw invalidArgument(`Unable to parse range: ${quoteSheet(title)}`)
    return sheet
  }

  sheetById(sheetId: number): FakeSheet {
    const sheet = this.sheets.find((s) => s.sheetId === sheetId)
    if (!sheet) throw invalidArgument(`No grid with id: ${sheetId}`)
    return sheet
  }

  cellCount(): number {
    return this.sheets.reduce((sum, s) => sum + s.rowCount * s.columnCount, 0)
  }

  assertCells(total: number): void {
    if (total > MAX_SPREADSHEET_CELLS) {
      throw invalidArgument(
        `This action would increase the number of cells in the workbook above the limit of ${MAX_SPREADSHEET_CELLS} cells.`,
      )
    }
  }

  /** Parses a range of this spreadsheet (a bare sheet name or cells on the first sheet). */
  range(text: string): { sheet: FakeSheet; range: ParsedRange } {
    const parsed = parseRange(text, this.sheets[0]?.title)
    if (!parsed) throw invalidArgument(`Unable to parse range: ${text}`)
    return { sheet: this.sheet(parsed.sheet), range: parsed }
  }

  /** Values of a range by rows, trailing empty rows and cells left out, as `values.get` answers. */
  read(text: string, render: (cell: FakeCell) => unknown): { range: string; values: unknown[][] } {
    const { sheet, range } = this.range(text)
    const firstRow = range.startRow ?? 1
    const lastRow = range.endRow ?? sheet.rowCount
    const firstCol = range.startCol ?? 0
    const lastCol = range.endCol ?? sheet.columnCount - 1
    if (lastRow > sheet.rowCount || lastCol >= sheet.columnCount) {
      throw invalidArgument(
        `Range (${quoteSheet(sheet.title)}!${text.split('!').pop()}) exceeds grid limits. Max rows: ${sheet.rowCount}, max columns: ${sheet.columnCount}`,
      )
    }
    const values: unknown[][] = []
    for (let r = firstRow; r <= Math.min(lastRow, sheet.rows.length); r++) {
      const source = sheet.rows[r - 1] ?? []
      const row: unknown[] = []
      for (let c = firstCol; c <= Math.min(lastCol, source.length - 1); c++) {
        const cell = source[c]
        row.push(cell === undefined ? '' : render(cell))
      }
      while (row.length > 0 && row[row.length - 1] === '') row.pop()
      values.push(row)
    }
    while (values.length > 0 && values[values.length - 1]!.length === 0) values.pop()
    return { range: text, values }
  }

  /**
   * Writes rows of values at a range's top-left cell, growing the grid as Google does. `null` skips a
   * cell, "" empties it. Answers the range written, in A1.
   */
  write(
    text: string,
    values: unknown[][],
    parse: (value: unknown) => FakeCell | undefined,
    dryRun = false,
  ): {
    sheet: FakeSheet
    firstRow: number
    lastRow: number
    firstCol: number
    lastCol: number
    cells: number
  } {
    const { sheet, range } = this.range(text)
    const firstRow = range.startRow ?? 1
    const firstCol = range.startCol ?? 0
    const width = Math.max(1, ...values.map((r) => r.length))
    // A single cell is an anchor: the values extend from it, as far as they go.
    const anchored = !(text.split('!').pop() ?? '').includes(':')
    if (!anchored && range.endRow !== undefined && firstRow + values.length - 1 > range.endRow) {
      throw invalidArgument(
        `Requested writing within range [${text}], but tried writing to row [${firstRow + values.length}]`,
      )
    }
    if (!anchored && range.endCol !== undefined && firstCol + width - 1 > range.endCol) {
      throw invalidArgument(
        `Requested writing within range [${text}], but tried writing to column [${firstCol + width}]`,
      )
    }
    for (const row of values) {
      for (const value of row) {
        if (typeof value === 'string' && value.length > MAX_CELL_CHARS) {
          throw invalidArgument(
            `Your input contains more than the maximum of ${MAX_CELL_CHARS} characters in a single cell.`,
          )
        }
        if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
          throw invalidArgument(`Invalid values[${values.indexOf(row)}]: ${JSON.stringify(value)}`)
        }
      }
    }
    const lastRow = firstRow + values.length - 1
    const lastCol = firstCol + width - 1
    const rowCount = Math.max(sheet.rowCount, lastRow)
    const columnCount = Math.max(sheet.columnCount, lastCol + 1)
    this.assertCells(this.cellCount() - sheet.rowCount * sheet.columnCount + rowCount * columnCount)
    if (dryRun) return { sheet, firstRow, lastRow, firstCol, lastCol, cells: 0 }
    sheet.rowCount = rowCount
    sheet.columnCount = columnCount
    let cells = 0
    values.forEach((row, i) => {
      const r = firstRow - 1 + i
      sheet.rows[r] ??= []
      const target = sheet.rows[r] as Array<FakeCell | undefined>
      row.forEach((value, j) => {
        if (value === null || value === undefined) return
        target[firstCol + j] = parse(value)
        cells += 1
      })
    })
    return { sheet, firstRow, lastRow, firstCol, lastCol, cells }
  }

  /** The row after the last one holding a value in the range's columns: where `values.append` writes. */
  appendRow(text: string): number {
    const { sheet, range } = this.range(text)
    const firstCol = range.startCol ?? 0
    const lastCol = range.endCol ?? sheet.columnCount - 1
    for (let r = sheet.rows.length - 1; r >= 0; r--) {
      const row = sheet.rows[r]
      if (!row) continue
      for (let c = firstCol; c <= Math.min(lastCol, row.length - 1); c++) {
        if (row[c] !== undefined) return r + 2
      }
    }
    return range.startRow ?? 1
  }

  /** A copy of every sheet, to put back when a request fails part-way (requests apply whole or not at all). */
  snapshot(): FakeSheet[] {
    return this.sheets.map((s) => ({ ...s, rows: s.rows.map((r) => r?.slice()) }))
  }

  restore(snapshot: FakeSheet[]): void {
    this.sheets.splice(0, this.sheets.length, ...snapshot)
  }

  clear(text: string): void {
    const { sheet, range } = this.range(text)
    const lastRow = Math.min(range.endRow ?? sheet.rows.length, sheet.rows.length)
    for (let r = (range.startRow ?? 1) - 1; r < lastRow; r++) {
      const row = sheet.rows[r]
      if (!row) continue
      const lastCol = Math.min(range.endCol ?? row.length - 1, row.length - 1)
      for (let c = range.startCol ?? 0; c <= lastCol; c++) row[c] = undefined
    }
  }

  /** Deletes rows or columns `[startIndex, endIndex)` (0-based), shifting the rest. */
  deleteDimension(sheet: FakeSheet, dimension: string, startIndex: number, endIndex: number): void {
    const count = endIndex - startIndex
    if (!(startIndex >= 0 && count > 0))
      throw invalidArgument('Invalid requests[0].deleteDimension: bad range')
    if (dimension === 'ROWS') {
      if (endIndex > sheet.rowCount)
        throw invalidArgument(`Invalid requests[0].deleteDimension: range is out of bounds`)
      if (count >= sheet.rowCount) {
        throw invalidArgument(
          "Invalid requests[0].deleteDimension: You can't delete all the rows on the sheet.",
        )
      }
      sheet.rows.splice(startIndex, count)
      sheet.rowCount -= count
    } else {
      if (endIndex > sheet.columnCount)
        throw invalidArgument(`Invalid requests[0].deleteDimension: range is out of bounds`)
      if (count >= sheet.columnCount) {
        throw invalidArgument(
          "Invalid requests[0].deleteDimension: You can't delete all the columns on the sheet.",
        )
      }
      for (const row of sheet.rows) row?.splice(startIndex, count)
      sheet.columnCount -= count
    }
  }

  /** Inserts empty rows or columns before `startIndex`. */
  insertDimension(sheet: FakeSheet, dimension: string, startIndex: number, endIndex: number): void {
    const count = endIndex - startIndex
    const limit = dimension === 'ROWS' ? sheet.rowCount : sheet.columnCount
    if (!(startIndex >= 0 && count > 0 && startIndex <= limit))
      throw invalidArgument('Invalid requests[0].insertDimension: bad range')
    if (dimension === 'ROWS') {
      this.assertCells(this.cellCount() + count * sheet.columnCount)
      if (startIndex < sheet.rows.length)
        sheet.rows.splice(startIndex, 0, ...new Array(count).fill(undefined))
      sheet.rowCount += count
    } else {
      this.assertCells(this.cellCount() + count * sheet.rowCount)
      for (const row of sheet.rows)
        if (row && startIndex < row.length) row.splice(startIndex, 0, ...new Array(count))
      sheet.columnCount += count
    }
  }

  /** Adds empty rows or columns at the end. */
  appendDimension(sheet: FakeSheet, dimension: string, length: number): void {
    if (!(length > 0)) throw invalidArgument('Invalid requests[0].appendDimension: length must be positive')
    if (dimension === 'ROWS') {
      this.assertCells(this.cellCount() + length * sheet.columnCount)
      sheet.rowCount += length
    } else {
      this.assertCells(this.cellCount() + length * sheet.rowCount)
      sheet.columnCount += length
    }
  }
}
