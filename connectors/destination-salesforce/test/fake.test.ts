import { type FakeHost, startFakeHost } from '@sluice/conformance'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { assertionClaims, signAssertion } from '../src/auth/jwt.js'
import { parseCsvRecords } from '../src/csv.js'
import { createFakeSalesforce } from '../src/fake/index.js'
import { keyPair } from './keys.js'

/** The fake org answered in Salesforce's shapes, spoken to with plain fetch. */
const keys = keyPair()
const fake = createFakeSalesforce({ publicKey: keys.publicKey, bulkPollsUntilComplete: 1, seed: 7 })
let host: FakeHost
let token: string
const v = '/services/data/v62.0'

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${host.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  })
  const text = await response.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, headers: response.headers, text, json: json as never }
}

async function login(assertion: string) {
  const response = await fetch(`${host.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion,
    }).toString(),
  })
  return { status: response.status, body: (await response.json()) as Record<string, string> }
}

const contacts = (from: number, n: number, extra: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => ({
    attributes: { type: 'Contact' },
    External_Id__c: `E-${from + i}`,
    LastName: `L${from + i}`,
    ...extra,
  }))

beforeAll(async () => {
  host = await startFakeHost(fake)
})
afterEach(() => fake.reset())
afterAll(async () => host.close())

describe('token endpoint', () => {
  it('issues a session for a good assertion, with the instance URL', async () => {
    const { status, body } = await login(
      signAssertion(
        assertionClaims('fake-consumer-key', 'integration@example.com', host.url),
        keys.privateKey,
      ),
    )
    expect(status).toBe(200)
    expect(body).toMatchObject({ token_type: 'Bearer', instance_url: host.url, scope: 'api' })
    token = body.access_token!
  })

  it('answers invalid_grant for a bad signature or an expired assertion', async () => {
    const forged = signAssertion(
      assertionClaims('fake-consumer-key', 'integration@example.com', host.url),
      keyPair().privateKey,
    )
    expect(await login(forged)).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'invalid assertion' },
    })
    const expired = signAssertion(
      assertionClaims('fake-consumer-key', 'integration@example.com', host.url, Date.now() - 600_000),
      keys.privateKey,
    )
    expect((await login(expired)).body.error).toBe('invalid_grant')
  })
})

describe('REST', () => {
  beforeAll(async () => {
    const { body } = await login(
      signAssertion(
        assertionClaims('fake-consumer-key', 'integration@example.com', host.url),
        keys.privateKey,
      ),
    )
    token = body.access_token!
  })

  it('counts API usage in Sforce-Limit-Info and refuses once the allocation is spent', async () => {
    fake.setApiUsage(0, 3)
    const first = await call('GET', `${v}/limits`)
    expect(first.headers.get('sforce-limit-info')).toBe('api-usage=1/3')
    await call('GET', `${v}/sobjects`)
    await call('GET', `${v}/sobjects`)
    const refused = await call('GET', `${v}/sobjects`)
    expect(refused.status).toBe(403)
    expect(refused.json).toEqual([
      { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ])
  })

  it('answers 401 INVALID_SESSION_ID for an unknown or expired token', async () => {
    fake.faults.expireTokens = true
    const expired = await call('GET', `${v}/limits`)
    expect(expired.status).toBe(401)
    expect(expired.json).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }])
    const { body } = await login(
      signAssertion(
        assertionClaims('fake-consumer-key', 'integration@example.com', host.url),
        keys.privateKey,
      ),
    )
    token = body.access_token!
    expect((await call('GET', `${v}/limits`)).status).toBe(200)
  })

  it('describes objects and answers NOT_FOUND for unknown ones', async () => {
    const contact = await call('GET', `${v}/sobjects/Contact/describe`)
    expect(contact.json).toMatchObject({ name: 'Contact', keyPrefix: '003' })
    const lastName = (contact.json as { fields: Array<Record<string, unknown>> }).fields.find(
      (f) => f.name === 'LastName',
    )
    expect(lastName).toMatchObject({ type: 'string', length: 80, nillable: false, createable: true })
    const missing = await call('GET', `${v}/sobjects/Widget__c/describe`)
    expect(missing.status).toBe(404)
    expect(missing.json).toEqual([
      { errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' },
    ])
  })

  it('upserts a collection with per-record statusCode errors and created flags', async () => {
    await call('PATCH', `${v}/composite/sobjects/Contact/External_Id__c`, {
      allOrNone: false,
      records: contacts(0, 1),
    })
    const records = [
      ...contacts(0, 2),
      { attributes: { type: 'Contact' }, External_Id__c: 'E-9', LastName: 'x', Title: 't'.repeat(129) },
      { attributes: { type: 'Contact' }, External_Id__c: 'E-10' },
    ]
    const answer = await call('PATCH', `${v}/composite/sobjects/Contact/External_Id__c`, {
      allOrNone: false,
      records,
    })
    expect(answer.status).toBe(200)
    expect(answer.json).toEqual([
      { id: expect.stringMatching(/^003\w{15}$/), success: true, errors: [], created: false },
      { id: expect.stringMatching(/^003\w{15}$/), success: true, errors: [], created: true },
      {
        id: null,
        success: false,
        created: false,
        errors: [
          {
            statusCode: 'STRING_TOO_LONG',
            message: expect.stringMatching(/^Title: data value too large: t+ \(max length=128\)$/),
            fields: ['Title'],
          },
        ],
      },
      {
        id: null,
        success: false,
        created: false,
        errors: [
          {
            statusCode: 'REQUIRED_FIELD_MISSING',
            message: 'Required fields are missing: [LastName]',
            fields: ['LastName'],
          },
        ],
      },
    ])
  })

  it('answers top-level errorCode errors for an unknown field and more than 200 records', async () => {
    const unknown = await call('POST', `${v}/composite/sobjects`, {
      records: [{ attributes: { type: 'Contact' }, LastName: 'x', Shoe__c: 1 }],
    })
    expect(unknown.status).toBe(400)
    expect(unknown.json).toEqual([
      { message: "No such column 'Shoe__c' on sobject of type Contact", errorCode: 'INVALID_FIELD' },
    ])
    const tooMany = await call('POST', `${v}/composite/sobjects`, { records: contacts(0, 201) })
    expect(tooMany.json).toEqual([
      {
        message: 'record limit reached. cannot submit more than 200 records into this call',
        errorCode: 'EXCEEDED_ID_LIMIT',
      },
    ])
  })

  it('rolls the whole request back with allOrNone', async () => {
    const answer = await call('POST', `${v}/composite/sobjects`, {
      allOrNone: true,
      records: [...contacts(0, 2), { attributes: { type: 'Contact' }, External_Id__c: 'E-x' }],
    })
    expect(
      (answer.json as Array<{ errors: Array<{ statusCode: string }> }>).map((r) => r.errors[0]?.statusCode),
    ).toEqual([
      'ALL_OR_NONE_OPERATION_ROLLED_BACK',
      'ALL_OR_NONE_OPERATION_ROLLED_BACK',
      'REQUIRED_FIELD_MISSING',
    ])
    expect(fake.records('Contact').size).toBe(0)
  })

  it('refuses duplicate external IDs and deleted records as Salesforce does', async () => {
    const [created] = (await call('POST', `${v}/composite/sobjects`, { records: contacts(0, 1) }))
      .json as Array<{ id: string }>
    const duplicate = (await call('POST', `${v}/composite/sobjects`, { records: contacts(0, 1) }))
      .json as Array<{
      errors: Array<{ statusCode: string; message: string }>
    }>
    expect(duplicate[0]!.errors[0]).toMatchObject({
      statusCode: 'DUPLICATE_VALUE',
      message: `duplicate value found: External_Id__c duplicates value on record with id: ${created!.id}`,
    })
    await call('DELETE', `${v}/composite/sobjects?ids=${created!.id}&allOrNone=false`)
    const again = (await call('DELETE', `${v}/composite/sobjects?ids=${created!.id}&allOrNone=false`))
      .json as Array<{
      errors: Array<{ statusCode: string }>
    }>
    expect(again[0]!.errors[0]!.statusCode).toBe('ENTITY_IS_DELETED')
  })

  it('answers the lookup query', async () => {
    await call('POST', `${v}/composite/sobjects`, { records: contacts(0, 3) })
    const q = encodeURIComponent(
      "SELECT Id, External_Id__c FROM Contact WHERE External_Id__c IN ('E-1','e-2','E-7')",
    )
    const answer = await call('GET', `${v}/query?q=${q}`)
    expect(answer.json).toMatchObject({ totalSize: 2, done: true })
    const malformed = await call('GET', `${v}/query?q=${encodeURIComponent('SELECT FROM')}`)
    expect((malformed.json as Array<{ errorCode: string }>)[0]!.errorCode).toBe('MALFORMED_QUERY')
  })
})

describe('Bulk API 2.0', () => {
  it('runs a job through its states and returns shuffled result files', async () => {
    const job = await call('POST', `${v}/jobs/ingest`, {
      object: 'Contact',
      operation: 'upsert',
      externalIdFieldName: 'External_Id__c',
      contentType: 'CSV',
      lineEnding: 'LF',
    })
    expect(job.json).toMatchObject({
      state: 'Open',
      object: 'Contact',
      operation: 'upsert',
      contentType: 'CSV',
    })
    const id = (job.json as { id: string }).id
    const rows = Array.from(
      { length: 40 },
      (_, i) => `E-${i},${i === 5 ? '' : `L${i}`},${i === 9 ? '#N/A' : `t${i}`}`,
    )
    const upload = await call(
      'PUT',
      `${v}/jobs/ingest/${id}/batches`,
      `External_Id__c,LastName,Title\n${rows.join('\n')}\n`,
      {
        'content-type': 'text/csv',
      },
    )
    expect(upload.status).toBe(201)
    expect((await call('PATCH', `${v}/jobs/ingest/${id}`, { state: 'UploadComplete' })).json).toMatchObject({
      state: 'UploadComplete',
    })
    expect((await call('GET', `${v}/jobs/ingest/${id}`)).json).toMatchObject({ state: 'InProgress' })
    expect((await call('GET', `${v}/jobs/ingest/${id}`)).json).toMatchObject({
      state: 'JobComplete',
      numberRecordsProcessed: 40,
      numberRecordsFailed: 1,
    })
    const ok = parseCsvRecords((await call('GET', `${v}/jobs/ingest/${id}/successfulResults/`)).text)
    expect(ok.header).toEqual(['sf__Id', 'sf__Created', 'External_Id__c', 'LastName', 'Title'])
    expect(ok.records).toHaveLength(39)
    const order = ok.records.map((r) => Number(r.External_Id__c!.slice(2)))
    expect(order).not.toEqual([...order].sort((a, b) => a - b))
    const failed = parseCsvRecords((await call('GET', `${v}/jobs/ingest/${id}/failedResults/`)).text)
    expect(failed.records).toEqual([
      {
        sf__Id: '',
        sf__Error: 'REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --',
        External_Id__c: 'E-5',
        LastName: '',
        Title: 't5',
      },
    ])
    expect(fake.records('Contact').get('E-9')).toMatchObject({ Title: null })
  })

  it('fails a job whose CSV names an unknown field, leaving every row unprocessed', async () => {
    const id = (
      (await call('POST', `${v}/jobs/ingest`, { object: 'Lead', operation: 'insert' })).json as { id: string }
    ).id
    await call('PUT', `${v}/jobs/ingest/${id}/batches`, 'LastName,Company,Shoe__c\nA,B,9\n', {
      'content-type': 'text/csv',
    })
    await call('PATCH', `${v}/jobs/ingest/${id}`, { state: 'UploadComplete' })
    await call('GET', `${v}/jobs/ingest/${id}`)
    expect((await call('GET', `${v}/jobs/ingest/${id}`)).json).toMatchObject({
      state: 'Failed',
      errorMessage: 'InvalidBatch : Field name not found : Shoe__c',
    })
    expect((await call('GET', `${v}/jobs/ingest/${id}/unprocessedrecords/`)).text).toBe(
      'LastName,Company,Shoe__c\nA,B,9\n',
    )
  })

  it('refuses a job on an unknown object', async () => {
    const answer = await call('POST', `${v}/jobs/ingest`, { object: 'Widget__c', operation: 'insert' })
    expect(answer.status).toBe(400)
    expect((answer.json as Array<{ errorCode: string }>)[0]!.errorCode).toBe('INVALIDJOB')
  })
})
