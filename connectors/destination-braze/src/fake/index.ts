/**
 * `@sluice/destination-braze/fake`: a fake Braze REST API for tests and the demo. msw handlers over an
 * in-memory workspace that behave as Braze documents: /users/track (attributes, events, purchases,
 * null removes an attribute, nested attributes, array add/remove, update-existing-only, per-object
 * errors by `input_array` and `index`), /users/delete, /users/export/ids and GET /custom_attributes,
 * bearer-key auth, per-endpoint rate limits with `X-RateLimit-*` headers, and the conformance kit's
 * fault switches.
 */
import {
  clearFaults,
  createFakeStats,
  createFaults,
  type DestinationFake,
  rejectionFor,
  resetFakeStats,
  takeExpiredToken,
  trackRequest,
} from '@sluice/conformance/fake'
import type { RateLimit } from '@sluice/core/contract'
import { HttpResponse, http, type RequestHandler } from 'msw'
import { countIds, customAttributesPage, deleteUsers, exportedUser, exportIds } from './lookups.js'
import { RateWindow } from './rate-window.js'
import { type BrazeUser, type StoredEvent, type StoredPurchase, type UserKeys, UserStore } from './store.js'
import { countObjects, type FakeAnswer, track } from './track.js'

export type { BrazeUser, StoredEvent, StoredPurchase, UserAlias, UserKeys } from './store.js'

/** The key the fake accepts unless told otherwise. */
export const FAKE_BRAZE_API_KEY = 'fake-braze-rest-key'

/** Braze answers 413 to bodies over 4 MB. */
const MAX_BODY_BYTES = 4_000_000

/** Braze's documented default quotas, per workspace. */
export const BRAZE_RATE_LIMITS = {
  track: { requests: 3_000, perMs: 3_000 },
  delete: { requests: 20_000, perMs: 60_000 },
  exportIds: { requests: 250, perMs: 60_000 },
  customAttributes: { requests: 1_000, perMs: 3_600_000 },
} as const satisfies Record<string, RateLimit>

export type BrazeEndpoint = keyof typeof BRAZE_RATE_LIMITS

export interface FakeBrazeOptions {
  /** the REST key requests must carry as `Authorization: Bearer <key>` */
  apiKey?: string
  /** per-endpoint quotas, e.g. `{ track: { requests: 30, perMs: 30 } }` to scale Braze's down for tests */
  rateLimits?: Partial<Record<BrazeEndpoint, RateLimit>>
  /** the /users/track object limit: 75 in total (the current rule) or 75 per array (legacy) */
  batching?: { rule?: 'total' | 'per_array'; objectsPerRequest?: number }
}

export interface FakeBraze extends DestinationFake {
  readonly apiKey: string
  /** a profile as /users/export/ids shows it, found by any identifier */
  user(keys: UserKeys): Record<string, unknown> | undefined
  /** the subscription group states of a profile: group id → subscribed | unsubscribed */
  subscriptionGroups(keys: UserKeys): Record<string, string> | undefined
  /** every profile, as /users/export/ids shows them */
  users(): Array<Record<string, unknown>>
  /** custom events in arrival order, with the profile's external_id when it has one */
  events(): Array<StoredEvent & { external_id?: string }>
  purchases(): Array<StoredPurchase & { external_id?: string }>
  /**
   * Answer the next `count` accepted /users/track and /users/delete requests 202 "queued", as Braze does
   * during maintenance: the data is processed, but the answer carries no per-object errors.
   */
  queueNext(count: number): void
  /** requests per endpoint since the last reset */
  readonly requestsByEndpoint: Readonly<Record<BrazeEndpoint, number>>
}

export function createFakeBraze(options: FakeBrazeOptions = {}): FakeBraze {
  const apiKey = options.apiKey ?? FAKE_BRAZE_API_KEY
  const rule = options.batching?.rule ?? 'total'
  const objectsPerRequest = options.batching?.objectsPerRequest ?? 75
  const store = new UserStore()
  const faults = createFaults()
  const stats = createFakeStats()
  const windows = Object.fromEntries(
    (Object.keys(BRAZE_RATE_LIMITS) as BrazeEndpoint[]).map((e) => [
      e,
      new RateWindow(options.rateLimits?.[e] ?? BRAZE_RATE_LIMITS[e]),
    ]),
  ) as Record<BrazeEndpoint, RateWindow>
  const requestsByEndpoint: Record<BrazeEndpoint, number> = {
    track: 0,
    delete: 0,
    exportIds: 0,
    customAttributes: 0,
  }
  let queued = 0

  /** What every endpoint does first: count, authenticate, apply the quota. */
  const gate = (
    endpoint: BrazeEndpoint,
    request: Request,
  ): { headers: Record<string, string> } | Response => {
    stats.requests += 1
    requestsByEndpoint[endpoint] += 1
    if (takeExpiredToken(faults)) {
      return HttpResponse.json({ message: 'Invalid API key: the key has expired' }, { status: 401 })
    }
    if (request.headers.get('authorization') !== `Bearer ${apiKey}`) {
      return HttpResponse.json({ message: 'Unknown or missing REST API Key' }, { status: 401 })
    }
    const quota = windows[endpoint].take()
    if (!quota.allowed) {
      stats.rateLimited += 1
      return HttpResponse.json({ message: 'Too Many Requests' }, { status: 429, headers: quota.headers })
    }
    return { headers: quota.headers }
  }

  const readJson = async (request: Request): Promise<{ body: unknown } | FakeAnswer> => {
    const text = await request.text()
    if (Buffer.byteLength(text) > MAX_BODY_BYTES)
      return { status: 413, body: { message: 'Request Entity Too Large' } }
    try {
      return { body: JSON.parse(text) as unknown }
    } catch {
      return { status: 400, body: { message: 'Bad Request: the body is not JSON' } }
    }
  }

  const reply = (answer: FakeAnswer, headers: Record<string, string>) =>
    HttpResponse.json(answer.body, { status: answer.status, headers })

  /** A POST endpoint: gate, parse, record the request's size, answer. */
  const post = (
    endpoint: BrazeEndpoint,
    path: string,
    count: (body: unknown) => number,
    handle: (body: unknown) => FakeAnswer,
  ) =>
    http.post(`*${path}`, async ({ request }) => {
      const gated = gate(endpoint, request)
      if (gated instanceof Response) return gated
      const parsed = await readJson(request)
      if ('status' in parsed) return reply(parsed, gated.headers)
      trackRequest(stats, count(parsed.body))
      const answer = handle(parsed.body)
      // A queued request is processed all the same, later; the caller only learns that it was received.
      if (queued > 0 && endpoint !== 'exportIds' && answer.status < 300) {
        queued -= 1
        return reply({ status: 202, body: { message: 'queued' } }, gated.headers)
      }
      return reply(answer, gated.headers)
    })

  const handlers: RequestHandler[] = [
    post('track', '/users/track', countObjects, (body) =>
      track(store, body, { rule, objectsPerRequest, rejectionFor: (record) => rejectionFor(faults, record) }),
    ),
    post('delete', '/users/delete', countIds, (body) => deleteUsers(store, body)),
    post(
      'exportIds',
      '/users/export/ids',
      () => 0,
      (body) => exportIds(store, body),
    ),
    http.get('*/custom_attributes', ({ request }) => {
      const gated = gate('customAttributes', request)
      if (gated instanceof Response) return gated
      const page = customAttributesPage(store.customAttributes, new URL(request.url))
      return HttpResponse.json(page.body, {
        status: 200,
        headers: { ...gated.headers, ...(page.link ? { link: page.link } : {}) },
      })
    }),
  ]

  const withExternalId = <T extends { braze_id: string }>(item: T): T & { external_id?: string } => {
    const externalId = store.find({ braze_id: item.braze_id })?.external_id
    return externalId === undefined ? { ...item } : { ...item, external_id: externalId }
  }

  return {
    apiKey,
    handlers,
    faults,
    stats,
    requestsByEndpoint,
    records(object) {
      if (object === 'users') return usersAsRecords(store.all())
      if (object === 'events')
        return new Map(store.events.map((e, i) => [String(i), { ...withExternalId(e) }]))
      if (object === 'purchases')
        return new Map(store.purchases.map((p, i) => [String(i), { ...withExternalId(p) }]))
      return new Map()
    },
    user(keys) {
      const found = store.find(keys)
      return found ? exportedUser(store, found) : undefined
    },
    subscriptionGroups(keys) {
      const found = store.find(keys)
      return found ? { ...found.subscription_groups } : undefined
    },
    users() {
      return [...store.all()].map((u) => exportedUser(store, u))
    },
    events() {
      return store.events.map(withExternalId)
    },
    purchases() {
      return store.purchases.map(withExternalId)
    },
    queueNext(count) {
      queued = count
    },
    reset() {
      store.reset()
      for (const window of Object.values(windows)) window.reset()
      for (const key of Object.keys(requestsByEndpoint) as BrazeEndpoint[]) requestsByEndpoint[key] = 0
      clearFaults(faults)
      resetFakeStats(stats)
      queued = 0
    },
  }
}

/**
 * Profiles as the conformance kit reads them back: keyed by external_id (else email, phone, alias,
 * braze_id), with their identifiers, attributes and custom attributes side by side as they were
 * written, and subscription group states as `subscription_groups: { <group id>: state }`.
 */
function usersAsRecords(users: Iterable<BrazeUser>): Map<string, Record<string, unknown>> {
  const records = new Map<string, Record<string, unknown>>()
  for (const user of users) {
    const alias = user.user_aliases[0]
    const key = user.external_id ?? user.email ?? user.phone ?? (alias ? alias.alias_name : user.braze_id)
    const fields: Record<string, unknown> = {
      ...(user.external_id !== undefined ? { external_id: user.external_id } : {}),
      ...(user.email !== undefined ? { email: user.email } : {}),
      ...(user.phone !== undefined ? { phone: user.phone } : {}),
      ...(alias ? { user_alias: { ...alias } } : {}),
      ...user.attributes,
    }
    if (Object.keys(user.subscription_groups).length > 0)
      fields.subscription_groups = { ...user.subscription_groups }
    records.set(key, fields)
  }
  return records
}
