import { type FakeHost, startFakeHost } from '@sluice/conformance'
import {
  type ConnectorContext,
  type Destination,
  type Operation,
  type RecordResult,
  silentLogger,
  type Value,
} from '@sluice/core'
import type { RequestHandler } from 'msw'
import {
  createFakeSheets,
  FAKE_SPREADSHEET_ID,
  type FakeSheets,
  type FakeSheetsOptions,
} from '../src/fake/index.js'
import { connectSheets, type SheetsConfig } from '../src/index.js'
import { serviceAccount } from './keys.js'

export const account = serviceAccount()

/** A fake Sheets API on loopback that knows `account`, with the options given. */
export async function fakeSheets(
  options: FakeSheetsOptions = {},
  before: RequestHandler[] = [],
): Promise<{ fake: FakeSheets; host: FakeHost }> {
  const fake = createFakeSheets({
    serviceAccounts: [{ email: account.email, publicKey: account.publicKey, projectId: 'fake-project' }],
    ...options,
  })
  const host = await startFakeHost(before.length ? [...before, ...fake.handlers] : fake)
  return { fake, host }
}

export function config(url: string, extra: Partial<SheetsConfig> = {}): SheetsConfig {
  return {
    spreadsheetId: FAKE_SPREADSHEET_ID,
    auth: { type: 'service_account', credentials: account.keyJson(url) },
    apiUrl: url,
    ...extra,
  }
}

export const ctx = (): ConnectorContext => ({ signal: new AbortController().signal, log: silentLogger })

export function connect(url: string, extra: Partial<SheetsConfig> = {}) {
  return connectSheets(config(url, extra), ctx(), { retry: { baseDelayMs: 10, maxDelayMs: 200 } })
}

/** Validates and writes a batch as the engine does: invalid records are not sent. */
export async function write(
  destination: Destination,
  object: string,
  operation: Operation,
  records: Array<Record<string, Value>>,
  identifierField = 'id',
): Promise<Array<RecordResult | { status: 'invalid'; reason: string }>> {
  const batch = {
    object,
    operation,
    identifierField,
    records: records.map((fields) => ({ identifier: String(fields[identifierField]), fields })),
  }
  const verdicts = (await destination.validate?.(batch, ctx())) ?? batch.records.map(() => undefined)
  const sendable = batch.records.filter((_, i) => verdicts[i] === undefined)
  const results = sendable.length ? await destination.write({ ...batch, records: sendable }, ctx()) : []
  let next = 0
  return verdicts.map((reason) => (reason === undefined ? results[next++]! : { status: 'invalid', reason }))
}
