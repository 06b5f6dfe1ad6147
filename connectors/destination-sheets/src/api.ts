import { type Logger, SluiceError } from '@sluice/core'
import {
  apiMessage,
  createHttpClient,
  errorFromResponse,
  type HttpClientOptions,
  type HttpResponse,
  oauthAuth,
} from '@sluice/core/http'
import { parseRange } from './a1.js'
import { fetchToken } from './auth/token.js'
import type { CellValue } from './cells.js'
import type { ResolvedSheetsConfig } from './config.js'

const COMPONENT = 'sheets'

/** A sheet (tab) as `spreadsheets.get` describes it. */
export interface SheetProperties {
  sheetId: number
  title: string
  index?: number
  gridProperties?: { rowCount?: number; columnCount?: number }
}

export interface Spreadsheet {
  spreadsheetId: string
  properties?: { title?: string }
  sheets: Array<{ properties: SheetProperties }>
}

/** One range of values to write (`ValueRange`); `null` leaves a cell as it is. */
export interface ValueRange {
  range: string
  values: Array<Array<CellValue | null>>
}

/** A request of `spreadsheets.batchUpdate` (addSheet, deleteDimension, insertDimension …). */
export type SheetRequest = Record<string, unknown>

/**
 * A write Google refused as invalid (400 INVALID_ARGUMENT): a request is applied whole or not at all,
 * so the records it carried may be tried again in smaller requests to find the one at fault.
 */
export class InvalidWrite extends SluiceError {
  constructor(readonly apiReason: string) {
    super('config', `Google Sheets refused the write: ${apiReason}`, {
      code: 'INVALID_ARGUMENT',
      component: COMPONENT,
    })
  }
}

export interface SheetsApiOptions {
  log?: Logger
  dispatcher?: HttpClientOptions['dispatcher']
  retry?: HttpClientOptions['retry']
}

/** Counts of requests sent by kind, for tests and the benchmark. */
export interface SheetsRequestCounts {
  reads: number
  writes: number
  tokens: number
}

/**
 * The Sheets API v4 for one spreadsheet. Reads and writes have their own per-user quotas (60 a
 * minute each), so each has its own client and sliding window; one request of each kind at a time.
 * Every write's answer is checked against its documented shape before it counts as applied.
 */
export interface SheetsApi {
  readonly spreadsheetId: string
  readonly counts: SheetsRequestCounts
  /** the spreadsheet's sheets with their grid sizes */
  getSpreadsheet(signal?: AbortSignal): Promise<Spreadsheet>
  /** unformatted values of a range, by rows; trailing empty rows and cells are left out, as Google does */
  getValues(range: string, signal?: AbortSignal): Promise<unknown[][]>
  /** `values.batchUpdate`; resolves only when every range was acknowledged as written */
  updateValues(data: ValueRange[], signal?: AbortSignal): Promise<void>
  /** `values.append` after the table in `range`; resolves with the rows (1-based) the values landed on */
  appendValues(range: string, values: CellValue[][], signal?: AbortSignal): Promise<{ firstRow: number }>
  /** `spreadsheets.batchUpdate`, applied whole or not at all; resolves with its replies */
  batchUpdate(requests: SheetRequest[], signal?: AbortSignal): Promise<Array<Record<string, unknown>>>
  close(): Promise<void>
}

export function createSheetsApi(config: ResolvedSheetsConfig, options: SheetsApiOptions = {}): SheetsApi {
  const common = {
    component: COMPONENT,
    ...(options.log ? { log: options.log } : {}),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
  }
  const counts: SheetsRequestCounts = { reads: 0, writes: 0, tokens: 0 }
  const tokenUri = config.auth.type === 'service_account' ? config.auth.key.token_uri : config.auth.tokenUri
  const tokens = createHttpClient({ ...common, baseUrl: new URL(tokenUri).origin, concurrency: 1 })
  const auth = oauthAuth({
    fetchToken: () => {
      counts.tokens += 1
      return fetchToken(tokens, config.auth)
    },
    // Google's tokens live an hour: take a new one a minute before, never mid-request.
    earlyRefreshMs: 60_000,
  })
  // A request is counted when it reaches Google, a few ms after it leaves: pacing a tenth of the
  // window (at most a second) slower keeps that jitter from ever pushing one past the quota.
  const window = config.quota.windowMs + Math.min(1_000, Math.ceil(config.quota.windowMs / 10))
  const reads = createHttpClient({
    ...common,
    baseUrl: config.apiUrl,
    auth,
    concurrency: 1,
    rateLimit: { requests: config.quota.readRequests, perMs: window },
  })
  const writes = createHttpClient({
    ...common,
    baseUrl: config.apiUrl,
    auth,
    concurrency: 1,
    rateLimit: { requests: config.quota.writeRequests, perMs: window },
  })
  const id = config.spreadsheetId
  const base = `/v4/spreadsheets/${encodeURIComponent(id)}`
  const inputOption = config.valueInputOption

  const read = async <T>(path: string, query: Record<string, string>, signal?: AbortSignal) => {
    counts.reads += 1
    const response = await reads.request<T>({ method: 'GET', path, query, ...(signal ? { signal } : {}) })
    if (response.status !== 200) throw failure(response, id, config)
    return response
  }
  const write = async <T>(
    path: string,
    query: Record<string, string>,
    json: unknown,
    signal?: AbortSignal,
  ) => {
    counts.writes += 1
    const response = await writes.request<T>({
      method: 'POST',
      path,
      query,
      json,
      ...(signal ? { signal } : {}),
    })
    if (response.status === 400) {
      throw new InvalidWrite(apiMessage(response))
    }
    if (response.status !== 200) throw failure(response, id, config)
    return response
  }

  return {
    spreadsheetId: id,
    counts,

    async getSpreadsheet(signal) {
      const response = await read<Spreadsheet>(
        base,
        { fields: 'spreadsheetId,properties.title,sheets.properties(sheetId,title,index,gridProperties)' },
        signal,
      )
      const body = response.body
      if (!body || typeof body !== 'object' || !Array.isArray(body.sheets))
        throw unexpected('spreadsheets.get', response)
      return body
    },

    async getValues(range, signal) {
      const response = await read<{ values?: unknown[][] }>(
        `${base}/values/${encodeURIComponent(range)}`,
        { majorDimension: 'ROWS', valueRenderOption: 'UNFORMATTED_VALUE' },
        signal,
      )
      const body = response.body
      if (!body || typeof body !== 'object') throw unexpected('values.get', response)
      if (body.values !== undefined && !Array.isArray(body.values)) throw unexpected('values.get', response)
      return body.values ?? []
    },

    async updateValues(data, signal) {
      const response = await write<BatchUpdateValuesResponse>(
        `${base}/values:batchUpdate`,
        {},
        { valueInputOption: inputOption, data },
        signal,
      )
      if (!acknowledgesUpdate(response.body, data)) throw unexpected('values.batchUpdate', response)
    },

    async appendValues(range, values, signal) {
      const response = await write<AppendValuesResponse>(
        `${base}/values/${encodeURIComponent(range)}:append`,
        { valueInputOption: inputOption, insertDataOption: 'OVERWRITE' },
        { range, majorDimension: 'ROWS', values },
        signal,
      )
      const updates = response.body?.updates
      const landed = updates?.updatedRange ? parseRange(updates.updatedRange) : undefined
      if (
        !updates ||
        updates.updatedRows !== values.length ||
        landed?.startRow === undefined ||
        landed.endRow === undefined ||
        landed.endRow - landed.startRow + 1 !== values.length
      )
        throw unexpected('values.append', response)
      return { firstRow: landed.startRow }
    },

    async batchUpdate(requests, signal) {
      const response = await write<{ spreadsheetId?: string; replies?: Array<Record<string, unknown>> }>(
        `${base}:batchUpdate`,
        {},
        { requests },
        signal,
      )
      const replies = response.body?.replies
      if (
        response.body?.spreadsheetId !== id ||
        !Array.isArray(replies) ||
        replies.length !== requests.length
      )
        throw unexpected('spreadsheets.batchUpdate', response)
      return replies
    },

    async close() {
      await Promise.all([reads.close(), writes.close(), tokens.close()])
    },
  }
}

interface UpdateValuesResponse {
  spreadsheetId?: string
  updatedRange?: string
  updatedRows?: number
  updatedColumns?: number
  updatedCells?: number
}

interface BatchUpdateValuesResponse {
  spreadsheetId?: string
  totalUpdatedRows?: number
  responses?: UpdateValuesResponse[]
}

interface AppendValuesResponse {
  spreadsheetId?: string
  tableRange?: string
  updates?: UpdateValuesResponse
}

/**
 * Whether a `values.batchUpdate` answer says every range was written: one response per range, in
 * order, each naming the rows that were sent with as many rows updated.
 */
export function acknowledgesUpdate(body: BatchUpdateValuesResponse | undefined, data: ValueRange[]): boolean {
  if (!body || !Array.isArray(body.responses) || body.responses.length !== data.length) return false
  return data.every((sent, i) => {
    const answer = body.responses![i]!
    const wanted = parseRange(sent.range)
    const got = answer.updatedRange ? parseRange(answer.updatedRange) : undefined
    return (
      got !== undefined &&
      wanted !== undefined &&
      got.sheet === wanted.sheet &&
      got.startRow === wanted.startRow &&
      answer.updatedRows === sent.values.length
    )
  })
}

function unexpected(method: string, response: HttpResponse): SluiceError {
  return new SluiceError(
    'internal',
    `Google Sheets answered ${method} with ${response.status} but not with the documented acknowledgement, so nothing in it counts as written: ${apiMessage(response)}`,
    { code: 'UNEXPECTED_ANSWER', component: COMPONENT, details: { status: response.status } },
  )
}

/** A final non-2xx answer as an error that says what to do. */
function failure(response: HttpResponse, spreadsheetId: string, config: ResolvedSheetsConfig): SluiceError {
  const who =
    config.auth.type === 'service_account'
      ? `the service account ${config.auth.key.client_email}`
      : 'the Google user'
  if (response.status === 403) {
    return new SluiceError(
      'auth',
      `Google Sheets refused access to spreadsheet ${spreadsheetId}: ${apiMessage(response)}`,
      {
        code: 'PERMISSION_DENIED',
        component: COMPONENT,
        retryable: false,
        hint: `Share the spreadsheet with ${who} as an editor.`,
      },
    )
  }
  if (response.status === 404) {
    return new SluiceError('config', `spreadsheet ${spreadsheetId} was not found: ${apiMessage(response)}`, {
      code: 'SPREADSHEET_NOT_FOUND',
      component: COMPONENT,
      hint: 'Check spreadsheetId: the id between /d/ and /edit in the spreadsheet URL.',
    })
  }
  if (response.status === 401) {
    // The token was refreshed once already and Google still refuses it: not worth retrying.
    return new SluiceError('auth', `Google refused the access token: ${apiMessage(response)}`, {
      code: 'UNAUTHENTICATED',
      component: COMPONENT,
      retryable: false,
      hint: `Check that ${who} still exists and that its key or refresh token is valid.`,
    })
  }
  return errorFromResponse(response, COMPONENT)
}
