import { type FakeStats, type Faults, takeExpiredToken, trackRequest } from '@sluice/conformance/fake'
import { http } from 'msw'
import { columnLetters } from '../a1.js'
import type { TokenStore } from './oauth.js'
import type { QuotaWindows } from './quota.js'
import { ApiError, type FakeCell, type FakeSheet, type FakeSpreadsheet, invalidArgument } from './workbook.js'

/** One request the fake answered, for tests and the benchmark. */
export interface FakeRequest {
  kind: 'read' | 'write'
  method: string
  status: number
  bytes: number
  rows: number
  at: number
}

export interface FakeApiContext {
  spreadsheets: Map<string, FakeSpreadsheet>
  tokens: TokenStore
  quota: QuotaWindows
  faults: Faults
  stats: FakeStats
  log: FakeRequest[]
  maxRequestBytes: number
  /** the largest request body seen, in bytes */
  largest: { bytes: number }
}

const googleError = (error: ApiError) =>
  Response.json(
    { error: { code: error.code, message: error.message, status: error.status } },
    { status: error.code },
  )

const UNAUTHENTICATED = new ApiError(
  401,
  'UNAUTHENTICATED',
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
)

/** The range as Google writes it in answers: the sheet name quoted only when it must be. */
export function a1(sheet: FakeSheet, firstRow: number, lastRow: number, firstCol: number, lastCol: number) {
  const name =
    /^[A-Za-z_][A-Za-z0-9_]*$/.test(sheet.title) && !/^[A-Za-z]{1,3}\d+$/.test(sheet.title)
      ? sheet.title
      : `'${sheet.title.replace(/'/g, "''")}'`
  return `${name}!${columnLetters(firstCol)}${firstRow}:${columnLetters(lastCol)}${lastRow}`
}

/** Reads a value as Sheets stores it, for RAW or USER_ENTERED input. */
function parser(option: string | null | undefined): (value: unknown) => FakeCell | undefined {
  if (option !== 'RAW' && option !== 'USER_ENTERED') {
    throw invalidArgument(
      option
        ? `Invalid value at 'value_input_option' (${option})`
        : "'valueInputOption' is required but not specified",
    )
  }
  return (value) => {
    if (value === '' || value === null || value === undefined) return undefined
    if (typeof value !== 'string' || option === 'RAW') return value as FakeCell
    if (value.startsWith("'")) return value.slice(1)
    if (value.startsWith('=')) return { formula: value }
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value.trim())) return Number(value)
    if (/^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true'
    return value
  }
}

function renderer(option: string | null): (cell: FakeCell) => unknown {
  return (cell) => {
    if (typeof cell === 'object') return cell.formula // the fake does not evaluate formulas
    if (option === 'UNFORMATTED_VALUE' || option === 'FORMULA') return cell
    if (typeof cell === 'boolean') return cell ? 'TRUE' : 'FALSE'
    return String(cell)
  }
}

/** The header of a sheet (row 1) as names by column. */
function headerOf(sheet: FakeSheet): string[] {
  return (sheet.rows[0] ?? []).map((c) =>
    c === undefined ? '' : typeof c === 'object' ? c.formula : String(c),
  )
}

/** The kit's per-record rejections: Google refuses the whole request, naming the reason. */
function checkRejections(
  ctx: FakeApiContext,
  sheet: FakeSheet,
  firstRow: number,
  firstCol: number,
  values: unknown[][],
) {
  const reject = ctx.faults.rejectWhere
  if (!reject) return
  const header = headerOf(sheet)
  values.forEach((row, i) => {
    if (firstRow + i === 1) return
    const record: Record<string, unknown> = {}
    row.forEach((value, j) => {
      const name = header[firstCol + j]
      if (name && value !== null) record[name] = value
    })
    const reason = reject(record)
    if (reason) throw invalidArgument(`Invalid data[${i}]: ${reason}`)
  })
}

/**
 * The Sheets API v4 routes the connector uses, on any origin: `spreadsheets.get`, `values.get`,
 * `values.update`, `values.batchUpdate`, `values.append`, `values.clear` and `spreadsheets.batchUpdate`
 * (addSheet, deleteSheet, deleteDimension, insertDimension, appendDimension). Each request is
 * authenticated, counted against the per-user and per-project quotas (reads and writes apart), and
 * applied whole or not at all.
 */
export function apiHandlers(ctx: FakeApiContext) {
  return [
    http.all('*/v4/spreadsheets/*', async ({ request }) => {
      // Quotas count a request when it arrives, before its body is read.
      const started = Date.now()
      const text = request.method === 'GET' ? '' : await request.text()
      const bytes = Buffer.byteLength(text)
      ctx.stats.requests += 1
      ctx.largest.bytes = Math.max(ctx.largest.bytes, bytes)
      const url = new URL(request.url)
      const rest = url.pathname.slice(url.pathname.indexOf('/v4/spreadsheets/') + '/v4/spreadsheets/'.length)
      const isWrite = request.method !== 'GET'
      const entry: FakeRequest = {
        kind: isWrite ? 'write' : 'read',
        method: '',
        status: 200,
        bytes,
        rows: 0,
        at: started,
      }
      ctx.log.push(entry)
      const answer = (response: Response) => {
        entry.status = response.status
        return response
      }
      try {
        const holder = ctx.tokens.holder(request.headers.get('authorization'))
        if (!holder || takeExpiredToken(ctx.faults)) throw UNAUTHENTICATED
        const q = ctx.quota.quota
        const exceeded = ctx.quota.take(
          isWrite
            ? [
                {
                  key: `w:u:${holder.principal}`,
                  limit: q.writePerUser,
                  metric: 'Write requests per minute per user',
                },
                {
                  key: `w:p:${holder.project}`,
                  limit: q.writePerProject,
                  metric: 'Write requests per minute',
                },
              ]
            : [
                {
                  key: `r:u:${holder.principal}`,
                  limit: q.readPerUser,
                  metric: 'Read requests per minute per user',
                },
                { key: `r:p:${holder.project}`, limit: q.readPerProject, metric: 'Read requests per minute' },
              ],
          started,
        )
        if (exceeded) {
          ctx.stats.rateLimited += 1
          throw new ApiError(
            429,
            'RESOURCE_EXHAUSTED',
            `Quota exceeded for quota metric '${isWrite ? 'Write' : 'Read'} requests' and limit '${exceeded}' of service 'sheets.googleapis.com' for consumer 'project_number:${holder.project}'.`,
          )
        }
        if (bytes > ctx.maxRequestBytes)
          throw invalidArgument(`Request payload size exceeds the limit: ${ctx.maxRequestBytes} bytes.`)

        const slash = rest.indexOf('/')
        const head = slash < 0 ? rest : rest.slice(0, slash)
        const [id = '', verb] = decodeURIComponent(head).split(':') as [string, string?]
        const spreadsheet = ctx.spreadsheets.get(id)
        if (!spreadsheet) throw new ApiError(404, 'NOT_FOUND', 'Requested entity was not found.')
        if (!spreadsheet.editors.has(holder.principal))
          throw new ApiError(403, 'PERMISSION_DENIED', 'The caller does not have permission')
        const body = text ? (JSON.parse(text) as Record<string, unknown>) : {}

        if (slash < 0) {
          if (!verb && request.method === 'GET') {
            entry.method = 'spreadsheets.get'
            return answer(Response.json(describe(spreadsheet)))
          }
          if (verb === 'batchUpdate' && request.method === 'POST') {
            entry.method = 'spreadsheets.batchUpdate'
            return answer(Response.json(batchUpdate(spreadsheet, body)))
          }
        } else {
          const tail = rest.slice(slash + 1)
          if (tail === 'values:batchUpdate' && request.method === 'POST') {
            entry.method = 'values.batchUpdate'
            return answer(Response.json(valuesBatchUpdate(ctx, spreadsheet, body, entry)))
          }
          if (tail.startsWith('values/')) {
            const encoded = tail.slice('values/'.length)
            const colon = encoded.lastIndexOf(':')
            const method = colon >= 0 ? encoded.slice(colon + 1) : ''
            const range = decodeURIComponent(colon >= 0 ? encoded.slice(0, colon) : encoded)
            if (!method && request.method === 'GET') {
              entry.method = 'values.get'
              const read = spreadsheet.read(range, renderer(url.searchParams.get('valueRenderOption')))
              return answer(
                Response.json({
                  range: read.range,
                  majorDimension: 'ROWS',
                  ...(read.values.length ? { values: read.values } : {}),
                }),
              )
            }
            if (!method && request.method === 'PUT') {
              entry.method = 'values.update'
              const result = valuesBatchUpdate(
                ctx,
                spreadsheet,
                { valueInputOption: url.searchParams.get('valueInputOption'), data: [{ ...body, range }] },
                entry,
              )
              return answer(Response.json(result.responses[0]))
            }
            if (method === 'append' && request.method === 'POST') {
              entry.method = 'values.append'
              return answer(Response.json(append(ctx, spreadsheet, range, url.searchParams, body, entry)))
            }
            if (method === 'clear' && request.method === 'POST') {
              entry.method = 'values.clear'
              spreadsheet.clear(range)
              return answer(Response.json({ spreadsheetId: id, clearedRange: range }))
            }
          }
        }
        throw new ApiError(404, 'NOT_FOUND', `no such method: ${request.method} ${url.pathname}`)
      } catch (error) {
        if (error instanceof ApiError) return answer(googleError(error))
        if (error instanceof SyntaxError)
          return answer(googleError(invalidArgument('Invalid JSON payload received.')))
        throw error
      }
    }),
  ]
}

function describe(spreadsheet: FakeSpreadsheet) {
  return {
    spreadsheetId: spreadsheet.spreadsheetId,
    properties: { title: spreadsheet.title, locale: 'en_US', timeZone: 'Etc/GMT' },
    sheets: spreadsheet.sheets.map((sheet, index) => ({ properties: sheetProperties(sheet, index) })),
    spreadsheetUrl: `https://docs.google.com/spreadsheets/d/${spreadsheet.spreadsheetId}/edit`,
  }
}

function sheetProperties(sheet: FakeSheet, index: number) {
  return {
    sheetId: sheet.sheetId,
    title: sheet.title,
    index,
    sheetType: 'GRID',
    gridProperties: { rowCount: sheet.rowCount, columnCount: sheet.columnCount },
  }
}

function valuesOf(data: Record<string, unknown>, where: string): unknown[][] {
  const values = data.values
  if (!Array.isArray(values) || values.some((r) => !Array.isArray(r)))
    throw invalidArgument(`Invalid ${where}.values`)
  if (data.majorDimension !== undefined && data.majorDimension !== 'ROWS')
    throw invalidArgument('The fake takes majorDimension ROWS only')
  return values as unknown[][]
}

function valuesBatchUpdate(
  ctx: FakeApiContext,
  spreadsheet: FakeSpreadsheet,
  body: Record<string, unknown>,
  entry: FakeRequest,
) {
  const parse = parser(body.valueInputOption as string | undefined)
  const data = body.data
  if (!Array.isArray(data) || data.length === 0)
    throw invalidArgument("Invalid 'data': at least one range is required")
  const writes = data.map((d, i) => {
    const item = d as Record<string, unknown>
    if (typeof item.range !== 'string') throw invalidArgument(`Invalid data[${i}]: range is required`)
    return { range: item.range, values: valuesOf(item, `data[${i}]`) }
  })
  // Every range is checked before any is written: the request applies whole or not at all.
  for (const w of writes) {
    const checked = spreadsheet.write(w.range, w.values, parse, true)
    checkRejections(ctx, checked.sheet, checked.firstRow, checked.firstCol, w.values)
  }
  const rows = writes.reduce((n, w) => n + w.values.length, 0)
  entry.rows = rows
  trackRequest(ctx.stats, rows)
  const responses = writes.map((w) => {
    const done = spreadsheet.write(w.range, w.values, parse)
    return {
      spreadsheetId: spreadsheet.spreadsheetId,
      updatedRange: a1(done.sheet, done.firstRow, done.lastRow, done.firstCol, done.lastCol),
      updatedRows: w.values.length,
      updatedColumns: done.lastCol - done.firstCol + 1,
      updatedCells: done.cells,
    }
  })
  return {
    spreadsheetId: spreadsheet.spreadsheetId,
    totalUpdatedRows: responses.reduce((n, r) => n + r.updatedRows, 0),
    totalUpdatedColumns: Math.max(...responses.map((r) => r.updatedColumns)),
    totalUpdatedCells: responses.reduce((n, r) => n + r.updatedCells, 0),
    totalUpdatedSheets: new Set(responses.map((r) => r.updatedRange.split('!')[0])).size,
    responses,
  }
}

function append(
  ctx: FakeApiContext,
  spreadsheet: FakeSpreadsheet,
  range: string,
  query: URLSearchParams,
  body: Record<string, unknown>,
  entry: FakeRequest,
) {
  const parse = parser(query.get('valueInputOption'))
  const values = valuesOf(body, 'values')
  const { sheet, range: parsed } = spreadsheet.range(range)
  const firstCol = parsed.startCol ?? 0
  const row = spreadsheet.appendRow(range)
  const target = a1(sheet, row, row, firstCol, firstCol).split(':')[0] as string
  spreadsheet.write(target, values, parse, true)
  checkRejections(ctx, sheet, row, firstCol, values)
  entry.rows = values.length
  trackRequest(ctx.stats, values.length)
  if (query.get('insertDataOption') === 'INSERT_ROWS' && row <= sheet.rowCount) {
    spreadsheet.insertDimension(sheet, 'ROWS', row - 1, row - 1 + values.length)
  }
  const done = spreadsheet.write(target, values, parse)
  return {
    spreadsheetId: spreadsheet.spreadsheetId,
    tableRange: a1(sheet, 1, Math.max(1, row - 1), firstCol, done.lastCol),
    updates: {
      spreadsheetId: spreadsheet.spreadsheetId,
      updatedRange: a1(sheet, done.firstRow, done.lastRow, done.firstCol, done.lastCol),
      updatedRows: values.length,
      updatedColumns: done.lastCol - done.firstCol + 1,
      updatedCells: done.cells,
    },
  }
}

interface DimensionRange {
  sheetId: number
  dimension: string
  startIndex: number
  endIndex: number
}

function batchUpdate(spreadsheet: FakeSpreadsheet, body: Record<string, unknown>) {
  const requests = body.requests
  if (!Array.isArray(requests) || requests.length === 0)
    throw invalidArgument("Invalid 'requests': at least one is required")
  const before = spreadsheet.snapshot()
  try {
    const replies = requests.map((request, i) => {
      const r = request as Record<string, Record<string, unknown>>
      const kind = Object.keys(r)[0] ?? ''
      const spec = r[kind] ?? {}
      try {
        switch (kind) {
          case 'addSheet': {
            const props = (spec.properties ?? {}) as {
              title?: string
              gridProperties?: { rowCount?: number; columnCount?: number }
            }
            const title = props.title ?? `Sheet${spreadsheet.sheets.length + 1}`
            const sheet = spreadsheet.addSheet(
              title,
              props.gridProperties?.rowCount,
              props.gridProperties?.columnCount,
            )
            return { addSheet: { properties: sheetProperties(sheet, spreadsheet.sheets.length - 1) } }
          }
          case 'deleteSheet': {
            const sheet = spreadsheet.sheetById(spec.sheetId as number)
            spreadsheet.sheets.splice(spreadsheet.sheets.indexOf(sheet), 1)
            return {}
          }
          case 'deleteDimension': {
            const range = spec.range as DimensionRange
            spreadsheet.deleteDimension(
              spreadsheet.sheetById(range.sheetId),
              range.dimension,
              range.startIndex,
              range.endIndex,
            )
            return {}
          }
          case 'insertDimension': {
            const range = spec.range as DimensionRange
            spreadsheet.insertDimension(
              spreadsheet.sheetById(range.sheetId),
              range.dimension,
              range.startIndex,
              range.endIndex,
            )
            return {}
          }
          case 'appendDimension':
            spreadsheet.appendDimension(
              spreadsheet.sheetById(spec.sheetId as number),
              spec.dimension as string,
              spec.length as number,
            )
            return {}
          default:
            throw invalidArgument(`Invalid requests[${i}]: the fake does not know "${kind}"`)
        }
      } catch (error) {
        if (error instanceof ApiError && !error.message.startsWith('Invalid requests'))
          throw invalidArgument(`Invalid requests[${i}].${kind}: ${error.message}`)
        throw error
      }
    })
    return { spreadsheetId: spreadsheet.spreadsheetId, replies }
  } catch (error) {
    spreadsheet.restore(before)
    throw error
  }
}
