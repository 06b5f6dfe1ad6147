import type { RecordResult } from '@sluice/core'
import type { HttpResponse } from '@sluice/core/http'
import { describe, expect, it } from 'vitest'
import type { JobInfo } from '../src/bulk/ingest.js'
import { matchResults } from '../src/bulk/results.js'
import { saveResults } from '../src/collections.js'
import type { Plan } from '../src/plan.js'

const answer = (status: number, text: string, contentType = 'application/json'): HttpResponse => {
  let body: unknown = text
  try {
    if (/json/.test(contentType) && text) body = JSON.parse(text)
  } catch {}
  return { status, headers: { 'content-type': contentType }, body, text }
}

describe('sObject Collections answers', () => {
  it('takes one SaveResult per record with a boolean success', () => {
    const ok = answer(
      200,
      JSON.stringify([
        { id: '003', success: true, errors: [] },
        { success: false, errors: [] },
      ]),
    )
    expect(saveResults(ok, 2)).toHaveLength(2)
  })

  it('fails the request on any 2xx that is not that, so no record is marked', () => {
    const cases: Array<[HttpResponse, RegExp]> = [
      [answer(200, '<html><body>OK</body></html>', 'text/html'), /not JSON/],
      [answer(201, ''), /an empty body/],
      [answer(200, '[{"id":"003","succ'), /not JSON/],
      [answer(200, '{"status":"queued"}'), /not a list of results/],
      [answer(200, '[{"id":"003","success":true}]'), /1 results for 2 records/],
      [answer(200, '[{"success":"true"},{"success":true}]'), /result 0 without a boolean "success"/],
      [answer(200, '[{"success":false,"errors":"INVALID_SESSION_ID"},{"success":true}]'), /result 0/],
    ]
    for (const [response, problem] of cases) {
      expect(() => saveResults(response, 2), response.text).toThrow(problem)
      try {
        saveResults(response, 2)
      } catch (error) {
        expect(error).toMatchObject({ code: 'UNACKNOWLEDGED', category: 'transient' })
      }
    }
  })
})

describe('Bulk API result files', () => {
  const plan: Plan = {
    object: 'Contact',
    operation: 'upsert',
    externalIdField: 'Ext__c',
    keyField: 'Ext__c',
    records: [],
    settled: new Map(),
  }
  const records = [
    { index: 0, key: 'a', fields: {} },
    { index: 1, key: 'b', fields: {} },
  ]
  const info: JobInfo = { id: '750x', state: 'JobComplete' }

  it('reads the documented files, header only when nothing failed', () => {
    const results: RecordResult[] = []
    matchResults(
      plan,
      records,
      {
        successful: 'sf__Id,sf__Created,Ext__c\n003A,true,a\n003B,false,b\n',
        failed: 'sf__Id,sf__Error,Ext__c\n',
      },
      info,
      results,
    )
    expect(results).toEqual([{ status: 'succeeded' }, { status: 'succeeded' }])
  })

  it('marks nothing when a result file is a page, empty or cut', () => {
    for (const successful of ['<html><body>OK</body></html>', '', '"sf__Id,sf__Created,Ext__c\n003A']) {
      const results: RecordResult[] = []
      expect(() =>
        matchResults(plan, records, { successful, failed: 'sf__Id,sf__Error,Ext__c\n' }, info, results),
      ).toThrow(/is not Salesforce's result file/)
      expect(results.filter((r) => r?.status === 'succeeded')).toEqual([])
    }
  })
})
