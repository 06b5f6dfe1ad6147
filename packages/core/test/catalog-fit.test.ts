import { describe, expect, it } from 'vitest'
import { catalogProblems } from '../src/config/catalog-fit.js'
import type { ResolvedSync } from '../src/config/resolve.js'
import type { Catalog } from '../src/contract/catalog.js'

const catalog: Catalog = {
  objects: [
    {
      name: 'Contact',
      fields: [
        { name: 'Id', type: 'id', identifier: true, createable: false, updateable: false },
        { name: 'External_Id__c', type: 'string', identifier: true },
        { name: 'Email', type: 'email' },
        { name: 'LastName', type: 'string', required: true },
        { name: 'LeadSource', type: 'picklist', values: ['Web', 'Partner'] },
        { name: 'CreatedDate', type: 'datetime', createable: false, updateable: false },
      ],
    },
    {
      name: 'users',
      createsFields: true,
      fields: [{ name: 'external_id', type: 'string', identifier: true }],
    },
  ],
}

function sync(overrides: Partial<ResolvedSync>): ResolvedSync {
  return {
    name: 'contacts',
    enabled: true,
    labels: [],
    model: 'customers',
    destination: 'crm',
    object: 'Contact',
    behaviour: 'upsert',
    identifier: { column: 'id', field: 'External_Id__c' },
    mappings: [
      { from: 'email', to: 'Email' },
      { from: 'last_name', to: 'LastName' },
    ],
    syncAllProperties: false,
    batching: {},
    schedule: { type: 'manual' },
    alerts: [],
    ...overrides,
  } as ResolvedSync
}

const found = (s: ResolvedSync) =>
  catalogProblems(s, catalog).map((p) => `${p.path}: expected ${p.expected}, found ${p.found}`)

describe('a sync against its destination catalog', () => {
  it('fits when every field exists, can be written and the required ones are mapped', () => {
    expect(found(sync({}))).toEqual([])
  })

  it('names an unknown object and an unknown field, with the closest name', () => {
    expect(found(sync({ object: 'Contacts' }))).toEqual([
      '/syncs/contacts/object: expected an object the destination has: one of Contact | users, found "Contacts" (did you mean "Contact"?)',
    ])
    expect(
      found(
        sync({
          mappings: [
            { from: 'email', to: 'Emial' },
            { from: 'l', to: 'LastName' },
          ],
        }),
      ),
    ).toEqual([
      '/syncs/contacts/mappings/0/to: expected a field of Contact, found "Emial", which Contact does not have (did you mean "Email"?)',
    ])
  })

  it('refuses an identifier that cannot match records, a read-only field and an unmapped required field', () => {
    expect(
      found(
        sync({
          identifier: { column: 'id', field: 'Email' },
          mappings: [{ from: 'created', to: 'CreatedDate' }],
        }),
      ),
    ).toEqual([
      '/syncs/contacts/identifier/field: expected a field that can match Contact records: one of Id | External_Id__c, found "Email", which is not an external id or unique key',
      '/syncs/contacts/mappings/0/to: expected a field this upsert sync can write, found "CreatedDate", which is read-only',
      '/syncs/contacts/mappings: expected a mapping to LastName, which Contact requires to create a record, found none',
    ])
  })

  it('checks a constant against a picklist', () => {
    const mappings = [...sync({}).mappings, { constant: 'Webinar', to: 'LeadSource' }]
    expect(found(sync({ mappings }))).toEqual([
      '/syncs/contacts/mappings/2/constant: expected a value of the LeadSource picklist: one of Web | Partner, found "Webinar"',
    ])
  })

  it('lets a destination that creates fields on write take new names', () => {
    expect(
      found(
        sync({
          object: 'users',
          identifier: { column: 'id', field: 'external_id' },
          mappings: [{ from: 'plan', to: 'plan_tier' }],
        }),
      ),
    ).toEqual([])
  })
})
