import type { UserAlias, UserKeys } from './store.js'

/**
 * Per-object validation as /users/track does it: an object with a problem is refused and named in
 * the response's `errors` array; the rest of the request is processed. Reasons are worded in the
 * style of Braze's own (`'price' is not valid`).
 */

/** Custom attribute keys and string values, and event property names and strings, stop at 255. */
export const MAX_STRING = 255

const IDENTIFIER_REQUIRED = "'external_id', 'user_alias', 'braze_id', 'email' or 'phone' is required"
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

type Obj = Record<string, unknown>

export function isPlainObject(value: unknown): value is Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** The identifying keys of an object, or why they are unusable. */
export function userKeysOf(object: Obj): UserKeys | string {
  const keys: UserKeys = {}
  for (const kind of ['external_id', 'braze_id', 'email', 'phone'] as const) {
    const value = object[kind]
    if (value === undefined || value === null) continue
    if (typeof value !== 'string' || value === '') return `'${kind}' is not valid`
    keys[kind] = value
  }
  if (object.user_alias !== undefined && object.user_alias !== null) {
    const alias = object.user_alias
    if (
      !isPlainObject(alias) ||
      typeof alias.alias_name !== 'string' ||
      typeof alias.alias_label !== 'string'
    ) {
      return "'user_alias' must have 'alias_name' and 'alias_label'"
    }
    keys.user_alias = { alias_name: alias.alias_name, alias_label: alias.alias_label } satisfies UserAlias
  }
  if (Object.keys(keys).length === 0) return IDENTIFIER_REQUIRED
  if (keys.email !== undefined && !EMAIL.test(keys.email)) return "'email' is not a valid email address"
  return keys
}

/** Why an attributes object is refused, or undefined. */
export function attributesProblem(object: unknown): string | undefined {
  if (!isPlainObject(object)) return 'an attributes object must be an object'
  const keys = userKeysOf(object)
  if (typeof keys === 'string') return keys
  if (object._update_existing_only !== undefined && typeof object._update_existing_only !== 'boolean') {
    return "'_update_existing_only' must be a boolean"
  }
  for (const [key, value] of Object.entries(object)) {
    if (key === 'user_alias') continue
    const problem = lengthProblem(key, value)
    if (problem) return problem
  }
  return undefined
}

/** Why an event object is refused, or undefined. */
export function eventProblem(object: unknown): string | undefined {
  if (!isPlainObject(object)) return 'an event object must be an object'
  const keys = userKeysOf(object)
  if (typeof keys === 'string') return keys
  if (typeof object.name !== 'string' || object.name === '') return "'name' is required"
  if (object.name.length > MAX_STRING) return "'name' is longer than 255 characters"
  return timeProblem(object.time) ?? propertiesProblem(object.properties)
}

/** Why a purchase object is refused, or undefined. */
export function purchaseProblem(object: unknown): string | undefined {
  if (!isPlainObject(object)) return 'a purchase object must be an object'
  const keys = userKeysOf(object)
  if (typeof keys === 'string') return keys
  if (typeof object.product_id !== 'string' || object.product_id === '') return "'product_id' is not valid"
  if (typeof object.currency !== 'string' || !/^[A-Za-z]{3}$/.test(object.currency))
    return "'currency' is not valid"
  if (typeof object.price !== 'number' || !Number.isFinite(object.price)) return "'price' is not valid"
  const quantity = object.quantity
  if (
    quantity !== undefined &&
    (!Number.isInteger(quantity) || (quantity as number) < 1 || (quantity as number) > 100)
  ) {
    return "'quantity' is not valid"
  }
  return timeProblem(object.time) ?? propertiesProblem(object.properties)
}

function timeProblem(time: unknown): string | undefined {
  if (typeof time !== 'string' || Number.isNaN(Date.parse(time))) return "'time' is not valid"
  return undefined
}

function propertiesProblem(properties: unknown): string | undefined {
  if (properties === undefined) return undefined
  if (!isPlainObject(properties)) return "'properties' is not valid"
  for (const [key, value] of Object.entries(properties)) {
    if (key === '' || key.startsWith('$')) return `'properties' has an invalid name '${key}'`
    if (key === 'time' || key === 'event_name') return `'properties' uses the reserved name '${key}'`
    const problem = lengthProblem(key, value)
    if (problem) return problem
  }
  return undefined
}

/** Keys and strings over 255 characters, anywhere inside a value; `path` names it in the reason. */
function lengthProblem(key: string, value: unknown, path = key): string | undefined {
  if (key.length > MAX_STRING) return `'${path.slice(0, 40)}…' has a name longer than 255 characters`
  if (typeof value === 'string') {
    return value.length > MAX_STRING ? `'${path}' is longer than 255 characters` : undefined
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem =
        typeof item === 'string' || Array.isArray(item) || isPlainObject(item)
          ? lengthProblem('', item, path)
          : undefined
      if (problem) return problem
    }
    return undefined
  }
  if (isPlainObject(value)) {
    for (const [inner, v] of Object.entries(value)) {
      const problem = lengthProblem(inner, v, `${path}.${inner}`)
      if (problem) return problem
    }
  }
  return undefined
}
