import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { assertionClaims, JWT_BEARER_GRANT, signAssertion } from '../src/auth/jwt.js'
import { FAKE_SHEETS_OAUTH, FAKE_SPREADSHEET_ID } from '../src/fake/index.js'
import { columnIndex, columnLetters, parseRange } from '../src/index.js'
import { account, fakeSheets } from './helpers.js'
import { serviceAccount } from './keys.js'

/** The fake Sheets API answers as Google documents, over real HTTP. */
let setup: Awaited<ReturnType<typeof fakeSheets>>
beforeAll(async () => {
  setup = await fakeSheets({ quota: { writePerUser: 3, windowMs: 60_000 } })
})
afterAll(() => setup.host.close())
beforeEach(() => setup.fake.reset())

async function token(key = account, aud?: string): Promise<Response> {
  const url = `${setup.host.url}/token`
  const assertion = signAssertion(assertionClaims(key.email, aud ?? url), key.privateKey, 'key-1')
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString(),
  })
}

/** Google's answers, read loosely: each test names the members it expects. */
// biome-ignore lint/suspicious/noExplicitAny: JSON answers of several shapes
type Answer = Record<string, any>

async function api(path: string, init: RequestInit = {}) {
  const { access_token } = (await (await token()).json()) as { access_token: string }
  const response = await fetch(`${setup.host.url}/v4/spreadsheets/${FAKE_SPREADSHEET_ID}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
  })
  return { status: response.status, body: (await response.json()) as Answer }
}

describe('token endpoint', () => {
  it('exchanges an assertion signed by the service account key for an hour-long token', async () => {
    const response = await token()
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3599 })
  })

  it('knows a default OAuth client, for the demo: its refresh token works', async () => {
    const response = await fetch(`${setup.host.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: FAKE_SHEETS_OAUTH.clientId,
        client_secret: FAKE_SHEETS_OAUTH.clientSecret,
        refresh_token: FAKE_SHEETS_OAUTH.refreshToken,
      }).toString(),
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3599 })
  })

  it('refuses a signature made by another key, and the wrong audience', async () => {
    const other = serviceAccount(account.email)
    const forged = await token({ ...account, privateKey: other.privateKey })
    expect(forged.status).toBe(400)
    expect(await forged.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'Invalid JWT Signature.',
    })
    const elsewhere = await token(account, 'https://example.com/token')
    expect(await elsewhere.json()).toMatchObject({ error: 'invalid_grant' })
  })
})

describe('the API', () => {
  it("answers without a token with 401 UNAUTHENTICATED, in Google's error shape", async () => {
    const response = await fetch(`${setup.host.url}/v4/spreadsheets/${FAKE_SPREADSHEET_ID}`)
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } })
  })

  it('counts writes per user per window and answers 429 RESOURCE_EXHAUSTED past the quota', async () => {
    const body = JSON.stringify({ valueInputOption: 'RAW', data: [{ range: 'Sheet1!A1', values: [['x']] }] })
    const statuses: number[] = []
    let last: Answer = {}
    for (let i = 0; i < 4; i++) {
      const answer = await api('/values:batchUpdate', { method: 'POST', body })
      statuses.push(answer.status)
      last = answer.body
    }
    expect(statuses).toEqual([200, 200, 200, 429])
    expect(last.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' })
    expect(last.error.message).toContain("limit 'Write requests per minute per user'")
    // Reads have their own quota.
    expect((await api('')).status).toBe(200)
  })

  it('reads ranges in A1 notation, leaving out trailing empty rows and cells', async () => {
    const data = [
      {
        range: "'Sheet1'!B2:D3",
        values: [
          ['a', '', 'c'],
          ['', 2, ''],
        ],
      },
    ]
    const written = await api('/values:batchUpdate', {
      method: 'POST',
      body: JSON.stringify({ valueInputOption: 'RAW', data }),
    })
    expect(written.body.responses[0]).toMatchObject({
      updatedRange: 'Sheet1!B2:D3',
      updatedRows: 2,
      updatedCells: 6,
    })
    const read = await api(
      `/values/${encodeURIComponent('Sheet1!A1:E10')}?valueRenderOption=UNFORMATTED_VALUE`,
    )
    expect(read.body.values).toEqual([[], ['', 'a', '', 'c'], ['', '', 2]])
  })

  it('applies a batchUpdate whole or not at all', async () => {
    await api('/values:batchUpdate', {
      method: 'POST',
      body: JSON.stringify({
        valueInputOption: 'RAW',
        data: [{ range: 'Sheet1!A1:A3', values: [['1'], ['2'], ['3']] }],
      }),
    })
    const refused = await api(':batchUpdate', {
      method: 'POST',
      body: JSON.stringify({
        requests: [
          { deleteDimension: { range: { sheetId: 0, dimension: 'ROWS', startIndex: 0, endIndex: 1 } } },
          { deleteDimension: { range: { sheetId: 0, dimension: 'ROWS', startIndex: 5000, endIndex: 5001 } } },
        ],
      }),
    })
    expect(refused.status).toBe(400)
    expect(refused.body.error.status).toBe('INVALID_ARGUMENT')
    expect(setup.fake.values('Sheet1')).toEqual([['1'], ['2'], ['3']])
  })

  it("refuses a cell over 50,000 characters with Google's message", async () => {
    const answer = await api('/values:batchUpdate', {
      method: 'POST',
      body: JSON.stringify({
        valueInputOption: 'RAW',
        data: [{ range: 'Sheet1!A1', values: [['x'.repeat(50_001)]] }],
      }),
    })
    expect(answer.body.error).toMatchObject({
      code: 400,
      message: 'Your input contains more than the maximum of 50000 characters in a single cell.',
    })
  })
})

describe('A1 notation', () => {
  it('converts columns and parses ranges', () => {
    expect([0, 25, 26, 701, 702].map(columnLetters)).toEqual(['A', 'Z', 'AA', 'ZZ', 'AAA'])
    expect(columnIndex('AAA')).toBe(702)
    expect(parseRange("'It''s'!B2:C")).toEqual({ sheet: "It's", startCol: 1, startRow: 2, endCol: 2 })
    expect(parseRange('Sheet1!3:3')).toEqual({ sheet: 'Sheet1', startRow: 3, endRow: 3 })
    expect(parseRange('Sheet1')).toEqual({ sheet: 'Sheet1' })
    expect(parseRange('Data!C7')).toEqual({ sheet: 'Data', startCol: 2, startRow: 7, endCol: 2, endRow: 7 })
  })
})
