import type { FieldDescribe, SObjectDescribe } from '../describe.js'
import { isRequiredOnCreate, isTextField } from '../describe.js'
import { makeId, toId15, toId18 } from './ids.js'

/** A per-record error as the REST API reports it (`statusCode`, unlike top-level `errorCode`). */
export interface RecordError {
  statusCode: string
  message: string
  fields: string[]
}

/** A SaveResult / UpsertResult / DeleteResult of sObject Collections. */
export interface SaveResult {
  id: string | null
  success: boolean
  errors: RecordError[]
  created?: boolean
}

/** A field value as the org stores it: typed by the field's describe. */
export type StoredValue = string | number | boolean | null

/** Input values: JSON from Collections, or CSV text from Bulk (where `#N/A` means null). */
export type InputValues = Record<string, unknown>

/** Fields the org sets itself. */
const SYSTEM_FIELDS = new Set(['Id', 'CreatedDate', 'LastModifiedDate'])
const NUMBER_TYPES = new Set(['double', 'int', 'currency', 'percent'])

const fail = (statusCode: string, message: string, fields: string[] = []): SaveResult => ({
  id: null,
  success: false,
  errors: [{ statusCode, message, fields }],
})

interface ObjectStore {
  describe: SObjectDescribe
  fields: Map<string, FieldDescribe>
  /** 15-character Id → record */
  rows: Map<string, Record<string, StoredValue>>
  /** Ids deleted earlier (ENTITY_IS_DELETED rather than an unknown Id) */
  deleted: Set<string>
  /** external-ID field → lower-cased value → 15-character Id (external IDs are case-insensitive) */
  unique: Map<string, Map<string, string>>
  nextId: number
}

/**
 * The in-memory org behind the fake: objects described by `describe`, records, and the DML rules
 * Salesforce applies (createable / updateable fields, required fields, lengths, restricted picklists,
 * unique external IDs, types), reporting failures with Salesforce's status codes and messages.
 */
export class FakeOrg {
  private readonly objects = new Map<string, ObjectStore>()

  constructor(
    describes: SObjectDescribe[],
    /** a validation rule: a reason fails the record with FIELD_CUSTOM_VALIDATION_EXCEPTION */
    private readonly rejectionFor: (record: Record<string, unknown>) => string | undefined,
  ) {
    for (const describe of describes) {
      this.objects.set(describe.name.toLowerCase(), {
        describe,
        fields: new Map(describe.fields.map((f) => [f.name.toLowerCase(), f])),
        rows: new Map(),
        deleted: new Set(),
        unique: new Map(describe.fields.filter((f) => f.unique).map((f) => [f.name, new Map()])),
        nextId: 1,
      })
    }
  }

  describes(): SObjectDescribe[] {
    return [...this.objects.values()].map((o) => o.describe)
  }

  describe(object: string): SObjectDescribe | undefined {
    return this.objects.get(object.toLowerCase())?.describe
  }

  field(object: string, name: string): FieldDescribe | undefined {
    return this.objects.get(object.toLowerCase())?.fields.get(name.toLowerCase())
  }

  /** The first field named in `names` that the object lacks. */
  unknownField(object: string, names: Iterable<string>): string | undefined {
    for (const name of names) if (name !== 'attributes' && !this.field(object, name)) return name
    return undefined
  }

  reset(): void {
    for (const store of this.objects.values()) {
      store.rows.clear()
      store.deleted.clear()
      for (const index of store.unique.values()) index.clear()
      store.nextId = 1
    }
  }

  /** Saves the whole org; the returned function puts it back (allOrNone rollbacks). */
  snapshot(): () => void {
    const saved = [...this.objects.values()].map((store) => ({
      store,
      rows: new Map([...store.rows].map(([id, row]) => [id, { ...row }])),
      deleted: new Set(store.deleted),
      unique: new Map([...store.unique].map(([name, index]) => [name, new Map(index)])),
      nextId: store.nextId,
    }))
    return () => {
      for (const s of saved) {
        s.store.rows = s.rows
        s.store.deleted = s.deleted
        s.store.unique = s.unique
        s.store.nextId = s.nextId
      }
    }
  }

  /** The object an Id belongs to, by its key prefix. */
  objectForId(id: string): string | undefined {
    const id15 = toId15(id)
    if (!id15) return undefined
    for (const store of this.objects.values())
      if (id15.startsWith(store.describe.keyPrefix ?? '\0')) return store.describe.name
    return undefined
  }

  /** Every live record of an object, with its 18-character Id. */
  *rows(object: string): Generator<Record<string, StoredValue>> {
    const store = this.store(object)
    for (const [id15, row] of store.rows) yield { ...row, Id: toId18(id15) }
  }

  /** Finds a record by the value of a field (Id or any field), as SOQL `WHERE field IN (…)` does. */
  findBy(object: string, fieldName: string, value: string): Record<string, StoredValue> | undefined {
    const store = this.store(object)
    const field = store.fields.get(fieldName.toLowerCase())
    if (!field) return undefined
    if (field.name === 'Id') {
      const id15 = toId15(value)
      const row = id15 ? store.rows.get(id15) : undefined
      return row && id15 ? { ...row, Id: toId18(id15) } : undefined
    }
    const index = store.unique.get(field.name)
    if (index) {
      const id15 = index.get(value.toLowerCase())
      const row = id15 ? store.rows.get(id15) : undefined
      return row && id15 ? { ...row, Id: toId18(id15) } : undefined
    }
    for (const [id15, row] of store.rows) if (row[field.name] === value) return { ...row, Id: toId18(id15) }
    return undefined
  }

  insert(object: string, input: InputValues): SaveResult {
    const store = this.store(object)
    const prepared = this.prepare(store, input, 'create')
    if ('failure' in prepared) return prepared.failure
    const values = prepared.values
    const missing = store.describe.fields
      .filter(isRequiredOnCreate)
      .filter((f) => values[f.name] === undefined || values[f.name] === null)
      .map((f) => f.name)
    if (missing.length > 0) {
      return fail('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing)
    }
    const rejection = this.validationRule(values)
    if (rejection) return rejection
    const id18 = makeId(store.describe.keyPrefix ?? 'a00', store.nextId++)
    const id15 = id18.slice(0, 15)
    const duplicate = this.claimUnique(store, id15, values)
    if (duplicate) return duplicate
    const now = new Date().toISOString()
    const row: Record<string, StoredValue> = { CreatedDate: now, LastModifiedDate: now }
    for (const f of store.describe.fields) {
      if (f.type === 'boolean' && f.defaultedOnCreate) row[f.name] = false
      if (f.type === 'picklist' && f.defaultedOnCreate && f.picklistValues[0])
        row[f.name] = f.picklistValues[0].value
    }
    Object.assign(row, values)
    store.rows.set(id15, row)
    return { id: id18, success: true, errors: [] }
  }

  update(object: string, id: unknown, input: InputValues): SaveResult {
    const store = this.store(object)
    const found = this.existing(store, id)
    if ('errors' in found) return found
    const prepared = this.prepare(store, input, 'update')
    if ('failure' in prepared) return prepared.failure
    const values = prepared.values
    const cleared = Object.entries(values)
      .filter(([name, v]) => v === null && !store.fields.get(name.toLowerCase())!.nillable)
      .map(([name]) => name)
    if (cleared.length > 0) {
      return fail('REQUIRED_FIELD_MISSING', `Required fields are missing: [${cleared.join(', ')}]`, cleared)
    }
    const row = store.rows.get(found.id15)!
    const rejection = this.validationRule({ ...row, ...values })
    if (rejection) return rejection
    const duplicate = this.claimUnique(store, found.id15, values)
    if (duplicate) return duplicate
    Object.assign(row, values, { LastModifiedDate: new Date().toISOString() })
    return { id: toId18(found.id15), success: true, errors: [] }
  }

  /** Creates or updates by an external-ID field; `created` says which. */
  upsert(object: string, externalIdField: string, input: InputValues): SaveResult {
    const store = this.store(object)
    const field = store.fields.get(externalIdField.toLowerCase())
    if (!field || !(field.externalId || field.name === 'Id')) {
      return fail(
        'INVALID_FIELD',
        `Field name provided, ${externalIdField} is not an External ID or indexed field`,
      )
    }
    const key = Object.keys(input).find((k) => k.toLowerCase() === field.name.toLowerCase())
    const value = key === undefined ? undefined : input[key]
    if (value === undefined || value === null || value === '' || value === '#N/A') {
      return { ...fail('MISSING_ARGUMENT', `${field.name} not specified`), created: false }
    }
    const existing = this.findBy(object, field.name, String(value))
    if (existing) {
      const { [key!]: _matched, ...rest } = input
      return { ...this.update(object, existing.Id, rest), created: false }
    }
    if (field.name === 'Id')
      return {
        ...fail('NOT_FOUND', 'Provided external ID field does not exist or is not accessible: Id'),
        created: false,
      }
    const result = this.insert(object, input)
    return { ...result, created: result.success }
  }

  delete(object: string, id: unknown): SaveResult {
    const store = this.store(object)
    const found = this.existing(store, id)
    if ('errors' in found) return found
    const row = store.rows.get(found.id15)!
    for (const [name, index] of store.unique) {
      const v = row[name]
      if (v !== null && v !== undefined) index.delete(String(v).toLowerCase())
    }
    store.rows.delete(found.id15)
    store.deleted.add(found.id15)
    return { id: toId18(found.id15), success: true, errors: [] }
  }

  private store(object: string): ObjectStore {
    const store = this.objects.get(object.toLowerCase())
    if (!store) throw new Error(`the fake org has no object ${object}`)
    return store
  }

  private existing(store: ObjectStore, id: unknown): { id15: string } | SaveResult {
    const id15 = typeof id === 'string' ? toId15(id) : undefined
    if (!id15?.startsWith(store.describe.keyPrefix ?? '')) {
      return fail('MALFORMED_ID', `${store.describe.label} ID: id value of incorrect type: ${String(id)}`, [
        'Id',
      ])
    }
    if (store.deleted.has(id15)) return fail('ENTITY_IS_DELETED', 'entity is deleted')
    if (!store.rows.has(id15)) return fail('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id')
    return { id15 }
  }

  /** Checks and converts input values field by field, as DML does before saving. */
  private prepare(
    store: ObjectStore,
    input: InputValues,
    operation: 'create' | 'update',
  ): { values: Record<string, StoredValue> } | { failure: SaveResult } {
    const out: Record<string, StoredValue> = {}
    const notWritable: string[] = []
    for (const [name, raw] of Object.entries(input)) {
      if (name === 'attributes' || name === 'Id' || name === 'id') continue
      const field = store.fields.get(name.toLowerCase())
      if (!field) {
        return {
          failure: fail(
            'INVALID_FIELD',
            `No such column '${name}' on sobject of type ${store.describe.name}`,
          ),
        }
      }
      if (raw === undefined || raw === '') continue
      if (!(operation === 'create' ? field.createable : field.updateable) || SYSTEM_FIELDS.has(field.name)) {
        notWritable.push(field.name)
        continue
      }
      const value = raw === '#N/A' ? null : raw
      const converted = convert(field, value)
      if ('failure' in converted) return converted
      out[field.name] = converted.value
    }
    if (notWritable.length > 0) {
      const failure = fail(
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to create/update fields: ${notWritable.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        notWritable,
      )
      return { failure }
    }
    return { values: out }
  }

  private validationRule(values: Record<string, unknown>): SaveResult | undefined {
    const reason = this.rejectionFor(values)
    return reason ? fail('FIELD_CUSTOM_VALIDATION_EXCEPTION', reason) : undefined
  }

  /** Reserves unique values for a record; a value another record holds fails with DUPLICATE_VALUE. */
  private claimUnique(
    store: ObjectStore,
    id15: string,
    values: Record<string, StoredValue>,
  ): SaveResult | undefined {
    for (const [name, index] of store.unique) {
      if (!(name in values)) continue
      const value = values[name]
      const holder = value === null ? undefined : index.get(String(value).toLowerCase())
      if (holder && holder !== id15) {
        return fail(
          'DUPLICATE_VALUE',
          `duplicate value found: ${name} duplicates value on record with id: ${toId18(holder)}`,
          [name],
        )
      }
    }
    const row = store.rows.get(id15)
    for (const [name, index] of store.unique) {
      if (!(name in values)) continue
      const previous = row?.[name]
      if (previous !== null && previous !== undefined) index.delete(String(previous).toLowerCase())
      const value = values[name]
      if (value !== null && value !== undefined) index.set(String(value).toLowerCase(), id15)
    }
    return undefined
  }
}

/** Converts one input value to the field's type, or the error Salesforce reports for it. */
function convert(field: FieldDescribe, value: unknown): { value: StoredValue } | { failure: SaveResult } {
  if (value === null) return { value: null }
  const label = field.label
  if (field.type === 'boolean') {
    if (typeof value === 'boolean') return { value }
    if (value === 'true' || value === 'false') return { value: value === 'true' }
    return failed(
      'INVALID_TYPE_ON_FIELD_IN_RECORD',
      `${label}: value not of required type: ${String(value)}`,
      [field.name],
    )
  }
  if (NUMBER_TYPES.has(field.type)) {
    const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN
    if (!Number.isFinite(n) || (field.type === 'int' && !Number.isInteger(n))) {
      return failed(
        'INVALID_TYPE_ON_FIELD_IN_RECORD',
        `${label}: value not of required type: ${String(value)}`,
        [field.name],
      )
    }
    return { value: n }
  }
  if (typeof value === 'object') {
    return failed(
      'JSON_PARSER_ERROR',
      `Cannot deserialize instance of ${field.type} from ${Array.isArray(value) ? 'START_ARRAY' : 'START_OBJECT'} value`,
      [field.name],
    )
  }
  const text = String(value)
  if (isTextField(field) && text.length > field.length) {
    return failed(
      'STRING_TOO_LONG',
      `${label}: data value too large: ${text.slice(0, 40)} (max length=${field.length})`,
      [field.name],
    )
  }
  if (field.type === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(text)) {
    return failed('INVALID_EMAIL_ADDRESS', `${label}: invalid email address: ${text}`, [field.name])
  }
  if (
    field.type === 'picklist' &&
    field.restrictedPicklist &&
    !field.picklistValues.some((p) => p.active && p.value === text)
  ) {
    return failed(
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      `${label}: bad value for restricted picklist field: ${text}`,
      [field.name],
    )
  }
  if (field.type === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    return failed('INVALID_TYPE_ON_FIELD_IN_RECORD', `${label}: value not of required type: ${text}`, [
      field.name,
    ])
  }
  if (field.type === 'reference' && !toId15(text)) {
    return failed('MALFORMED_ID', `${label}: id value of incorrect type: ${text}`, [field.name])
  }
  return { value: text }
}

const failed = (statusCode: string, message: string, fields: string[]) => ({
  failure: fail(statusCode, message, fields),
})
