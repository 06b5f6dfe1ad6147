import type { Operation, OutboundRecord, Value } from '@sluice/core/contract'
import { isIdentifierKind, type Matching, userReference } from './identifiers.js'

/**
 * Turns mapped records into Braze's request objects: a user attributes object for upsert, update and
 * clear, an event object for append. The mapping layer has already produced Braze's field names and
 * shapes (nested objects, arrays, `{ add: [...] }` / `{ remove: [...] }`); this adds what Braze needs
 * around them.
 */

export type Built = { ok: true; object: Record<string, unknown> } | { ok: false; reason: string }

/** Keys Braze reads as instructions rather than attributes; a mapping may not set them. */
const RESERVED_KEYS = new Set(['_update_existing_only', 'push_token_import', '_merge_objects'])

/** A user attributes object for one record. */
export function attributesObject(record: OutboundRecord, matching: Matching, operation: Operation): Built {
  if (record.identifier === '') return { ok: false, reason: `${matching.kind} is empty` }
  const object: Record<string, unknown> = userReference(matching, record.identifier)
  for (const [key, value] of Object.entries(record.fields)) {
    if (key === matching.fieldKey || RESERVED_KEYS.has(key)) continue
    if (key === 'subscription_groups') {
      // Braze keeps a subscription state until it is set again; null cannot clear it.
      const groups = subscriptionGroups(value)
      if (typeof groups === 'string') return { ok: false, reason: groups }
      if (operation !== 'clear' && groups.length > 0) object.subscription_groups = groups
      continue
    }
    // Clearing sends null at the top level: Braze removes an attribute set to null, while a null
    // inside a nested object would make it drop every nested update in the request.
    if (operation === 'clear') {
      object[key] = null
      continue
    }
    const operationValue = arrayOperation(key, value)
    if (typeof operationValue === 'string') return { ok: false, reason: operationValue }
    object[key] = operationValue ?? attributeValue(value)
  }
  // Upsert says "create if missing" out loud: an alias-only profile is only created when the flag is false.
  object._update_existing_only = operation !== 'upsert'
  return { ok: true, object }
}

/** Fields of an event object that are not event properties. */
const EVENT_KEYS = new Set(['name', 'time', 'properties', 'app_id'])

/**
 * An event object for one record: `name`, `time` (ISO 8601; now when unmapped) and `properties`, plus
 * every other mapped field as a property. The user is the sync's identifier when it names a user,
 * otherwise the identifier fields present in the record (the sync's identifier is then an event key).
 */
export function eventObject(
  record: OutboundRecord,
  matching: Matching | undefined,
  aliasLabel: string | undefined,
  now: () => string = () => new Date().toISOString(),
): Built {
  const fields = record.fields
  const user = matching ? userReference(matching, record.identifier) : userInFields(fields, aliasLabel)
  if (typeof user === 'string') return { ok: false, reason: user }
  if (matching && record.identifier === '') return { ok: false, reason: `${matching.kind} is empty` }

  const name = fields.name
  if (typeof name !== 'string' || name === '')
    return { ok: false, reason: 'name is required: map the event name' }
  const time = fields.time ?? now()
  if (typeof time !== 'string') return { ok: false, reason: 'time must be an ISO 8601 timestamp string' }
  const mapped = fields.properties ?? {}
  if (typeof mapped !== 'object' || Array.isArray(mapped))
    return { ok: false, reason: 'properties must be an object' }

  const properties: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(mapped as Record<string, Value>))
    properties[key] = eventPropertyValue(value)
  for (const [key, value] of Object.entries(fields)) {
    if (EVENT_KEYS.has(key) || isIdentifierKind(key) || key === matching?.fieldKey) continue
    properties[key] = eventPropertyValue(value)
  }
  const object: Record<string, unknown> = { ...user, name, time }
  if (typeof fields.app_id === 'string') object.app_id = fields.app_id
  if (Object.keys(properties).length > 0) object.properties = properties
  return { ok: true, object }
}

/** The user an event belongs to, from identifier fields in the record, or why there is none. */
function userInFields(
  fields: Record<string, Value>,
  aliasLabel: string | undefined,
): Record<string, unknown> | string {
  for (const kind of ['external_id', 'braze_id', 'email', 'phone'] as const) {
    const value = fields[kind]
    if (typeof value === 'string' && value !== '') return { [kind]: value }
  }
  const alias = fields.user_alias
  if (typeof alias === 'string' && alias !== '' && aliasLabel) {
    return { user_alias: { alias_name: alias, alias_label: aliasLabel } }
  }
  if (alias && typeof alias === 'object' && !Array.isArray(alias)) {
    const { alias_name, alias_label } = alias as Record<string, Value>
    if (typeof alias_name === 'string' && typeof alias_label === 'string') {
      return { user_alias: { alias_name, alias_label } }
    }
  }
  return 'no user identifier: map external_id, email, phone, braze_id or user_alias'
}

/**
 * `subscription_groups` as Braze takes it: an array of `{ subscription_group_id, subscription_state }`,
 * or, from a nested mapping (`subscription_groups.<group id>`), an object of group id → state, where
 * true means "subscribed" and false "unsubscribed". Null states are left out.
 */
function subscriptionGroups(value: Value): Array<Record<string, string>> | string {
  if (value === null) return []
  if (Array.isArray(value)) {
    const groups: Array<Record<string, string>> = []
    for (const item of value) {
      if (item === null) continue
      const id = typeof item === 'object' && !Array.isArray(item) ? item.subscription_group_id : undefined
      const state =
        typeof item === 'object' && !Array.isArray(item)
          ? stateOf(item.subscription_state ?? null)
          : undefined
      if (typeof id !== 'string' || state === undefined) {
        return 'subscription_groups items need subscription_group_id and subscription_state (subscribed | unsubscribed)'
      }
      if (state !== null) groups.push({ subscription_group_id: id, subscription_state: state })
    }
    return groups
  }
  if (typeof value === 'object' && typeof value !== 'bigint') {
    const groups: Array<Record<string, string>> = []
    for (const [id, raw] of Object.entries(value)) {
      const state = stateOf(raw)
      if (state === undefined)
        return `subscription_groups.${id} must be subscribed, unsubscribed, true or false`
      if (state !== null) groups.push({ subscription_group_id: id, subscription_state: state })
    }
    return groups
  }
  return 'subscription_groups must be an array or an object of group id → state'
}

function stateOf(value: Value): 'subscribed' | 'unsubscribed' | null | undefined {
  if (value === null) return null
  if (value === true || value === 'subscribed') return 'subscribed'
  if (value === false || value === 'unsubscribed') return 'unsubscribed'
  return undefined
}

/**
 * Adding to and removing from an array attribute. The mapping layer says `{ $add: [...] }` or
 * `{ $remove: [...] }`; Braze says `add` / `remove` for arrays of values, and `$add` / `$remove` for
 * arrays of objects, where `$remove` names each element by one key and value
 * (`{ $identifier_key, $identifier_value }`). Undefined when the value is no such operation.
 */
function arrayOperation(key: string, value: Value): Record<string, unknown> | string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
  const ops = Object.keys(value)
  const known = ['$add', '$remove', 'add', 'remove']
  if (ops.length === 0 || !ops.every((op) => known.includes(op) && Array.isArray(value[op]))) return undefined
  const out: Record<string, unknown> = {}
  for (const op of ops) {
    const items = (value[op] as Value[]).filter((item) => item !== null)
    const objects = items.some(
      (item) => typeof item === 'object' && !Array.isArray(item) && typeof item !== 'bigint',
    )
    const verb = op.replace('$', '') as 'add' | 'remove'
    if (!objects) {
      out[verb] = items.map((item) => attributeValue(item))
      continue
    }
    if (verb === 'add') {
      out.$add = items.map((item) => attributeValue(item))
      continue
    }
    const matchers: Array<Record<string, unknown>> = []
    for (const item of items as Array<Record<string, Value>>) {
      const pairs = Object.entries(item).filter(([k]) => !k.startsWith('$'))
      if (item.$identifier_key !== undefined) matchers.push(attributeValue(item) as Record<string, unknown>)
      else if (pairs.length === 1)
        matchers.push({ $identifier_key: pairs[0]![0], $identifier_value: attributeValue(pairs[0]![1]) })
      else
        return `${key}: to remove objects from an array, Braze needs one identifying key per element: map only that key (e.g. items: [{ from: "id", to: "id" }])`
    }
    out.$remove = matchers
  }
  return out
}

/**
 * An attribute value as JSON. Nulls inside nested objects and arrays are left out: a nested object
 * is replaced whole, so an absent key says the same, and Braze drops every nested update of a request
 * that holds a null inside one.
 */
export function attributeValue(value: Value): unknown {
  return value === null ? null : withoutNestedNulls(value)
}

function withoutNestedNulls(value: Exclude<Value, null>): unknown {
  if (typeof value === 'bigint') return bigintValue(value)
  if (Array.isArray(value))
    return value.filter((v) => v !== null).map((v) => withoutNestedNulls(v as Exclude<Value, null>))
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = withoutNestedNulls(v)
    return out
  }
  return value
}

/** Event properties keep nulls (they are not attributes); bigints go as exact JSON numbers. */
function eventPropertyValue(value: Value): unknown {
  if (typeof value === 'bigint') return bigintValue(value)
  if (Array.isArray(value)) return value.map(eventPropertyValue)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = eventPropertyValue(v)
    return out
  }
  return value
}

/**
 * A BIGINT column's values are bigints whatever their size: each goes as an exact JSON number (the
 * HTTP toolkit writes its digits), so one attribute gets one type, a number, in every request.
 */
function bigintValue(value: bigint): bigint {
  return value
}
