import type { BrazeUser, UserAlias, UserStore } from './store.js'
import type { FakeAnswer } from './track.js'
import { isPlainObject } from './validation.js'

/** /users/delete and /users/export/ids take at most 50 identifiers per request. */
export const IDS_PER_REQUEST = 50

const DELETE_KINDS = [
  'external_ids',
  'user_aliases',
  'braze_ids',
  'email_addresses',
  'phone_numbers',
] as const

/** Objects in a /users/delete body, for the fake's statistics. */
export function countIds(body: unknown): number {
  if (!isPlainObject(body)) return 0
  return DELETE_KINDS.reduce((n, k) => n + (Array.isArray(body[k]) ? (body[k] as unknown[]).length : 0), 0)
}

/**
 * POST /users/delete: up to 50 identifiers of exactly one kind. Deleting by email or phone takes a
 * `prioritization` that must settle on one profile when several share the address; otherwise none is
 * deleted. Unknown identifiers are not counted.
 */
export function deleteUsers(store: UserStore, body: unknown): FakeAnswer {
  if (!isPlainObject(body)) return { status: 400, body: { message: 'Bad Request' } }
  const present = DELETE_KINDS.filter((k) => body[k] !== undefined)
  if (present.length !== 1) {
    return {
      status: 400,
      body: {
        message:
          'Exactly one of external_ids, user_aliases, braze_ids, email_addresses or phone_numbers is required',
      },
    }
  }
  const kind = present[0]!
  const ids = body[kind]
  if (!Array.isArray(ids)) return { status: 400, body: { message: `'${kind}' must be an array` } }
  if (ids.length > IDS_PER_REQUEST) {
    return { status: 400, body: { message: 'The max number of ids per request was exceeded' } }
  }

  const targets: BrazeUser[] = []
  for (const id of ids) {
    const found = resolveDeletion(store, kind, id)
    if (typeof found === 'string') return { status: 400, body: { message: found } }
    if (found) targets.push(found)
  }
  const unique = [...new Set(targets)]
  for (const user of unique) store.delete(user)
  return { status: 201, body: { deleted: unique.length, message: 'success' } }
}

function resolveDeletion(
  store: UserStore,
  kind: (typeof DELETE_KINDS)[number],
  id: unknown,
): BrazeUser | undefined | string {
  switch (kind) {
    case 'external_ids':
      return typeof id === 'string' ? store.find({ external_id: id }) : `'external_ids' must hold strings`
    case 'braze_ids':
      return typeof id === 'string' ? store.find({ braze_id: id }) : `'braze_ids' must hold strings`
    case 'user_aliases': {
      const alias = aliasOf(id)
      return alias
        ? store.find({ user_alias: alias })
        : "'user_aliases' must hold { alias_name, alias_label }"
    }
    case 'email_addresses':
    case 'phone_numbers': {
      const field = kind === 'email_addresses' ? 'email' : 'phone'
      if (!isPlainObject(id) || typeof id[field] !== 'string')
        return `'${kind}' must hold { ${field}, prioritization }`
      const prioritization = id.prioritization
      if (!Array.isArray(prioritization) || prioritization.length === 0) {
        return `'prioritization' is required when deleting by ${field}`
      }
      return prioritized(store.sharing(field, id[field] as string), prioritization as string[])
    }
  }
}

/** The one profile a prioritization settles on among those sharing an address, if it settles. */
function prioritized(candidates: BrazeUser[], prioritization: string[]): BrazeUser | undefined {
  let left = candidates
  for (const rule of prioritization) {
    if (left.length <= 1) break
    if (rule === 'identified')
      left = left.some((u) => u.external_id) ? left.filter((u) => u.external_id) : left
    else if (rule === 'unidentified')
      left = left.some((u) => !u.external_id) ? left.filter((u) => !u.external_id) : left
    else if (rule === 'most_recently_updated')
      left = [left.reduce((a, b) => (b.updated_seq > a.updated_seq ? b : a))]
  }
  return left.length === 1 ? left[0] : undefined
}

function aliasOf(value: unknown): UserAlias | undefined {
  if (
    !isPlainObject(value) ||
    typeof value.alias_name !== 'string' ||
    typeof value.alias_label !== 'string'
  ) {
    return undefined
  }
  return { alias_name: value.alias_name, alias_label: value.alias_label }
}

/**
 * POST /users/export/ids: profiles by up to 50 external_ids and 50 user_aliases, or one braze_id,
 * email_address or phone; `fields_to_export` narrows what each profile shows.
 */
export function exportIds(store: UserStore, body: unknown): FakeAnswer {
  if (!isPlainObject(body)) return { status: 400, body: { message: 'Bad Request' } }
  const externalIds = Array.isArray(body.external_ids) ? body.external_ids : []
  const aliases = Array.isArray(body.user_aliases) ? body.user_aliases : []
  if (externalIds.length > IDS_PER_REQUEST || aliases.length > IDS_PER_REQUEST) {
    return {
      status: 400,
      body: { message: 'The max number of external_ids and aliases per request was exceeded' },
    }
  }
  const users: BrazeUser[] = []
  const invalid: string[] = []
  const look = (label: string, user: BrazeUser | undefined) => {
    if (user) users.push(user)
    else invalid.push(label)
  }
  for (const id of externalIds)
    look(String(id), typeof id === 'string' ? store.find({ external_id: id }) : undefined)
  for (const value of aliases) {
    const alias = aliasOf(value)
    look(alias?.alias_name ?? JSON.stringify(value), alias ? store.find({ user_alias: alias }) : undefined)
  }
  if (typeof body.braze_id === 'string') look(body.braze_id, store.find({ braze_id: body.braze_id }))
  if (typeof body.email_address === 'string') {
    const shared = store.sharing('email', body.email_address)
    if (shared.length === 0) invalid.push(body.email_address)
    users.push(...shared)
  }
  if (typeof body.phone === 'string') {
    const shared = store.sharing('phone', body.phone)
    if (shared.length === 0) invalid.push(body.phone)
    users.push(...shared)
  }
  const fields = Array.isArray(body.fields_to_export) ? new Set(body.fields_to_export as string[]) : undefined
  const answer: Record<string, unknown> = {
    message: 'success',
    users: [...new Set(users)].map((u) => exportedUser(store, u, fields)),
  }
  if (invalid.length > 0) answer.invalid_user_ids = invalid
  return { status: 201, body: answer }
}

/** A profile as /users/export/ids shows it: missing fields are left out rather than null. */
export function exportedUser(
  store: UserStore,
  user: BrazeUser,
  fields?: Set<string>,
): Record<string, unknown> {
  const custom: Record<string, unknown> = {}
  const standard: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(user.attributes)) {
    if (isStandard(key)) standard[key] = value
    else custom[key] = value
  }
  const full: Record<string, unknown> = {
    created_at: user.created_at,
    ...(user.external_id !== undefined ? { external_id: user.external_id } : {}),
    ...(user.user_aliases.length > 0 ? { user_aliases: user.user_aliases.map((a) => ({ ...a })) } : {}),
    braze_id: user.braze_id,
    ...standard,
    ...(user.email !== undefined ? { email: user.email } : {}),
    ...(user.phone !== undefined ? { phone: user.phone } : {}),
    ...(Object.keys(custom).length > 0 ? { custom_attributes: custom } : {}),
  }
  const events = summarise(
    store.events.filter((e) => e.braze_id === user.braze_id).map((e) => ({ name: e.name, time: e.time })),
  )
  if (events.length > 0) full.custom_events = events
  const purchases = summarise(
    store.purchases
      .filter((p) => p.braze_id === user.braze_id)
      .map((p) => ({ name: p.product_id, time: p.time })),
  )
  if (purchases.length > 0) full.purchases = purchases
  if (!fields) return full
  return Object.fromEntries(Object.entries(full).filter(([k]) => fields.has(k)))
}

const STANDARD_EXPORTED = new Set([
  'first_name',
  'last_name',
  'dob',
  'gender',
  'home_city',
  'country',
  'language',
  'time_zone',
  'email_subscribe',
  'push_subscribe',
  'push_tokens',
])

function isStandard(key: string): boolean {
  return STANDARD_EXPORTED.has(key)
}

function summarise(items: Array<{ name: string; time: string }>): Array<Record<string, unknown>> {
  const byName = new Map<string, { name: string; first: string; last: string; count: number }>()
  for (const { name, time } of items) {
    const entry = byName.get(name)
    if (!entry) byName.set(name, { name, first: time, last: time, count: 1 })
    else {
      entry.count += 1
      if (time < entry.first) entry.first = time
      if (time > entry.last) entry.last = time
    }
  }
  return [...byName.values()]
}

/** GET /custom_attributes: 50 a page, alphabetical, the next page named in a Link header. */
export function customAttributesPage(
  registry: Map<string, string>,
  requestUrl: URL,
): { body: Record<string, unknown>; link?: string } {
  const names = [...registry.keys()].sort()
  const cursor = requestUrl.searchParams.get('cursor')
  const start = cursor ? Number(Buffer.from(cursor, 'base64url').toString()) || 0 : 0
  const page = names.slice(start, start + 50)
  const body = {
    message: 'success',
    attributes: page.map((name) => ({
      array_length: registry.get(name)?.includes('Array') ? 100 : null,
      data_type: registry.get(name),
      description: null,
      name,
      status: 'Active',
      tag_names: [],
    })),
  }
  if (start + 50 >= names.length) return { body }
  const next = new URL(requestUrl)
  next.searchParams.set('cursor', Buffer.from(String(start + 50)).toString('base64url'))
  return { body, link: `<${next.toString()}>; rel="next"` }
}
