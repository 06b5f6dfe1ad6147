import type { Catalog, CatalogField, CatalogObject } from '../contract/catalog.js'
import { closestName } from './closest-name.js'
import { describeValue, oneOf, type Problem, pointer } from './errors.js'
import type { ResolvedSync } from './resolve.js'

/** Behaviours that create records, and so must fill the object's required fields. */
const CREATES = new Set(['upsert', 'create', 'mirror', 'append'])
/** Behaviours that change records that exist. */
const UPDATES = new Set(['upsert', 'update', 'mirror'])
/** Behaviours that find records by the identifier. */
const MATCHES = new Set(['upsert', 'update', 'mirror', 'delete'])

/**
 * What a sync asks of its destination that the destination's own catalog (from `discover`) says it
 * cannot do: an unknown object or field, an identifier that cannot match records, a field that cannot
 * be written by the sync's behaviour, a required field left unmapped, a constant outside a picklist.
 * Caught here, these are one line in `sluice validate --online` instead of a run where every row is
 * rejected.
 */
export function catalogProblems(sync: ResolvedSync, catalog: Catalog): Problem[] {
  const at = pointer('/syncs', sync.name)
  const object = catalog.objects.find((o) => o.name === sync.object)
  if (!object) {
    const names = catalog.objects.map((o) => o.name)
    const guess = closestName(sync.object, names)
    return [
      {
        path: pointer(at, 'object'),
        expected: `an object the destination has: ${oneOf(names)}`,
        found: `${describeValue(sync.object)}${guess ? ` (did you mean "${guess}"?)` : ''}`,
      },
    ]
  }
  const problems: Problem[] = []
  const fields = new Map(object.fields.map((f) => [f.name, f]))
  const fieldProblem = (path: string, name: string, role: string): CatalogField | undefined => {
    const field = fields.get(name)
    if (field || object.createsFields) return field
    const guess = closestName(name, [...fields.keys()])
    problems.push({
      path,
      expected: `${role} of ${object.name}`,
      found: `${describeValue(name)}, which ${object.name} does not have${guess ? ` (did you mean "${guess}"?)` : ''}`,
    })
    return undefined
  }

  const idPath = pointer(pointer(at, 'identifier'), 'field')
  const idField = fieldProblem(idPath, rootOf(sync.identifier.field), 'a field')
  if (
    idField &&
    MATCHES.has(sync.behaviour) &&
    object.fields.some((f) => f.identifier) &&
    !idField.identifier
  ) {
    const candidates = object.fields.filter((f) => f.identifier).map((f) => f.name)
    problems.push({
      path: idPath,
      expected: `a field that can match ${object.name} records: ${oneOf(candidates)}`,
      found: `${describeValue(idField.name)}, which is not an external id or unique key`,
    })
  }

  const mapped = new Set([rootOf(sync.identifier.field)])
  sync.mappings.forEach((mapping, index) => {
    const path = pointer(pointer(pointer(at, 'mappings'), index), 'to')
    const name = rootOf(mapping.to)
    mapped.add(name)
    const field = fieldProblem(path, name, 'a field')
    if (!field) return
    const refusal = writeRefusal(field, sync.behaviour)
    if (refusal)
      problems.push({ path, expected: `a field this ${sync.behaviour} sync can write`, found: refusal })
    if ('constant' in mapping && field.values && field.values.length > 0 && mapping.to === name) {
      const value = mapping.constant
      if (typeof value === 'string' && !field.values.includes(value)) {
        problems.push({
          path: pointer(pointer(pointer(at, 'mappings'), index), 'constant'),
          expected: `a value of the ${field.name} picklist: ${oneOf(field.values)}`,
          found: describeValue(value),
        })
      }
    }
  })

  if (CREATES.has(sync.behaviour) && !sync.syncAllProperties) {
    for (const field of requiredFields(object)) {
      if (mapped.has(field.name)) continue
      problems.push({
        path: pointer(at, 'mappings'),
        expected: `a mapping to ${field.name}, which ${object.name} requires to create a record`,
        found: 'none',
      })
    }
  }
  return problems
}

function writeRefusal(field: CatalogField, behaviour: string): string | undefined {
  if (
    CREATES.has(behaviour) &&
    field.createable === false &&
    UPDATES.has(behaviour) &&
    field.updateable === false
  )
    return `${describeValue(field.name)}, which is read-only`
  if (behaviour === 'create' && field.createable === false)
    return `${describeValue(field.name)}, which cannot be set on create`
  if (behaviour === 'update' && field.updateable === false)
    return `${describeValue(field.name)}, which cannot be updated`
  return undefined
}

function requiredFields(object: CatalogObject): CatalogField[] {
  return object.fields.filter((f) => f.required && f.createable !== false)
}

/** `address.city` writes into the `address` field. */
function rootOf(path: string): string {
  return path.split('.')[0]!
}
