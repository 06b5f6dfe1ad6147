import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveConfig, SheetsConfig, sheets } from '../src/index.js'
import { account } from './helpers.js'

describe('config', () => {
  it('keeps its JSON Schema stable: a change here is a change for every user', () => {
    expect(JSON.parse(JSON.stringify(SheetsConfig))).toMatchSnapshot()
  })

  it('fills in the defaults and reads the key', () => {
    const config = resolveConfig({
      spreadsheetId: 'abc-123_XYZ',
      auth: { type: 'service_account', credentials: account.keyJson('https://oauth2.googleapis.com') },
    })
    expect(config).toMatchObject({
      valueInputOption: 'RAW',
      createSheets: true,
      quota: { writeRequests: 60, readRequests: 60, windowMs: 60_000 },
      maxRequestBytes: 2_000_000,
      apiUrl: 'https://sheets.googleapis.com',
      auth: {
        type: 'service_account',
        key: { client_email: account.email, token_uri: 'https://oauth2.googleapis.com/token' },
      },
    })
  })

  it('reads the key from keyFile, and says which file it cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-sheets-key-'))
    try {
      const keyFile = join(dir, 'key.json')
      writeFileSync(keyFile, account.keyJson('https://oauth2.googleapis.com'))
      expect(
        resolveConfig({ spreadsheetId: 'x', auth: { type: 'service_account', keyFile } }).auth,
      ).toMatchObject({
        key: { client_email: account.email },
      })
      const missing = join(dir, 'nope.json')
      expect(() =>
        resolveConfig({ spreadsheetId: 'x', auth: { type: 'service_account', keyFile: missing } }),
      ).toThrow(`cannot read the service account key file ${missing}.`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('lists every problem with its path', () => {
    expect(() =>
      resolveConfig({
        spreadsheetId: 'has spaces',
        auth: { type: 'service_account' },
        valueInputOption: 'FORMULA',
        extra: 1,
      }),
    ).toThrow(
      'the Google Sheets settings are not valid: (settings): unknown setting "extra"; spreadsheetId: must match pattern "^[A-Za-z0-9_-]+$"; valueInputOption: must be equal to one of the allowed values; auth: give exactly one of credentials (the key JSON) or keyFile (its path).',
    )
  })

  it('names what a key lacks without quoting it', () => {
    const key = JSON.stringify({ type: 'service_account', private_key: 'not-a-real-key-material' })
    let message = ''
    try {
      resolveConfig({ spreadsheetId: 'x', auth: { type: 'service_account', credentials: key } })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toContain('auth.credentials: the key lacks client_email')
    expect(message).not.toContain('not-a-real-key-material')
  })

  it('declares what a sheet supports', () => {
    expect(sheets.capabilities).toMatchObject({
      behaviours: ['upsert', 'update', 'create', 'mirror', 'append', 'delete'],
      deleteBehaviours: ['nothing', 'clear', 'delete'],
      concurrency: 1,
      rateLimit: { requests: 60, perMs: 60_000 },
      syncAllProperties: true,
    })
  })
})
