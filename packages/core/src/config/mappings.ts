import { describeValue, type Problem, pointer } from './errors.js'
import type { FieldMapping, Identifier } from './schema.js'

/** A destination field a mapping writes, and where in the config that mapping is. */
interface Target {
  field: string
  path: string
}

/**
 * Two mappings may not write the same destination field, nor one a field inside the other's
 * (`address` and `address.city`): the payload would depend on the order of the mappings. The
 * identifier field always carries the identifier column, so another mapping may not write it.
 */
export function mappingProblems(
  mappings: readonly FieldMapping[],
  identifier: Identifier,
  path: string,
): Problem[] {
  const problems: Problem[] = []
  const seen: Target[] = []
  mappings.forEach((mapping, index) => {
    const at = pointer(pointer(path, index), 'to')
    const field = mapping.to
    const clash = seen.find((t) => overlaps(t.field, field))
    if (clash) {
      problems.push({
        path: at,
        expected: `a field no other mapping writes (${clash.path} writes ${describeValue(clash.field)})`,
        found: describeValue(field),
      })
    } else {
      seen.push({ field, path: at })
    }
    const sendsIdentifier = 'from' in mapping && mapping.from === identifier.column
    if (overlaps(field, identifier.field) && !(field === identifier.field && sendsIdentifier)) {
      problems.push({
        path: at,
        expected: `a field other than the identifier field ${describeValue(identifier.field)}, which always carries the column ${describeValue(identifier.column)}`,
        found: describeValue(field),
      })
    }
    if ('object' in mapping)
      problems.push(...innerDuplicates(mapping.object, pointer(pointer(path, index), 'object')))
    if ('array' in mapping && mapping.array.items) {
      problems.push(
        ...innerDuplicates(mapping.array.items, pointer(pointer(pointer(path, index), 'array'), 'items')),
      )
    }
  })
  return problems
}

/** Properties inside one object or array element that write the same key twice. */
function innerDuplicates(properties: readonly { to: string }[], path: string): Problem[] {
  const problems: Problem[] = []
  const seen: Target[] = []
  properties.forEach((property, index) => {
    const at = pointer(pointer(path, index), 'to')
    const clash = seen.find((t) => overlaps(t.field, property.to))
    if (clash) {
      problems.push({
        path: at,
        expected: `a property no other mapping writes (${clash.path} writes ${describeValue(clash.field)})`,
        found: describeValue(property.to),
      })
    } else {
      seen.push({ field: property.to, path: at })
    }
  })
  return problems
}

/** The same field, or one nested inside the other (`a.b` and `a.b.c`). */
function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`)
}
