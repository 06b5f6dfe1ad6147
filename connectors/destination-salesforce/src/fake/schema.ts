import type { FieldDescribe, SObjectDescribe } from '../describe.js'

/**
 * The fake org's objects, described as Salesforce describes them: Contact, Lead, Account and one
 * custom object, each with an external-ID field, required fields, length-limited text and picklists.
 */

type FieldOptions = Partial<Omit<FieldDescribe, 'name' | 'type' | 'picklistValues'>> & { picklist?: string[] }

function field(name: string, type: string, options: FieldOptions = {}): FieldDescribe {
  const { picklist, ...rest } = options
  const system = type === 'id'
  return {
    name,
    label: name.replace(/__c$/, '').replaceAll('_', ' '),
    type,
    length: 0,
    createable: !system,
    updateable: !system,
    nillable: true,
    defaultedOnCreate: false,
    externalId: false,
    idLookup: system,
    unique: false,
    custom: name.endsWith('__c'),
    calculated: false,
    restrictedPicklist: false,
    picklistValues: (picklist ?? []).map((value) => ({
      value,
      label: value,
      active: true,
      defaultValue: false,
    })),
    ...rest,
  }
}

const text = (name: string, length: number, options: FieldOptions = {}) =>
  field(name, 'string', { length, ...options })
const readOnly: FieldOptions = { createable: false, updateable: false }
const externalId = (name: string) =>
  text(name, 255, { externalId: true, unique: true, idLookup: true, custom: true })

/** Fields every object has. */
function systemFields(): FieldDescribe[] {
  return [
    field('Id', 'id', { length: 18, nillable: false, defaultedOnCreate: true }),
    field('CreatedDate', 'datetime', { ...readOnly, nillable: false, defaultedOnCreate: true }),
    field('LastModifiedDate', 'datetime', { ...readOnly, nillable: false, defaultedOnCreate: true }),
  ]
}

function sobject(name: string, keyPrefix: string, fields: FieldDescribe[]): SObjectDescribe {
  return {
    name,
    label: name.replace(/__c$/, '').replaceAll('_', ' '),
    custom: name.endsWith('__c'),
    createable: true,
    updateable: true,
    deletable: true,
    queryable: true,
    keyPrefix,
    fields: [...systemFields(), ...fields],
  }
}

export function defaultObjects(): SObjectDescribe[] {
  return [
    sobject('Contact', '003', [
      text('FirstName', 40),
      text('LastName', 80, { nillable: false }),
      field('Name', 'string', { length: 121, ...readOnly, calculated: true }),
      field('Email', 'email', { length: 80 }),
      field('Phone', 'phone', { length: 40 }),
      text('Title', 128),
      field('Birthdate', 'date'),
      field('HasOptedOutOfEmail', 'boolean', { nillable: false, defaultedOnCreate: true }),
      field('LeadSource', 'picklist', {
        length: 255,
        picklist: ['Web', 'Phone Inquiry', 'Partner Referral', 'Other'],
      }),
      field('Description', 'textarea', { length: 32000 }),
      field('AccountId', 'reference', { length: 18 }),
      externalId('External_Id__c'),
      field('Lifetime_Value__c', 'currency', { custom: true }),
    ]),
    sobject('Lead', '00Q', [
      text('FirstName', 40),
      text('LastName', 80, { nillable: false }),
      text('Company', 255, { nillable: false }),
      field('Email', 'email', { length: 80 }),
      text('Title', 128),
      field('Status', 'picklist', {
        length: 255,
        nillable: false,
        defaultedOnCreate: true,
        restrictedPicklist: true,
        picklist: [
          'Open - Not Contacted',
          'Working - Contacted',
          'Closed - Converted',
          'Closed - Not Converted',
        ],
      }),
      field('LeadSource', 'picklist', {
        length: 255,
        picklist: ['Web', 'Phone Inquiry', 'Partner Referral', 'Other'],
      }),
      externalId('External_Id__c'),
    ]),
    sobject('Account', '001', [
      text('Name', 255, { nillable: false }),
      text('AccountNumber', 40),
      field('Industry', 'picklist', {
        length: 255,
        picklist: ['Banking', 'Education', 'Retail', 'Technology'],
      }),
      field('AnnualRevenue', 'currency'),
      field('NumberOfEmployees', 'int'),
      field('Website', 'url', { length: 255 }),
      externalId('External_Id__c'),
    ]),
    sobject('Subscription__c', 'a0B', [
      text('Name', 80),
      externalId('Subscription_Key__c'),
      field('Plan__c', 'picklist', {
        length: 255,
        nillable: false,
        restrictedPicklist: true,
        custom: true,
        picklist: ['Free', 'Pro', 'Enterprise'],
      }),
      field('Seats__c', 'double', { custom: true }),
      text('Notes__c', 100, { custom: true }),
      field('Contact__c', 'reference', { length: 18, custom: true }),
      field('Active__c', 'boolean', { nillable: false, defaultedOnCreate: true, custom: true }),
    ]),
  ]
}
