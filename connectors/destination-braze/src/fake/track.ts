import { type BrazeUser, PROFILE_FIELDS, type UserKeys, type UserStore } from './store.js'
import { attributesProblem, eventProblem, isPlainObject, purchaseProblem, userKeysOf } from './validation.js'

/** What a handler answers: a status and a JSON body. */
export interface FakeAnswer {
  status: number
  body: Record<string, unknown>
}

export interface TrackOptions {
  rule: 'total' | 'per_array'
  objectsPerRequest: number
  /** the reason to reject a record with, when a test's fault picks it */
  rejectionFor?: (record: Record<string, unknown>) => string | undefined
}

const ARRAYS = ['attributes', 'events', 'purchases'] as const
type ArrayName = (typeof ARRAYS)[number]

const NO_VALID_DATA = "Valid data must be provided in the 'attributes', 'events', or 'purchases' fields."

/** Keys of an attributes object that are not attributes. */
const CONTROL_KEYS = new Set([
  'external_id',
  'braze_id',
  'user_alias',
  'email',
  'phone',
  '_update_existing_only',
  'push_token_import',
  '_merge_objects',
  'subscription_groups',
])

/** Objects in a /users/track body, for the limit and the fake's statistics. */
export function countObjects(body: unknown): number {
  if (!isPlainObject(body)) return 0
  return ARRAYS.reduce((n, a) => n + (Array.isArray(body[a]) ? (body[a] as unknown[]).length : 0), 0)
}

/** POST /users/track: validates each object, applies the valid ones in Braze's order, reports the rest. */
export function track(store: UserStore, body: unknown, options: TrackOptions): FakeAnswer {
  if (!isPlainObject(body)) return { status: 400, body: { message: NO_VALID_DATA } }
  const arrays: Record<ArrayName, unknown[]> = { attributes: [], events: [], purchases: [] }
  for (const name of ARRAYS) {
    const value = body[name]
    if (value === undefined) continue
    if (!Array.isArray(value)) return { status: 400, body: { message: `'${name}' must be an array` } }
    arrays[name] = value
  }
  const counts = ARRAYS.map((a) => arrays[a].length)
  const total = counts.reduce((a, b) => a + b, 0)
  const over =
    options.rule === 'total'
      ? total > options.objectsPerRequest
      : counts.some((c) => c > options.objectsPerRequest)
  if (over) return { status: 400, body: { message: 'Max Input Length Exceeded' } }
  if (total === 0) return { status: 400, body: { message: NO_VALID_DATA } }

  const errors: Array<{ type: string; input_array: ArrayName; index: number }> = []
  const valid: Record<ArrayName, Array<Record<string, unknown>>> = {
    attributes: [],
    events: [],
    purchases: [],
  }
  const problemOf = { attributes: attributesProblem, events: eventProblem, purchases: purchaseProblem }
  for (const name of ARRAYS) {
    arrays[name].forEach((object, index) => {
      const problem =
        problemOf[name](object) ?? options.rejectionFor?.(recordView(object as Record<string, unknown>))
      if (problem) errors.push({ type: problem, input_array: name, index })
      else valid[name].push(object as Record<string, unknown>)
    })
  }
  if (valid.attributes.length + valid.events.length + valid.purchases.length === 0) {
    return { status: 400, body: { message: NO_VALID_DATA, errors } }
  }

  // Braze drops every nested custom attribute update of a request when one of them holds a null.
  const dropNested = valid.attributes.some((o) =>
    Object.entries(o).some(([k, v]) => !CONTROL_KEYS.has(k) && hasNestedNull(v)),
  )
  for (const object of valid.attributes) applyAttributes(store, object, dropNested)
  for (const object of valid.events) applyEvent(store, object)
  for (const object of valid.purchases) applyPurchase(store, object)

  const answer: Record<string, unknown> = { message: 'success' }
  if (arrays.attributes.length > 0) answer.attributes_processed = valid.attributes.length
  if (arrays.events.length > 0) answer.events_processed = valid.events.length
  if (arrays.purchases.length > 0) answer.purchases_processed = valid.purchases.length
  if (errors.length > 0) answer.errors = errors
  return { status: 201, body: answer }
}

/** An object as the kit's `rejectWhere` sees it: its fields, without Braze's control keys. */
function recordView(object: Record<string, unknown>): Record<string, unknown> {
  const view: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(object)) if (!k.startsWith('_')) view[k] = v
  return view
}

/** The key that finds the profile: external_id, then braze_id, the alias, the email, the phone. */
function lookupKeys(keys: UserKeys): UserKeys {
  if (keys.external_id !== undefined) return { external_id: keys.external_id }
  if (keys.braze_id !== undefined) return { braze_id: keys.braze_id }
  if (keys.user_alias !== undefined) return { user_alias: keys.user_alias }
  if (keys.email !== undefined) return { email: keys.email }
  return { phone: keys.phone! }
}

/**
 * Finds or creates the profile an object names. Braze creates profiles unless the object says
 * `_update_existing_only: true`; for a user alias the default is update-only, so an alias-only
 * profile needs an explicit false; a braze_id is never created.
 */
function profileFor(
  store: UserStore,
  object: Record<string, unknown>,
  aliasMayCreate: boolean,
): BrazeUser | undefined {
  const keys = userKeysOf(object) as UserKeys
  const lookup = lookupKeys(keys)
  const found = store.find(lookup)
  if (found) return found
  const explicit = object._update_existing_only
  const updateOnly =
    typeof explicit === 'boolean'
      ? explicit || (lookup.user_alias !== undefined && !aliasMayCreate)
      : lookup.user_alias !== undefined
  return updateOnly ? undefined : store.create(lookup)
}

function applyAttributes(store: UserStore, object: Record<string, unknown>, dropNested: boolean): void {
  const registry = store.customAttributes
  const user = profileFor(store, object, true)
  if (!user) return
  const keys = userKeysOf(object) as UserKeys
  const lookup = lookupKeys(keys)
  // The other identifiers in the object are set on the profile.
  if (keys.external_id !== undefined && lookup.external_id === undefined && user.external_id === undefined) {
    store.setExternalId(user, keys.external_id)
  }
  if (keys.user_alias !== undefined && lookup.user_alias === undefined) store.addAlias(user, keys.user_alias)
  if ('email' in object && lookup.email === undefined)
    store.setEmail(user, (object.email as string | null) ?? null)
  if ('phone' in object && lookup.phone === undefined)
    store.setPhone(user, (object.phone as string | null) ?? null)

  const mergeObjects = object._merge_objects === true
  for (const [key, value] of Object.entries(object)) {
    if (key === 'subscription_groups') {
      applySubscriptionGroups(user, value)
      continue
    }
    if (CONTROL_KEYS.has(key)) continue
    applyAttribute(user, key, value, dropNested, mergeObjects)
    if (!PROFILE_FIELDS.has(key) && value !== null && !registry.has(key))
      registry.set(key, dataType(user.attributes[key]))
  }
  store.touch(user)
}

function applySubscriptionGroups(user: BrazeUser, value: unknown): void {
  if (!Array.isArray(value)) return
  for (const group of value) {
    if (!isPlainObject(group)) continue
    const { subscription_group_id: id, subscription_state: state } = group
    if (typeof id === 'string' && (state === 'subscribed' || state === 'unsubscribed'))
      user.subscription_groups[id] = state
  }
}

function applyAttribute(
  user: BrazeUser,
  key: string,
  value: unknown,
  dropNested: boolean,
  merge: boolean,
): void {
  const attributes = user.attributes
  if (value === null) {
    delete attributes[key]
    return
  }
  if (isIncrement(value)) {
    const current = typeof attributes[key] === 'number' ? (attributes[key] as number) : 0
    attributes[key] = current + value.inc
    return
  }
  if (isArrayOperation(value)) {
    attributes[key] = applyArrayOperation(
      Array.isArray(attributes[key]) ? (attributes[key] as unknown[]) : [],
      value,
      merge,
    )
    return
  }
  if (Array.isArray(value)) {
    if (dropNested && value.some(isPlainObject)) return
    attributes[key] = value.some(isPlainObject) ? value : unique(value)
    return
  }
  if (isPlainObject(value)) {
    if (dropNested) return
    attributes[key] =
      merge && isPlainObject(attributes[key])
        ? deepMerge(attributes[key] as Record<string, unknown>, value)
        : value
    return
  }
  attributes[key] = value
}

function applyEvent(store: UserStore, object: Record<string, unknown>): void {
  // For events an alias never creates a profile.
  const user = profileFor(store, object, false)
  if (!user) return
  store.events.push({
    braze_id: user.braze_id,
    name: object.name as string,
    time: notInFuture(object.time as string),
    ...(isPlainObject(object.properties) ? { properties: object.properties } : {}),
    ...(typeof object.app_id === 'string' ? { app_id: object.app_id } : {}),
  })
  store.touch(user)
}

function applyPurchase(store: UserStore, object: Record<string, unknown>): void {
  const user = profileFor(store, object, false)
  if (!user) return
  store.purchases.push({
    braze_id: user.braze_id,
    product_id: object.product_id as string,
    currency: (object.currency as string).toUpperCase(),
    price: object.price as number,
    quantity: (object.quantity as number | undefined) ?? 1,
    time: notInFuture(object.time as string),
    ...(isPlainObject(object.properties) ? { properties: object.properties } : {}),
  })
  store.touch(user)
}

/** Braze records a timestamp in the future as now. */
function notInFuture(time: string): string {
  return Date.parse(time) > Date.now() ? new Date().toISOString() : time
}

function isIncrement(value: unknown): value is { inc: number } {
  return isPlainObject(value) && Object.keys(value).length === 1 && typeof value.inc === 'number'
}

type ArrayOperation = {
  add?: unknown[]
  remove?: unknown[]
  $add?: unknown[]
  $remove?: unknown[]
  $update?: unknown[]
}

const ARRAY_OPERATIONS = ['add', 'remove', '$add', '$remove', '$update']

function isArrayOperation(value: unknown): value is ArrayOperation {
  if (!isPlainObject(value)) return false
  const keys = Object.keys(value)
  return keys.length > 0 && keys.every((k) => ARRAY_OPERATIONS.includes(k) && Array.isArray(value[k]))
}

/**
 * Braze applies an array's operations in the order add, remove, update. Values form a set (adding one
 * that is present moves it to the end); objects are named for removal and update by
 * `$identifier_key` / `$identifier_value`.
 */
function applyArrayOperation(existing: unknown[], op: ArrayOperation, merge: boolean): unknown[] {
  let current = [...existing]
  for (const item of op.add ?? []) current = [...current.filter((c) => !deepEqual(c, item)), item]
  current.push(...(op.$add ?? []))
  for (const item of op.remove ?? []) current = current.filter((c) => !deepEqual(c, item))
  for (const matcher of op.$remove ?? []) current = current.filter((c) => !identifiedBy(c, matcher))
  for (const change of op.$update ?? []) {
    if (!isPlainObject(change) || !isPlainObject(change.$new_object)) continue
    const replacement = change.$new_object
    current = current.map((c) =>
      identifiedBy(c, change) ? (merge && isPlainObject(c) ? deepMerge(c, replacement) : replacement) : c,
    )
  }
  return current
}

/** Whether an array element is the one a `{ $identifier_key, $identifier_value }` names. */
function identifiedBy(element: unknown, matcher: unknown): boolean {
  if (!isPlainObject(element) || !isPlainObject(matcher) || typeof matcher.$identifier_key !== 'string')
    return false
  return deepEqual(element[matcher.$identifier_key], matcher.$identifier_value)
}

function hasNestedNull(value: unknown): boolean {
  if (isIncrement(value) || isArrayOperation(value)) return false
  if (Array.isArray(value)) return value.some((v) => v === null || hasNestedNull(v))
  if (isPlainObject(value)) return Object.values(value).some((v) => v === null || hasNestedNull(v))
  return false
}

function unique(values: unknown[]): unknown[] {
  const out: unknown[] = []
  for (const v of values) if (!out.some((o) => deepEqual(o, v))) out.push(v)
  return out
}

function deepMerge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base }
  for (const [k, v] of Object.entries(patch)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v
  }
  return out
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]))
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a)
    return keys.length === Object.keys(b).length && keys.every((k) => deepEqual(a[k], b[k]))
  }
  return false
}

/** The data type /custom_attributes reports for a value. */
function dataType(value: unknown): string {
  if (typeof value === 'number') return 'Number'
  if (typeof value === 'boolean') return 'Boolean'
  if (typeof value === 'string')
    return /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value)) ? 'Time' : 'String'
  if (Array.isArray(value)) return value.some(isPlainObject) ? 'Object Array' : 'Array'
  if (isPlainObject(value)) return 'Object'
  return 'String'
}
