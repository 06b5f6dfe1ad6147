import { createFakeStats, createFaults, type DestinationFake, resetFakeStats } from '@sluice/conformance/fake'
import { apiHandlers, type FakeApiContext, type FakeRequest } from './api.js'
import { type FakeOAuthClient, type FakeServiceAccount, oauthHandlers, TokenStore } from './oauth.js'
import { type FakeQuota, GOOGLE_QUOTA, QuotaWindows } from './quota.js'
import { type FakeCell, FakeSpreadsheet } from './workbook.js'

export type { FakeRequest } from './api.js'
export type { FakeOAuthClient, FakeServiceAccount } from './oauth.js'
export { type FakeQuota, GOOGLE_QUOTA } from './quota.js'
export type { FakeCell, FakeSheet } from './workbook.js'
export { FakeSpreadsheet } from './workbook.js'

/**
 * The OAuth client and refresh token the fake knows unless given others: fake credentials the demo
 * can point the refresh-token flow at (tokenUri `<host>/token`).
 */
export const FAKE_SHEETS_OAUTH = {
  clientId: 'fake-sheets-client.apps.googleusercontent.com',
  clientSecret: 'fake-sheets-client-secret',
  refreshToken: 'fake-sheets-refresh-token',
  user: 'demo@example.com',
} as const

/** The spreadsheet the fake starts with unless told otherwise. */
export const FAKE_SPREADSHEET_ID = 'fake-spreadsheet-0123456789'

export interface FakeSpreadsheetSpec {
  id: string
  title?: string
  /** its sheets, by title or with a grid size; default `Sheet1` of 1000 rows × 26 columns */
  sheets?: Array<string | { title: string; rowCount?: number; columnCount?: number }>
  /** who may edit it; default every service account and OAuth user the fake knows */
  editors?: string[]
  /** what some sheets hold at the start, row 1 first (a sheet named here is added when missing) */
  values?: Record<string, Array<Array<string | number | boolean>>>
}

export interface FakeSheetsOptions {
  serviceAccounts?: FakeServiceAccount[]
  /** default one client with one refresh token: `FAKE_SHEETS_OAUTH` */
  oauthClients?: FakeOAuthClient[]
  spreadsheets?: FakeSpreadsheetSpec[]
  /** Google's quotas by default; tests shrink the window */
  quota?: Partial<FakeQuota>
  /** how long an access token lives; default 3599 s, as Google answers */
  tokenTtlSeconds?: number
  /** the largest request body accepted; default 10 MB, Google's hard limit (2 MB is its advice) */
  maxRequestBytes?: number
  /** the header column that keys `records()`; default each sheet's first header column */
  keyColumn?: string
}

/** The fake Sheets API: the conformance contract plus what tests need to look inside. */
export interface FakeSheets extends DestinationFake {
  /** a spreadsheet by id (default the first) */
  spreadsheet(id?: string): FakeSpreadsheet
  /** every row of a sheet as values (formulas as their text), row 1 first; empty cells are "", trailing ones left out */
  values(sheet: string, spreadsheetId?: string): unknown[][]
  /** one cell as stored: a value, `{ formula }`, or undefined when empty */
  cell(sheet: string, row: number, column: number, spreadsheetId?: string): FakeCell | undefined
  /** every API request answered since the last reset (token requests not included) */
  readonly requests: FakeRequest[]
  /** the largest request body since the last reset, in bytes */
  readonly largestRequestBytes: number
  /** access tokens issued since the last reset */
  readonly tokensIssued: number
  readonly quota: FakeQuota
}

/**
 * Creates the fake Sheets API. Its handlers match any origin, so one loopback host serves both the
 * token endpoint (`<url>/token`, the key's token_uri) and the API (`<url>/v4/spreadsheets/…`).
 */
export function createFakeSheets(options: FakeSheetsOptions = {}): FakeSheets {
  const faults = createFaults()
  const stats = createFakeStats()
  const accounts = options.serviceAccounts ?? []
  const clients = options.oauthClients ?? [
    {
      clientId: FAKE_SHEETS_OAUTH.clientId,
      clientSecret: FAKE_SHEETS_OAUTH.clientSecret,
      refreshTokens: { [FAKE_SHEETS_OAUTH.refreshToken]: FAKE_SHEETS_OAUTH.user },
    },
  ]
  const quota: FakeQuota = { ...GOOGLE_QUOTA, ...options.quota }
  const known = [...accounts.map((a) => a.email), ...clients.flatMap((c) => Object.values(c.refreshTokens))]
  const specs = options.spreadsheets ?? [{ id: FAKE_SPREADSHEET_ID }]
  const tokens = new TokenStore(options.tokenTtlSeconds ?? 3599)
  const ctx: FakeApiContext = {
    spreadsheets: new Map(),
    tokens,
    quota: new QuotaWindows(quota),
    faults,
    stats,
    log: [],
    maxRequestBytes: options.maxRequestBytes ?? 10 * 1024 * 1024,
    largest: { bytes: 0 },
  }
  const build = () => {
    ctx.spreadsheets.clear()
    for (const spec of specs) {
      const book = new FakeSpreadsheet(
        spec.id,
        spec.title ?? 'Sluice sync',
        new Set(spec.editors ?? known),
        [],
      )
      for (const sheet of spec.sheets ?? ['Sheet1']) {
        if (typeof sheet === 'string') book.addSheet(sheet)
        else book.addSheet(sheet.title, sheet.rowCount, sheet.columnCount)
      }
      for (const [title, rows] of Object.entries(spec.values ?? {})) {
        if (!book.sheets.some((s) => s.title === title)) book.addSheet(title)
        book.write(`'${title.replace(/'/g, "''")}'!A1`, rows, (v) => (v === '' ? undefined : (v as FakeCell)))
      }
      ctx.spreadsheets.set(spec.id, book)
    }
  }
  build()
  const spreadsheet = (id?: string) => {
    const found = ctx.spreadsheets.get(id ?? (specs[0] as FakeSpreadsheetSpec).id)
    if (!found) throw new Error(`the fake holds no spreadsheet ${id}`)
    return found
  }
  const text = (cell: FakeCell | undefined) =>
    cell === undefined ? '' : typeof cell === 'object' ? cell.formula : cell

  return {
    handlers: [...oauthHandlers(tokens, accounts, clients, () => {}), ...apiHandlers(ctx)],
    faults,
    stats,
    quota,
    /**
     * Rows of a sheet keyed by the key column (`keyColumn`, else the first header column), each as
     * header name → value with empty cells left out. A key that repeats (appended rows) is listed
     * again as `key#2`, `key#3` …, so every row is there.
     */
    records(object) {
      const out = new Map<string, Record<string, unknown>>()
      const sheet = spreadsheet().sheets.find((s) => s.title === object)
      if (!sheet) return out
      const header = (sheet.rows[0] ?? []).map((c) => String(text(c)))
      const keyIndex = options.keyColumn
        ? header.indexOf(options.keyColumn)
        : header.findIndex((h) => h !== '')
      if (keyIndex < 0) return out
      for (const row of sheet.rows.slice(1)) {
        const key = row?.[keyIndex]
        if (!row || key === undefined) continue
        const record: Record<string, unknown> = {}
        row.forEach((cell, i) => {
          if (cell !== undefined && header[i]) record[header[i] as string] = text(cell)
        })
        let name = String(text(key))
        for (let n = 2; out.has(name); n++) name = `${String(text(key))}#${n}`
        out.set(name, record)
      }
      return out
    },
    spreadsheet,
    values(sheet, spreadsheetId) {
      const found = spreadsheet(spreadsheetId).sheet(sheet)
      return found.rows.map((row) => {
        const cells = Array.from(row ?? [], (c) => text(c))
        while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop()
        return cells
      })
    },
    cell(sheet, row, column, spreadsheetId) {
      return spreadsheet(spreadsheetId).sheet(sheet).rows[row - 1]?.[column]
    },
    get requests() {
      return ctx.log
    },
    get largestRequestBytes() {
      return ctx.largest.bytes
    },
    get tokensIssued() {
      return tokens.issued
    },
    reset() {
      build()
      resetFakeStats(stats)
      ctx.quota.reset()
      ctx.log.length = 0
      ctx.largest.bytes = 0
      tokens.tokens.clear()
      tokens.issued = 0
      for (const key of Object.keys(faults)) delete faults[key as keyof typeof faults]
    },
  }
}
