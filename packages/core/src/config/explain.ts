import type { TSchema } from 'typebox'
import { Settings as TypeboxSettings } from 'typebox/system'
import { Value } from 'typebox/value'
import { editDistance } from './closest-name.js'
import { describeValue, oneOf, type Problem, pointer } from './errors.js'

/**
 * Turns typebox's raw validation errors into problems a person can act on.
 *
 * typebox reports every failing keyword of every union branch (`must be equal to constant` four times,
 * then `must match a schema in anyOf`). Instead this walks the schema beside the value: at a union it
 * picks the branch the value was meant for (by a discriminating key such as `type`, by a key only one
 * branch has such as `table` or `sql`, or by the value's kind) and explains only that branch; at an
 * object it reports missing and unknown keys by name; at a leaf it words the failing keyword.
 */

/** How a found value is shown; the validator hides env-resolved and secret values behind it. */
export type ShowValue = (path: string, value: unknown) => string

export const showPlainly: ShowValue = (_path, value) => describeValue(value)

type Schema = TSchema & Record<string, unknown>

export function explain(
  schema: TSchema,
  value: unknown,
  path: string,
  show: ShowValue = showPlainly,
): Problem[] {
  return walk(schema as Schema, value, path, show)
}

function walk(schema: Schema, value: unknown, path: string, show: ShowValue): Problem[] {
  if (check(schema, value)) return []
  if (Array.isArray(schema.anyOf)) return walkUnion(schema, schema.anyOf as Schema[], value, path, show)
  if (isObjectSchema(schema) && isPlainObject(value)) return walkObject(schema, value, path, show)
  if (schema.type === 'array' && Array.isArray(value)) return walkArray(schema, value, path, show)
  return leaf(schema, value, path, show)
}

function walkObject(
  schema: Schema,
  value: Record<string, unknown>,
  path: string,
  show: ShowValue,
): Problem[] {
  const problems: Problem[] = []
  const properties = (schema.properties ?? {}) as Record<string, Schema>
  const required = (schema.required ?? []) as string[]
  for (const key of required) {
    if (value[key] === undefined) {
      const child = properties[key]
      const described = typeof child?.description === 'string' ? child.description : expectation(child)
      problems.push({ path: pointer(path, key), expected: described, found: 'nothing' })
    }
  }
  const patterns = Object.entries((schema.patternProperties ?? {}) as Record<string, Schema>)
  const names = schema.propertyNames as Schema | undefined
  for (const [key, child] of Object.entries(value)) {
    const childPath = pointer(path, key)
    if (names && !check(names, key)) {
      problems.push({
        path: childPath,
        expected: `a key that is ${expectation(names)}`,
        found: JSON.stringify(key),
      })
      continue
    }
    const declared = properties[key]
    if (declared) {
      if (child !== undefined) problems.push(...walk(declared, child, childPath, show))
      continue
    }
    const pattern = patterns.find(([p]) => new RegExp(p, 'u').test(key))
    if (pattern) {
      problems.push(...walk(pattern[1], child, childPath, show))
      continue
    }
    if (schema.additionalProperties === false) {
      problems.push({
        path: childPath,
        expected: knownKeyExpectation(key, Object.keys(properties)),
        found: `unknown key ${JSON.stringify(key)}`,
      })
    }
  }
  // Object-level keywords the walk above does not cover (minProperties and the like).
  for (const error of localErrors(schema, value)) {
    if (['required', 'additionalProperties', 'propertyNames', 'patternProperties'].includes(error.keyword))
      continue
    problems.push(keywordProblem(schema, value, path, error, show))
  }
  return problems
}

function walkArray(schema: Schema, value: unknown[], path: string, show: ShowValue): Problem[] {
  const problems: Problem[] = []
  const items = schema.items as Schema | undefined
  if (items && !Array.isArray(items)) {
    value.forEach((item, index) => {
      problems.push(...walk(items, item, pointer(path, index), show))
    })
  }
  for (const error of localErrors(schema, value))
    problems.push(keywordProblem(schema, value, path, error, show))
  return problems
}

function walkUnion(
  schema: Schema,
  branches: Schema[],
  value: unknown,
  path: string,
  show: ShowValue,
): Problem[] {
  const literals = branches.map((b) => b.const)
  if (literals.every((l) => l !== undefined)) {
    return [{ path, expected: oneOf(literals), found: show(path, value) }]
  }
  if (isPlainObject(value)) {
    const objects = branches.filter(isObjectSchema)
    const discriminator = discriminatingKey(objects)
    if (discriminator) {
      const chosen = objects.find((b) => propertyOf(b, discriminator)?.const === value[discriminator])
      if (chosen) return walk(chosen, value, path, show)
      const allowed = objects.map((b) => propertyOf(b, discriminator)?.const)
      const keyPath = pointer(path, discriminator)
      return [{ path: keyPath, expected: oneOf(allowed), found: show(keyPath, value[discriminator]) }]
    }
    const distinctive = objects.map((b) => distinctiveKeys(b, objects))
    const matching = objects.filter((_, i) => distinctive[i]?.some((key) => key in value))
    if (matching.length === 1) return walk(matching[0]!, value, path, show)
    const keys = distinctive.flatMap((k) => k.slice(0, 1))
    if (matching.length > 1) {
      const present = keys.filter((k) => k in value)
      return [{ path, expected: `only one of ${keys.join(' | ')}`, found: present.join(' and ') }]
    }
    if (objects.length > 0 && keys.length === objects.length) {
      // A misspelt key (`frm` for `from`) is the likeliest reason no branch applies: name it.
      for (const key of Object.keys(value)) {
        const meant = keys.find((k) => editDistance(k, key) <= 2)
        if (meant) {
          return [
            {
              path: pointer(path, key),
              expected: JSON.stringify(meant),
              found: `unknown key ${JSON.stringify(key)}`,
            },
          ]
        }
      }
      return [{ path, expected: `one of the keys ${keys.join(' | ')}`, found: show(path, value) }]
    }
  }
  // The branch for the value's kind, or the one with the fewest problems.
  const sameKind = branches.filter((b) => kindMatches(b, value))
  if (sameKind.length === 1) return walk(sameKind[0]!, value, path, show)
  if (sameKind.length === 0) return [{ path, expected: describeUnion(schema), found: show(path, value) }]
  const explained = sameKind.map((b) => walk(b, value, path, show)).sort((a, b) => a.length - b.length)
  return explained[0] ?? []
}

function leaf(schema: Schema, value: unknown, path: string, show: ShowValue): Problem[] {
  const errors = localErrors(schema, value)
  // A wrong type says everything; the other keywords' complaints would only repeat it.
  const typeError = errors.find((e) => e.keyword === 'type')
  const chosen = typeError ? [typeError] : errors
  if (chosen.length === 0) return [{ path, expected: expectation(schema), found: show(path, value) }]
  return chosen.map((e) => keywordProblem(schema, value, path, e, show))
}

interface RawError {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
  message: string
}

/** The errors typebox reports about this value itself, not about its children. */
function localErrors(schema: Schema, value: unknown): RawError[] {
  const settings = TypeboxSettings.Get()
  const previous = settings.maxErrors
  // typebox keeps 8 errors by default, which a few bad mappings exhaust; the walk needs all of them.
  TypeboxSettings.Set({ maxErrors: 1000 })
  try {
    return (Value.Errors(schema, value) as RawError[]).filter((e) => e.instancePath === '')
  } finally {
    TypeboxSettings.Set({ maxErrors: previous })
  }
}

function keywordProblem(
  schema: Schema,
  value: unknown,
  path: string,
  error: RawError,
  show: ShowValue,
): Problem {
  const p = error.params
  const found = show(path, value)
  switch (error.keyword) {
    case 'type':
      return { path, expected: expectation(schema), found }
    case 'const':
      return { path, expected: JSON.stringify(p.allowedValue), found }
    case 'enum':
      return { path, expected: oneOf((p.allowedValues as unknown[]) ?? []), found }
    case 'pattern':
      return { path, expected: String(schema.description ?? `text matching /${p.pattern}/`), found }
    case 'format':
      return { path, expected: formatExpectation(String(p.format)), found }
    case 'minLength':
      return {
        path,
        expected: p.limit === 1 ? 'text that is not empty' : `text of at least ${p.limit} characters`,
        found,
      }
    case 'maxLength':
      return { path, expected: `text of at most ${p.limit} characters`, found }
    case 'minimum':
      return { path, expected: `a number ≥ ${p.limit}`, found }
    case 'maximum':
      return { path, expected: `a number ≤ ${p.limit}`, found }
    case 'exclusiveMinimum':
      return { path, expected: `a number > ${p.limit}`, found }
    case 'exclusiveMaximum':
      return { path, expected: `a number < ${p.limit}`, found }
    case 'multipleOf':
      return { path, expected: `a multiple of ${p.multipleOf}`, found }
    case 'minItems':
      return {
        path,
        expected: p.limit === 1 ? 'a list that is not empty' : `a list of at least ${p.limit}`,
        found,
      }
    case 'maxItems':
      return { path, expected: `a list of at most ${p.limit}`, found }
    case 'uniqueItems':
      return { path, expected: 'a list without repeats', found }
    case 'minProperties':
      return { path, expected: `an object with at least ${p.limit} keys`, found }
    default:
      return { path, expected: expectation(schema), found: `${found} (${error.message})` }
  }
}

/** What a schema accepts, in words. */
export function expectation(schema: Schema | undefined): string {
  if (!schema) return 'a value'
  if (schema.const !== undefined) return JSON.stringify(schema.const)
  if (Array.isArray(schema.enum)) return oneOf(schema.enum)
  if (Array.isArray(schema.anyOf)) return describeUnion(schema)
  if (typeof schema.description === 'string' && (schema.pattern || isObjectSchema(schema))) {
    return schema.description
  }
  switch (schema.type) {
    case 'string':
      return schema.format ? formatExpectation(String(schema.format)) : 'text'
    case 'number':
      return 'a number'
    case 'integer':
      return 'a whole number'
    case 'boolean':
      return 'true or false'
    case 'array':
      return 'a list'
    case 'object':
      return 'an object'
    case 'null':
      return 'null'
  }
  return typeof schema.description === 'string' ? schema.description : 'a value'
}

function describeUnion(schema: Schema): string {
  const branches = (schema.anyOf ?? []) as Schema[]
  if (branches.every((b) => b.const !== undefined)) return oneOf(branches.map((b) => b.const))
  if (typeof schema.description === 'string') return schema.description
  return branches.map((b) => expectation(b)).join(' or ')
}

function formatExpectation(format: string): string {
  const names: Record<string, string> = {
    uri: 'a URL',
    url: 'a URL',
    email: 'an email address',
    'date-time': 'an ISO-8601 date and time',
    date: 'a date (YYYY-MM-DD)',
    uuid: 'a UUID',
    hostname: 'a host name',
  }
  return names[format] ?? `text in the ${format} format`
}

/** The key the user probably meant (a typo away), or the keys there are. */
function knownKeyExpectation(key: string, known: string[]): string {
  const close = known.find((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2)
  if (close) return `${JSON.stringify(close)}`
  return known.length === 0 ? 'no keys' : `one of the keys ${known.join(' | ')}`
}

function check(schema: Schema, value: unknown): boolean {
  return Value.Check(schema, value)
}

function isObjectSchema(schema: Schema): boolean {
  return schema.type === 'object'
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function propertyOf(schema: Schema, key: string): Schema | undefined {
  return ((schema.properties ?? {}) as Record<string, Schema>)[key]
}

/** A key that every branch requires as a distinct constant (`type`, `backend`). */
function discriminatingKey(branches: Schema[]): string | undefined {
  if (branches.length < 2) return undefined
  const first = branches[0]!
  return Object.keys(first.properties ?? {}).find((key) => {
    const values = branches.map((b) => propertyOf(b, key)?.const)
    return values.every((v) => v !== undefined) && new Set(values).size === branches.length
  })
}

/** The required keys of a branch that no other branch declares (`table`, `sql`, `constant`). */
function distinctiveKeys(branch: Schema, all: Schema[]): string[] {
  const required = (branch.required ?? []) as string[]
  return required.filter((key) => all.every((other) => other === branch || !propertyOf(other, key)))
}

function kindMatches(schema: Schema, value: unknown): boolean {
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Schema[]).some((b) => kindMatches(b, value))
  if (schema.const !== undefined) return typeof schema.const === typeof value
  switch (schema.type) {
    case 'object':
      return isPlainObject(value)
    case 'array':
      return Array.isArray(value)
    case 'string':
      return typeof value === 'string'
    case 'number':
    case 'integer':
      return typeof value === 'number'
    case 'boolean':
      return typeof value === 'boolean'
    case 'null':
      return value === null
    case undefined:
      return true
  }
  return false
}
