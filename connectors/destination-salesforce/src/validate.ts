import { type OutboundRecord, SluiceError, type WriteBatch } from '@sluice/core/contract'
import { type FieldDescribe, isTextField, type SObjectDescribe } from './describe.js'
import { textOf } from './values.js'

/** How a batch's records are matched to Salesforce records. */
export type Matching = { kind: 'id' } | { kind: 'externalId'; field: string }

const NUMBER_TYPES = new Set(['double', 'int', 'currency', 'percent'])
const ID_PATTERN = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/

/**
 * What is wrong with a batch as a whole, against the object's describe: an identifier that cannot
 * match records, or an operation the object does not allow. These fail the run with a config error:
 * no record of such a sync can be sent.
 */
export function matchingFor(batch: WriteBatch, describe: SObjectDescribe): Matching {
  const object = describe.name
  const field = describe.fields.find((f) => f.name.toLowerCase() === batch.identifierField.toLowerCase())
  const fail = (message: string, hint: string) =>
    new SluiceError('config', message, { code: 'INVALID_IDENTIFIER', component: 'salesforce', hint })
  if (batch.operation === 'append') {
    throw new SluiceError('config', 'Salesforce objects do not support append-only syncs.', {
      code: 'UNSUPPORTED_BEHAVIOUR',
      component: 'salesforce',
      hint: 'Use upsert or create-only.',
    })
  }
  if (!field) {
    throw fail(`${object} has no field "${batch.identifierField}" to match records on.`, matchHint(describe))
  }
  if (field.name === 'Id') {
    if (batch.operation === 'create') {
      throw fail(
        `a create-only sync on ${object} cannot match on Id: Salesforce assigns Ids to new records.`,
        matchHint(describe),
      )
    }
    return { kind: 'id' }
  }
  if (!field.externalId) {
    throw fail(
      `${object}.${field.name} is not an external ID field, so records cannot be matched on it.`,
      matchHint(describe),
    )
  }
  return { kind: 'externalId', field: field.name }
}

function matchHint(describe: SObjectDescribe): string {
  const candidates = describe.fields.filter((f) => f.name === 'Id' || f.externalId).map((f) => f.name)
  return `Match on one of: ${candidates.join(', ')} (mark a field "External ID" in Setup to match on it).`
}

/** Checks every record of a batch against the describe; one reason per invalid record. */
export function validateRecords(
  batch: WriteBatch,
  describe: SObjectDescribe,
  matching: Matching,
): Array<string | undefined> {
  const fields = new Map(describe.fields.map((f) => [f.name.toLowerCase(), f]))
  return batch.records.map((record) => validateRecord(record, batch, describe, fields, matching))
}

function validateRecord(
  record: OutboundRecord,
  batch: WriteBatch,
  describe: SObjectDescribe,
  fields: Map<string, FieldDescribe>,
  matching: Matching,
): string | undefined {
  const object = describe.name
  if (matching.kind === 'id' && !ID_PATTERN.test(record.identifier)) {
    return `"${record.identifier}" is not a Salesforce record Id (15 or 18 letters and digits)`
  }
  if (batch.operation === 'delete') return undefined
  // An upsert matched on Id updates a record that exists: its fields need only be updateable.
  const operation = matching.kind === 'id' && batch.operation === 'upsert' ? 'update' : batch.operation
  for (const [name, value] of Object.entries(record.fields)) {
    const field = fields.get(name.toLowerCase())
    if (!field) return `${object} has no field "${name}"`
    const isIdentifier = field.name.toLowerCase() === batch.identifierField.toLowerCase()
    if (isIdentifier && matching.kind === 'id') continue
    const writable = writability(field, operation, isIdentifier)
    if (writable) return `${object}.${field.name} ${writable}`
    if (operation === 'clear' && !isIdentifier) continue
    const text = textOf(value)
    if (text === undefined) continue
    if (isTextField(field) && text.length > field.length) {
      return `${object}.${field.name} allows at most ${field.length} characters; the value has ${text.length}`
    }
    if (field.restrictedPicklist && (field.type === 'picklist' || field.type === 'multipicklist')) {
      const allowed = field.picklistValues.filter((p) => p.active).map((p) => p.value)
      const given = field.type === 'multipicklist' ? text.split(';') : [text]
      const bad = given.find((v) => !allowed.includes(v))
      if (bad !== undefined) {
        return `"${bad}" is not an allowed value of the restricted picklist ${object}.${field.name} (allowed: ${allowed.join(', ')})`
      }
    }
    if (NUMBER_TYPES.has(field.type) && !Number.isFinite(Number(text))) {
      return `${object}.${field.name} is a number field; "${text.slice(0, 40)}" is not a number`
    }
    if (field.type === 'boolean' && text !== 'true' && text !== 'false') {
      return `${object}.${field.name} is a checkbox; "${text.slice(0, 40)}" is not true or false`
    }
  }
  return undefined
}

/** Why a field cannot be written by an operation, or undefined when it can. */
function writability(
  field: FieldDescribe,
  operation: WriteBatch['operation'],
  isIdentifier: boolean,
): string | undefined {
  const creates = operation === 'create' || operation === 'upsert'
  const updates = operation === 'update' || operation === 'clear' || (operation === 'upsert' && !isIdentifier)
  // The identifier of an update only selects the record: it is not written.
  if (isIdentifier && (operation === 'update' || operation === 'clear')) return undefined
  if (creates && !field.createable) return 'cannot be set on new records (it is not createable)'
  if (updates && !field.updateable) {
    return operation === 'upsert'
      ? 'cannot be changed on existing records (it is not updateable), and an upsert updates existing records'
      : 'cannot be changed (it is not updateable)'
  }
  return undefined
}
