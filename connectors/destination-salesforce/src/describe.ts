import type { CatalogField, CatalogObject } from '@sluice/core/contract'

/** The parts of `GET /sobjects/<Object>/describe` the connector reads. */
export interface SObjectDescribe {
  name: string
  label: string
  custom: boolean
  createable: boolean
  updateable: boolean
  deletable: boolean
  queryable: boolean
  keyPrefix: string | null
  fields: FieldDescribe[]
}

export interface FieldDescribe {
  name: string
  label: string
  /** `id`, `string`, `textarea`, `email`, `phone`, `url`, `picklist`, `multipicklist`, `boolean`, `date`, `datetime`, `double`, `int`, `currency`, `percent`, `reference` … */
  type: string
  /** maximum characters for text types, 0 otherwise */
  length: number
  createable: boolean
  updateable: boolean
  nillable: boolean
  defaultedOnCreate: boolean
  externalId: boolean
  idLookup: boolean
  unique: boolean
  custom: boolean
  calculated: boolean
  restrictedPicklist: boolean
  picklistValues: Array<{ value: string; label: string; active: boolean; defaultValue: boolean }>
}

/** An entry of the global describe, `GET /sobjects`. */
export interface SObjectSummary {
  name: string
  label: string
  custom: boolean
  createable: boolean
  updateable: boolean
  deletable: boolean
  queryable: boolean
}

/** Text types whose `length` Salesforce enforces. */
const TEXT_TYPES = new Set([
  'string',
  'textarea',
  'email',
  'phone',
  'url',
  'picklist',
  'multipicklist',
  'combobox',
  'encryptedstring',
])

export function isTextField(field: FieldDescribe): boolean {
  return TEXT_TYPES.has(field.type) && field.length > 0
}

/** A field a create must supply: createable, not nillable and without a default. */
export function isRequiredOnCreate(field: FieldDescribe): boolean {
  return field.createable && !field.nillable && !field.defaultedOnCreate && field.type !== 'boolean'
}

/** The fields that can match records: `Id` and every external-ID field. */
export function matchingFields(describe: SObjectDescribe): FieldDescribe[] {
  return describe.fields.filter((f) => f.name === 'Id' || f.externalId)
}

export function toCatalogObject(describe: SObjectDescribe, behaviours: readonly string[]): CatalogObject {
  return {
    name: describe.name,
    label: describe.label,
    behaviours: [...behaviours],
    fields: describe.fields.map(toCatalogField),
  }
}

function toCatalogField(field: FieldDescribe): CatalogField {
  const out: CatalogField = {
    name: field.name,
    label: field.label,
    type: field.type,
    createable: field.createable,
    updateable: field.updateable,
    required: isRequiredOnCreate(field),
    custom: field.custom,
  }
  if (field.name === 'Id' || field.externalId) out.identifier = true
  if (isTextField(field)) out.length = field.length
  if (field.picklistValues.length > 0)
    out.values = field.picklistValues.filter((p) => p.active).map((p) => p.value)
  return out
}
