import { stringifyJsonBody } from '@sluice/core/http'
import { describe, expect, it } from 'vitest'
import { assertionClaims, audienceFor, signAssertion, verifyAssertion } from '../src/auth/jwt.js'
import { parseBulkError } from '../src/bulk/results.js'
import { csvLine, parseCsv, parseCsvRecords } from '../src/csv.js'
import { makeId, toId15, toId18 } from '../src/fake/ids.js'
import { parseQuery } from '../src/fake/soql.js'
import { soqlString } from '../src/plan.js'
import { toCsvCell, toJsonValue } from '../src/values.js'
import { keyPair } from './keys.js'

describe('values', () => {
  it('sends every value of a BIGINT column as one type: an exact number in JSON, its digits in CSV', () => {
    expect([42n, 9007199254740993n].map(toJsonValue)).toEqual([42n, 9007199254740993n])
    expect(stringifyJsonBody({ a: toJsonValue(42n), b: toJsonValue(9007199254740993n) })).toBe(
      '{"a":42,"b":9007199254740993}',
    )
    expect([42n, 9007199254740993n].map(toCsvCell)).toEqual(['42', '9007199254740993'])
  })
})

describe('csv', () => {
  it('round-trips quotes, commas, line breaks and edge spaces', () => {
    const values = ['plain', 'a,b', 'say "hi"', 'line\nbreak', ' padded ', '', '#N/A']
    const text = csvLine(values) + csvLine(['x', 'y', 'z', 'w', 'v', 'u', 't'])
    expect(parseCsv(text)).toEqual([values, ['x', 'y', 'z', 'w', 'v', 'u', 't']])
  })

  it('reads CRLF and a header row into records', () => {
    const { header, records } = parseCsvRecords('"sf__Id","sf__Created",Name\r\n"001","true","Acme, Inc"\r\n')
    expect(header).toEqual(['sf__Id', 'sf__Created', 'Name'])
    expect(records).toEqual([{ sf__Id: '001', sf__Created: 'true', Name: 'Acme, Inc' }])
  })

  it('refuses text that ends inside quotes', () => {
    expect(() => parseCsv('"open')).toThrow(/quoted/)
  })
})

describe('JWT bearer assertion', () => {
  const keys = keyPair()
  it('signs RS256 with iss, sub, aud and exp a few minutes ahead', () => {
    const claims = assertionClaims(
      'key',
      'user@example.com',
      'https://test.salesforce.com',
      1_700_000_000_000,
    )
    expect(claims).toEqual({
      iss: 'key',
      sub: 'user@example.com',
      aud: 'https://test.salesforce.com',
      exp: 1_700_000_180,
    })
    const jwt = signAssertion(claims, keys.privateKey)
    const [header] = jwt.split('.')
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'RS256' })
    expect(verifyAssertion(jwt, keys.publicKey)).toEqual({ ok: true, claims })
  })

  it('addresses login or test, never a My Domain', () => {
    expect(audienceFor('https://login.salesforce.com')).toBe('https://login.salesforce.com')
    expect(audienceFor('https://acme.my.salesforce.com/')).toBe('https://login.salesforce.com')
    expect(audienceFor('https://test.salesforce.com')).toBe('https://test.salesforce.com')
    expect(audienceFor('https://acme--uat.sandbox.my.salesforce.com')).toBe('https://test.salesforce.com')
    expect(audienceFor('https://acme--uat.my.salesforce.com')).toBe('https://test.salesforce.com')
    expect(audienceFor('https://acme.my.site.com/customers/')).toBe('https://acme.my.site.com/customers')
  })

  it('fails verification with another key or a changed payload', () => {
    const jwt = signAssertion(assertionClaims('key', 'u', 'https://login.salesforce.com'), keys.privateKey)
    expect(verifyAssertion(jwt, keyPair().publicKey)).toMatchObject({ ok: false })
    const [h, , s] = jwt.split('.')
    const forged = `${h}.${Buffer.from(JSON.stringify({ iss: 'key', sub: 'admin', aud: 'x', exp: 1 })).toString('base64url')}.${s}`
    expect(verifyAssertion(forged, keys.publicKey)).toMatchObject({ ok: false })
  })
})

describe('record Ids', () => {
  it('computes the 18-character suffix from the case of the first 15', () => {
    // A documented example: 001A0000006Vm9r → 001A0000006Vm9rIAC
    expect(toId18('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC')
    expect(toId15('001A0000006Vm9rIAC')).toBe('001A0000006Vm9r')
    expect(toId15('001A0000006Vm9rXXX')).toBeUndefined()
    const id = makeId('003', 12345)
    expect(id).toHaveLength(18)
    expect(id.startsWith('003')).toBe(true)
    expect(makeId('003', 12346)).not.toBe(id)
  })
})

describe('SOQL lookups', () => {
  it('escapes quotes and backslashes and the fake reads them back', () => {
    const q = `SELECT Id, Ext__c FROM Contact WHERE Ext__c IN (${[`o'brien`, 'back\\slash', 'plain'].map(soqlString).join(',')})`
    expect(parseQuery(q)).toEqual({
      fields: ['Id', 'Ext__c'],
      object: 'Contact',
      whereField: 'Ext__c',
      values: [`o'brien`, 'back\\slash', 'plain'],
    })
    expect(parseQuery('SELECT Id FROM Contact')).toBeUndefined()
  })
})

describe('Bulk sf__Error', () => {
  it('splits code, message (with colons) and fields', () => {
    expect(
      parseBulkError(
        'DUPLICATE_VALUE:duplicate value found: External_Id__c duplicates value on record with id: 0035g00000abcdeAAA:External_Id__c --',
      ),
    ).toEqual([
      {
        statusCode: 'DUPLICATE_VALUE',
        message:
          'duplicate value found: External_Id__c duplicates value on record with id: 0035g00000abcdeAAA',
        fields: ['External_Id__c'],
      },
    ])
    expect(
      parseBulkError('REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --')[0],
    ).toMatchObject({
      statusCode: 'REQUIRED_FIELD_MISSING',
      fields: ['LastName'],
    })
  })
})
