import { type Logger, SluiceError } from '@sluice/core'
import { columnLetters, quoteSheet, rangeOf } from './a1.js'
import type { SheetProperties, SheetsApi, Spreadsheet } from './api.js'
import { MAX_SPREADSHEET_CELLS } from './cells.js'

/**
 * What the connector knows of one sheet (tab) during a connection: the header row it owns, where
 * each record's row is (read once from the key column, then kept up to date as rows are appended and
 * deleted), and the grid's size, for the 10-million-cell limit.
 */
export interface SheetState {
  title: string
  sheetId: number
  /** row 1 as read and as extended by the connector; '' where a header cell is empty */
  header: string[]
  /** header name → 0-based column (the first column of that name) */
  columns: Map<string, number>
  /** the key column, once the header has one */
  keyColumn: number | undefined
  /** key value → 1-based row */
  rows: Map<string, number>
  /** the last row the connector knows to hold data (1 when only the header) */
  lastRow: number
  gridRows: number
  gridColumns: number
}

/** Grid cells of the whole spreadsheet, kept as the connector grows and shrinks its sheets. */
export interface SpreadsheetCells {
  total: number
}

export function gridOf(properties: SheetProperties): { rows: number; columns: number } {
  return {
    rows: properties.gridProperties?.rowCount ?? 1000,
    columns: properties.gridProperties?.columnCount ?? 26,
  }
}

export function cellsOf(spreadsheet: Spreadsheet): number {
  return spreadsheet.sheets.reduce((sum, s) => {
    const grid = gridOf(s.properties)
    return sum + grid.rows * grid.columns
  }, 0)
}

/** The key as the index holds it: the identifier's text, as the engine gives it. */
export function keyText(value: unknown): string | undefined {
  if (value === null || value === undefined || value === '') return undefined
  return typeof value === 'string' ? value : String(value)
}

/**
 * Reads a sheet's header and, when the header has the key column, the key column itself, building
 * the row index. Duplicate keys in the sheet (rows someone copied) keep their first row.
 */
export async function loadSheet(
  api: SheetsApi,
  properties: SheetProperties,
  keyField: string,
  log: Logger,
  signal?: AbortSignal,
): Promise<SheetState> {
  const grid = gridOf(properties)
  const [first = []] = await api.getValues(`${quoteSheet(properties.title)}!1:1`, signal)
  const header = first.map((v) => (v === null || v === undefined ? '' : String(v)))
  const state: SheetState = {
    title: properties.title,
    sheetId: properties.sheetId,
    header,
    columns: new Map(),
    keyColumn: undefined,
    rows: new Map(),
    lastRow: header.length > 0 ? 1 : 0,
    gridRows: grid.rows,
    gridColumns: grid.columns,
  }
  header.forEach((name, i) => {
    if (name && !state.columns.has(name)) state.columns.set(name, i)
  })
  state.keyColumn = state.columns.get(keyField)
  if (state.keyColumn !== undefined) {
    const letter = columnLetters(state.keyColumn)
    const values = await api.getValues(`${quoteSheet(properties.title)}!${letter}2:${letter}`, signal)
    let duplicates = 0
    values.forEach((row, i) => {
      const key = keyText(row[0])
      if (key === undefined) return
      if (state.rows.has(key)) duplicates += 1
      else state.rows.set(key, i + 2)
      state.lastRow = Math.max(state.lastRow, i + 2)
    })
    if (duplicates > 0) {
      log.warn(
        `sheet "${properties.title}" holds ${duplicates} rows whose ${keyField} repeats an earlier row's; the first of each is the one synced`,
      )
    }
  }
  return state
}

/**
 * Adds the fields the header lacks, at its end, in the order given: the key column first on a new
 * sheet. Columns someone else added are left where they are. Widens the grid first when the header
 * outgrows it, refusing to pass the spreadsheet's cell limit.
 */
export async function ensureColumns(
  api: SheetsApi,
  state: SheetState,
  keyField: string,
  fields: readonly string[],
  cells: SpreadsheetCells,
  signal?: AbortSignal,
): Promise<void> {
  const missing = fields.filter((f) => !state.columns.has(f))
  if (missing.length === 0) return
  const start = state.header.length
  const end = start + missing.length - 1
  if (end >= state.gridColumns) {
    const add = end + 1 - state.gridColumns
    const grown = cells.total + add * state.gridRows
    if (grown > MAX_SPREADSHEET_CELLS) {
      throw new SluiceError(
        'config',
        `adding the column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} to sheet "${state.title}" would take the spreadsheet to ${grown.toLocaleString('en-US')} cells, above Google Sheets' limit of ${MAX_SPREADSHEET_CELLS.toLocaleString('en-US')}.`,
        {
          code: 'CELL_LIMIT',
          component: 'sheets',
          hint: 'Map fewer fields, delete unused rows or sheets, or sync into another spreadsheet.',
        },
      )
    }
    await api.batchUpdate(
      [{ appendDimension: { sheetId: state.sheetId, dimension: 'COLUMNS', length: add } }],
      signal,
    )
    state.gridColumns += add
    cells.total = grown
  }
  await api.updateValues([{ range: rangeOf(state.title, 1, 1, start, end), values: [missing] }], signal)
  missing.forEach((name, i) => {
    state.header[start + i] = name
    state.columns.set(name, start + i)
  })
  state.keyColumn ??= state.columns.get(keyField)
  state.lastRow = Math.max(state.lastRow, 1)
}
