import { describe, expect, it } from 'vitest'
import { reasonTemplate } from '../src/reason.js'

describe('reasonTemplate', () => {
  it('groups messages that differ only in the row they are about', () => {
    const messages = Array.from({ length: 100 }, (_, i) =>
      reasonTemplate(`no Contact with External_Id__c = ${i * 7}`, null),
    )
    expect(new Set(messages)).toEqual(new Set(['no Contact with External_Id__c = {value}']))
  })

  it('replaces the row identifier, quoted data, emails, uuids and ids, and keeps field names', () => {
    expect(reasonTemplate('the identifier "cus_000042" appears in 2 rows', 'cus_000042')).toBe(
      'the identifier "{identifier}" appears in {value} rows',
    )
    expect(reasonTemplate("'email' is not a valid email address", 'cus_1')).toBe(
      "'email' is not a valid email address",
    )
    expect(reasonTemplate("value 'bob@example' for 'email' is invalid", null)).toBe(
      "value '{value}' for 'email' is invalid",
    )
    expect(reasonTemplate('duplicate of 0035g00000AbCdEfGHI owned by ann@acme.io', null)).toBe(
      'duplicate of {id} owned by {email}',
    )
    expect(reasonTemplate('job 3f2b7c1e-9d4a-4e8b-a1c2-0123456789ab failed', null)).toBe('job {uuid} failed')
  })

  it('leaves a message without particulars as it is', () => {
    expect(reasonTemplate('Required fields are missing: [LastName]', 'x')).toBe(
      'Required fields are missing: [LastName]',
    )
  })
})
