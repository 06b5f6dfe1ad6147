import {
  type Logger,
  type OutboundRecord,
  type RecordResult,
  rejected,
  SluiceError,
  succeeded,
  type WriteBatch,
} from '@sluice/core'
import { columnLetters, quoteSheet, rangeOf } from './a1.js'
import { InvalidWrite, type SheetProperties, type SheetsApi, type ValueRange } from './api.js'
import { type CellValue, MAX_SPREADSHEET_CELLS, rowProblem, toCell } from './cells.js'
import {
  cellsOf,
  ensureColumns,
  gridOf,
  loadSheet,
  type SheetState,
  type SpreadsheetCells,
} from './sheet-state.js'

export interface WriterSettings {
  createSheets: boolean
  maxRequestBytes: number
  userEntered: boolean
}

/** Bytes kept free in every request for the JSON around the values. */
const ENVELOPE_BYTES = 1_000
/** What a value range's JSON adds around its values, a long sheet name included. */
const RANGE_BYTES = 300
/** About what one deleteDimension request weighs as JSON. */
const DELETE_REQUEST_BYTES = 120

/** One record's row, ready to be written. */
interface Piece {
  index: number
  key: string
  row: number
  cells: Array<CellValue | null>
  bytes: number
}

/**
 * Applies batches to the sheets of one spreadsheet. It keeps, for the connection's lifetime, each
 * sheet's header and row index, so a run reads a key column once; the index follows every append and
 * deletion. After any failure the sheet's state is read again on the next batch.
 *
 * Requests are as few as the 2 MB guideline allows: changed rows are written with one
 * `values.batchUpdate` carrying many ranges (consecutive rows merged into one range), new rows with
 * `values.append`, removed rows with one `spreadsheets.batchUpdate` of deleteDimension requests,
 * bottom-up so no deletion moves a row still to be deleted. A batch in which every row changed is
 * therefore a block rewrite in chunks of at most 2 MB.
 */
export class SheetWriter {
  private spreadsheet: Promise<{ sheets: Map<string, SheetProperties>; cells: SpreadsheetCells }> | undefined
  private readonly states = new Map<string, Promise<SheetState | undefined>>()
  private runId: string | undefined

  constructor(
    private readonly api: SheetsApi,
    private readonly settings: WriterSettings,
    private readonly log: Logger,
  ) {}

  /** The connector's own check of each record: cell and request size limits, before anything is sent. */
  validate(batch: WriteBatch): Array<string | undefined> {
    return batch.records.map((record) => {
      if (batch.operation === 'delete') return undefined
      const names = Object.keys(record.fields)
      const cells = names.map((name) => toCell(record.fields[name], this.settings.userEntered))
      return rowProblem(names, cells, this.settings.maxRequestBytes)
    })
  }

  async write(batch: WriteBatch, signal: AbortSignal, runId?: string): Promise<RecordResult[]> {
    // A new run reads every sheet afresh: people may have sorted or edited it since the last one.
    if (runId !== undefined && runId !== this.runId) {
      this.runId = runId
      this.states.clear()
      this.spreadsheet = undefined
    }
    try {
      return await this.apply(batch, signal)
    } catch (error) {
      // What the sheet holds now is uncertain: read it again before the next batch.
      this.states.delete(batch.object)
      this.spreadsheet = undefined
      if (error instanceof InvalidWrite) {
        throw new SluiceError('config', `${error.message} (sheet "${batch.object}")`, {
          code: 'INVALID_ARGUMENT',
          component: 'sheets',
          cause: error,
        })
      }
      throw error
    }
  }

  /** The spreadsheet's sheets and cell count, read once per connection. */
  async sheets(signal?: AbortSignal) {
    this.spreadsheet ??= this.api.getSpreadsheet(signal).then((s) => ({
      sheets: new Map(s.sheets.map((sheet) => [sheet.properties.title, sheet.properties])),
      cells: { total: cellsOf(s) },
    }))
    try {
      return await this.spreadsheet
    } catch (error) {
      this.spreadsheet = undefined
      throw error
    }
  }

  private async apply(batch: WriteBatch, signal: AbortSignal): Promise<RecordResult[]> {
    const results: RecordResult[] = new Array(batch.records.length)
    const create = batch.operation !== 'delete'
    const state = await this.state(batch.object, batch.identifierField, create, signal)
    if (!state) {
      // Nothing to delete in a sheet that does not exist.
      return batch.records.map(() => succeeded)
    }
    const { cells } = await this.sheets(signal)
    if (batch.operation === 'delete') {
      await this.deleteRows(state, batch.records, results, cells, signal)
      return results
    }

    const fields = fieldOrder(batch)
    if (batch.operation !== 'clear')
      await ensureColumns(this.api, state, batch.identifierField, fields, cells, signal)
    else if (state.keyColumn === undefined) {
      return batch.records.map(() => succeeded) // no key column: no row to clear
    }

    const updates: Piece[] = []
    const appends: Piece[] = []
    batch.records.forEach((record, index) => {
      const piece = this.piece(state, record, index, batch.identifierField)
      const problem = rowProblem(state.header, piece.cells, this.settings.maxRequestBytes)
      if (problem) {
        results[index] = rejected(problem)
        return
      }
      const row = batch.operation === 'append' ? undefined : state.rows.get(piece.key)
      if (row !== undefined) {
        if (batch.operation === 'create') {
          results[index] = rejected(
            `a row with ${batch.identifierField} "${piece.key}" already exists in sheet "${state.title}" (row ${row}); create never changes a row`,
          )
        } else updates.push({ ...piece, row })
      } else if (batch.operation === 'update' || batch.operation === 'clear') {
        results[index] = rejected(
          `no row of sheet "${state.title}" has ${batch.identifierField} "${piece.key}"`,
        )
      } else appends.push(piece)
    })

    for (const chunk of chunks(
      updates.sort((a, b) => a.row - b.row),
      this.settings.maxRequestBytes,
    ))
      await this.sendUpdates(state, chunk, results, signal)
    for (const chunk of chunks(appends, this.settings.maxRequestBytes))
      await this.sendAppends(state, chunk, results, cells, signal)
    return results
  }

  /** The sheet's state, reading it (and adding the sheet when allowed) on first use. */
  private async state(
    title: string,
    keyField: string,
    create: boolean,
    signal: AbortSignal,
  ): Promise<SheetState | undefined> {
    let pending = this.states.get(title)
    if (!pending) {
      pending = (async () => {
        const { sheets, cells } = await this.sheets(signal)
        let properties = sheets.get(title)
        if (!properties) {
          if (!create) return undefined
          if (!this.settings.createSheets) {
            throw new SluiceError('config', `the spreadsheet has no sheet named "${title}".`, {
              code: 'UNKNOWN_SHEET',
              component: 'sheets',
              hint: `Add the sheet, set createSheets to true, or name an existing sheet: ${[...sheets.keys()].map((t) => `"${t}"`).join(', ')}.`,
            })
          }
          const [reply] = await this.api.batchUpdate([{ addSheet: { properties: { title } } }], signal)
          properties = (reply as { addSheet?: { properties?: SheetProperties } } | undefined)?.addSheet
            ?.properties
          if (!properties || typeof properties.sheetId !== 'number') {
            throw new SluiceError(
              'internal',
              `Google Sheets did not describe the sheet "${title}" it added.`,
              {
                code: 'UNEXPECTED_ANSWER',
                component: 'sheets',
              },
            )
          }
          sheets.set(title, properties)
          const grid = gridOf(properties)
          cells.total += grid.rows * grid.columns
          this.log.info(`added sheet "${title}" to the spreadsheet`)
        }
        return loadSheet(this.api, properties, keyField, this.log, signal)
      })()
      this.states.set(title, pending)
    }
    try {
      return await pending
    } catch (error) {
      this.states.delete(title)
      throw error
    }
  }

  private piece(state: SheetState, record: OutboundRecord, index: number, keyField: string): Piece {
    let width = 0
    for (const name of Object.keys(record.fields)) {
      const column = state.columns.get(name)
      if (column !== undefined) width = Math.max(width, column + 1)
    }
    // null leaves a cell as it is: columns the connector does not own keep what users typed.
    const cells: Array<CellValue | null> = new Array(width).fill(null)
    for (const [name, value] of Object.entries(record.fields)) {
      const column = state.columns.get(name)
      if (column === undefined) continue
      const cell = toCell(value, this.settings.userEntered)
      // USER_ENTERED would read a key like "00123" as 123: the apostrophe keeps it text, as indexed.
      cells[column] =
        this.settings.userEntered && name === keyField && typeof cell === 'string' && !cell.startsWith("'")
          ? `'${cell}`
          : cell
    }
    return {
      index,
      key: record.identifier,
      row: 0,
      cells,
      bytes: Buffer.byteLength(JSON.stringify(cells)) + 2,
    }
  }

  /**
   * Writes changed rows, consecutive rows as one range. Google applies a request whole or not at
   * all, so when it refuses one as invalid the rows are tried again in halves, down to the row at
   * fault, which is rejected with Google's reason.
   */
  private async sendUpdates(
    state: SheetState,
    pieces: Piece[],
    results: RecordResult[],
    signal: AbortSignal,
  ) {
    try {
      await this.api.updateValues(toRanges(state.title, pieces), signal)
      for (const p of pieces) results[p.index] = succeeded
    } catch (error) {
      if (!(error instanceof InvalidWrite)) throw error
      if (pieces.length === 1) {
        results[pieces[0]!.index] = rejected(error.apiReason)
        return
      }
      const half = Math.ceil(pieces.length / 2)
      await this.sendUpdates(state, pieces.slice(0, half), results, signal)
      await this.sendUpdates(state, pieces.slice(half), results, signal)
    }
  }

  /** Appends new rows after the table and indexes them where Google says they landed. */
  private async sendAppends(
    state: SheetState,
    pieces: Piece[],
    results: RecordResult[],
    cells: SpreadsheetCells,
    signal: AbortSignal,
  ) {
    const fit = rowsThatFit(state, cells)
    if (pieces.length > fit) {
      for (const p of pieces.slice(fit)) {
        results[p.index] = rejected(
          `sheet "${state.title}" cannot take another row: the spreadsheet would hold more than Google Sheets' limit of ${MAX_SPREADSHEET_CELLS.toLocaleString('en-US')} cells`,
        )
      }
      pieces = pieces.slice(0, fit)
      if (pieces.length === 0) return
    }
    const lastColumn = columnLetters(Math.max(state.header.length, 1) - 1)
    try {
      const { firstRow } = await this.api.appendValues(
        `${quoteSheet(state.title)}!A1:${lastColumn}`,
        pieces.map((p) => p.cells.map((c) => (c === null ? null : c)) as CellValue[]),
        signal,
      )
      pieces.forEach((p, i) => {
        results[p.index] = succeeded
        if (!state.rows.has(p.key)) state.rows.set(p.key, firstRow + i)
      })
      const last = firstRow + pieces.length - 1
      state.lastRow = Math.max(state.lastRow, last)
      if (last > state.gridRows) {
        cells.total += (last - state.gridRows) * state.gridColumns
        state.gridRows = last
      }
    } catch (error) {
      if (!(error instanceof InvalidWrite)) throw error
      if (pieces.length === 1) {
        results[pieces[0]!.index] = rejected(error.apiReason)
        return
      }
      const half = Math.ceil(pieces.length / 2)
      await this.sendAppends(state, pieces.slice(0, half), results, cells, signal)
      await this.sendAppends(state, pieces.slice(half), results, cells, signal)
    }
  }

  /**
   * Deletes the rows of removed records, bottom-up: consecutive rows are one deleteDimension, the
   * lowest first, so a deletion never moves a row still to be deleted. A record with no row is
   * already gone, which is what was asked.
   */
  private async deleteRows(
    state: SheetState,
    records: OutboundRecord[],
    results: RecordResult[],
    cells: SpreadsheetCells,
    signal: AbortSignal,
  ) {
    const targets: Array<{ row: number; index: number; key: string }> = []
    records.forEach((record, index) => {
      const row = state.rows.get(record.identifier)
      if (row === undefined) results[index] = succeeded
      else targets.push({ row, index, key: record.identifier })
    })
    targets.sort((a, b) => b.row - a.row)
    const perRequest = Math.max(
      1,
      Math.floor((this.settings.maxRequestBytes - ENVELOPE_BYTES) / DELETE_REQUEST_BYTES),
    )
    const runs: Array<{ start: number; end: number; members: typeof targets }> = []
    for (const target of targets) {
      const run = runs[runs.length - 1]
      if (run && run.start - 1 === target.row) {
        run.start = target.row
        run.members.push(target)
      } else runs.push({ start: target.row, end: target.row, members: [target] })
    }
    const deleted: number[] = []
    for (let i = 0; i < runs.length; i += perRequest) {
      const slice = runs.slice(i, i + perRequest)
      await this.api.batchUpdate(
        slice.map((run) => ({
          deleteDimension: {
            range: {
              sheetId: state.sheetId,
              dimension: 'ROWS',
              startIndex: run.start - 1,
              endIndex: run.end,
            },
          },
        })),
        signal,
      )
      for (const run of slice) {
        for (const member of run.members) {
          results[member.index] = succeeded
          deleted.push(member.row)
        }
      }
    }
    if (deleted.length === 0) return
    forgetRows(state, deleted)
    cells.total -= deleted.length * state.gridColumns
  }
}

/** The index after rows were deleted: their keys leave it, the rows below them move up. */
function forgetRows(state: SheetState, deletedRows: number[]): void {
  const sorted = [...deletedRows].sort((a, b) => a - b)
  const gone = new Set(sorted)
  const below = (row: number) => {
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((sorted[mid] as number) < row) lo = mid + 1
      else hi = mid
    }
    return lo
  }
  for (const [key, row] of state.rows) {
    if (gone.has(row)) state.rows.delete(key)
    else state.rows.set(key, row - below(row))
  }
  state.lastRow = Math.max(1, state.lastRow - sorted.filter((r) => r <= state.lastRow).length)
  state.gridRows -= sorted.length
}

/** New rows that fit under the spreadsheet's cell limit. */
function rowsThatFit(state: SheetState, cells: SpreadsheetCells): number {
  const freeInGrid = Math.max(0, state.gridRows - state.lastRow)
  const room = Math.max(0, MAX_SPREADSHEET_CELLS - cells.total)
  return freeInGrid + Math.floor(room / Math.max(1, state.gridColumns))
}

/** The header order for a batch: the key first, then each field as it first appears. */
function fieldOrder(batch: WriteBatch): string[] {
  const seen = new Set<string>([batch.identifierField])
  for (const record of batch.records) for (const name of Object.keys(record.fields)) seen.add(name)
  return [...seen]
}

/**
 * Pieces in order, cut into requests of at most `maxBytes`. A piece that starts a new range carries
 * the range's own JSON (`{"range":"'Sheet'!A1:Z9","values":[…]}`); one that continues the row above
 * it only its values. Appends are one block.
 */
function chunks(pieces: Piece[], maxBytes: number): Piece[][] {
  const out: Piece[][] = []
  let current: Piece[] = []
  let bytes = ENVELOPE_BYTES
  let previous: Piece | undefined
  for (const piece of pieces) {
    const continues = previous !== undefined && (piece.row === 0 || piece.row === previous.row + 1)
    const weight = piece.bytes + (continues ? 1 : RANGE_BYTES)
    if (current.length > 0 && bytes + weight > maxBytes) {
      out.push(current)
      current = []
      bytes = ENVELOPE_BYTES + RANGE_BYTES
    }
    current.push(piece)
    bytes += weight
    previous = piece
  }
  if (current.length > 0) out.push(current)
  return out
}

/** Rows sorted by position as value ranges, consecutive rows merged into one range. */
function toRanges(title: string, pieces: Piece[]): ValueRange[] {
  const ranges: ValueRange[] = []
  let start = 0
  while (start < pieces.length) {
    let end = start
    while (end + 1 < pieces.length && pieces[end + 1]!.row === pieces[end]!.row + 1) end++
    const run = pieces.slice(start, end + 1)
    const width = Math.max(1, ...run.map((p) => p.cells.length))
    ranges.push({
      range: rangeOf(title, run[0]!.row, run[run.length - 1]!.row, 0, width - 1),
      values: run.map((p) => p.cells),
    })
    start = end + 1
  }
  return ranges
}
