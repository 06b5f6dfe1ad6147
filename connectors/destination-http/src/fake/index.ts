/**
 * `@sluice/destination-http/fake`: a configurable receiver for tests and the demo. msw handlers over
 * in-memory collections, with a REST route per operation and a batch route answering per record,
 * behind a bearer token, with the conformance kit's faults:
 *
 * | request | does |
 * | --- | --- |
 * | `GET /me` | the probe: `{ "ok": true }` |
 * | `PUT /:collection/:id` | upsert (fields merged into the record) |
 * | `PATCH /:collection/:id` | update; 404 when there is no such record |
 * | `POST /:collection` | create, the id in the body's `idField`; 409 when it exists |
 * | `DELETE /:collection/:id` | delete; done when it is already gone |
 * | `POST /:collection/events` | append the body |
 * | `POST /:collection/batch` | `{ operation, records: [...] }` → `{ ok, results: [{ id, ok, error? }] }` |
 *
 * Every answer is JSON with `ok`; a refused record answers 422 (single) or `ok: false` with `error`
 * in its result (batch).
 */
import {
  clearFaults,
  createFakeStats,
  createFaults,
  type DestinationFake,
  type ReadBack,
  rejectionFor,
  resetFakeStats,
  trackRequest,
} from '@sluice/conformance/fake'
import { HttpResponse, http } from 'msw'
import type { HttpConfig } from '../config.js'

export const FAKE_HTTP_TOKEN = 'fake-http-token-5b2e9c'

export interface FakeReceiverOptions {
  /** the bearer token every request must carry; default `FAKE_HTTP_TOKEN` */
  token?: string
  /** the body member holding a record's id on create and in batches; default `id` */
  idField?: string
}

/** One request the receiver accepted, for tests that look at what was sent. */
export interface ReceivedRequest {
  method: string
  path: string
  body: unknown
}

type Fields = Record<string, unknown>
type Answer = { error?: string; status?: number }

export interface FakeReceiver extends DestinationFake {
  /** every authorised request, in arrival order */
  readonly received: ReceivedRequest[]
}

export function createFakeReceiver(options: FakeReceiverOptions = {}): FakeReceiver {
  const token = options.token ?? FAKE_HTTP_TOKEN
  const idField = options.idField ?? 'id'
  const faults = createFaults()
  const stats = createFakeStats()
  const collections = new Map<string, Map<string, Fields>>()
  const appended = new Map<string, Fields[]>()
  const received: ReceivedRequest[] = []

  const collection = (name: string) => {
    const found = collections.get(name) ?? new Map<string, Fields>()
    collections.set(name, found)
    return found
  }

  /** The bearer token, as every route checks it. */
  const denied = (request: Request): Response | undefined => {
    stats.requests += 1
    if (request.headers.get('authorization') === `Bearer ${token}`) return undefined
    return HttpResponse.json({ ok: false, error: 'invalid_auth: unknown or missing token' }, { status: 401 })
  }

  const readJson = async (request: Request): Promise<unknown> => {
    const text = await request.text()
    try {
      return text ? JSON.parse(text) : undefined
    } catch {
      return undefined
    }
  }

  /** Applies one record's operation; an error answer when the API refuses it. */
  const apply = (name: string, operation: string, id: string, fields: Fields): Answer | undefined => {
    const reason = rejectionFor(faults, { ...fields, [idField]: id })
    if (reason) return { error: reason, status: 422 }
    if (operation === 'append') {
      appended.set(name, [...(appended.get(name) ?? []), fields])
      return undefined
    }
    const store = collection(name)
    const existing = store.get(id)
    switch (operation) {
      case 'upsert':
        store.set(id, { ...existing, ...fields, [idField]: id })
        return undefined
      case 'update':
        if (!existing) return { error: `no record with ${idField} ${id}`, status: 404 }
        store.set(id, { ...existing, ...fields, [idField]: id })
        return undefined
      case 'create':
        if (existing) return { error: `a record with ${idField} ${id} exists`, status: 409 }
        store.set(id, { ...fields, [idField]: id })
        return undefined
      case 'delete':
        store.delete(id)
        return undefined
      default:
        return { error: `unknown operation "${operation}"`, status: 400 }
    }
  }

  /** A single-record route: the operation applied to the record the path and body name. */
  const single =
    (operation: string, idFrom: 'path' | 'body') =>
    async ({ request, params }: { request: Request; params: Record<string, unknown> }) => {
      const refused = denied(request)
      if (refused) return refused
      const body = await readJson(request)
      const fields = (body && typeof body === 'object' ? body : {}) as Fields
      const path = new URL(request.url).pathname
      received.push({ method: request.method, path, body })
      trackRequest(stats, 1)
      const id = idFrom === 'path' ? String(params.id) : fields[idField]
      if (operation !== 'append' && (typeof id !== 'string' || id === ''))
        return HttpResponse.json({ ok: false, error: `${idField} is required` }, { status: 400 })
      const error = apply(String(params.collection), operation, String(id), fields)
      if (error) return HttpResponse.json({ ok: false, error: error.error }, { status: error.status })
      return HttpResponse.json({ ok: true, ...(operation === 'append' ? {} : { id }) })
    }

  const handlers = [
    http.get('/me', ({ request }) => denied(request) ?? HttpResponse.json({ ok: true, receiver: 'fake' })),
    http.put('/:collection/:id', single('upsert', 'path')),
    http.patch('/:collection/:id', single('update', 'path')),
    http.delete('/:collection/:id', single('delete', 'path')),
    http.post('/:collection/events', single('append', 'body')),
    http.post('/:collection/batch', async ({ request, params }) => {
      const refused = denied(request)
      if (refused) return refused
      const body = (await readJson(request)) as { operation?: unknown; records?: unknown } | undefined
      received.push({ method: 'POST', path: new URL(request.url).pathname, body })
      if (!body || typeof body.operation !== 'string' || !Array.isArray(body.records))
        return HttpResponse.json(
          { ok: false, error: 'expected { "operation": "…", "records": [ … ] }' },
          { status: 400 },
        )
      trackRequest(stats, body.records.length)
      const operation = body.operation
      const results = (body.records as unknown[]).map((item) => {
        const fields = (item && typeof item === 'object' ? item : {}) as Fields
        const id = fields[idField]
        if (typeof id !== 'string' || id === '') return { id, ok: false, error: `${idField} is required` }
        const error = apply(String(params.collection), operation, id, fields)
        return error ? { id, ok: false, error: error.error } : { id, ok: true }
      })
      return HttpResponse.json({ ok: true, results })
    }),
    http.post('/:collection', single('create', 'body')),
  ]

  return {
    handlers,
    faults,
    stats,
    received,
    records(object: string, kind?: ReadBack) {
      if (kind === 'appended')
        return new Map((appended.get(object) ?? []).map((item, i) => [`appended-${i}`, item]))
      return collections.get(object) ?? new Map()
    },
    reset() {
      collections.clear()
      appended.clear()
      received.length = 0
      resetFakeStats(stats)
      clearFaults(faults)
    },
  }
}

/**
 * A config that works against the receiver at `url`: every operation's template, in single or batch
 * mode, acknowledged by `ok: true` (and, in batch mode, each record's result under `results`).
 */
export function fakeReceiverConfig(
  url: string,
  options: { mode?: 'single' | 'batch'; token?: string; batchSize?: number } = {},
): HttpConfig {
  const secretHeaders = { Authorization: `Bearer ${options.token ?? FAKE_HTTP_TOKEN}` }
  const acknowledge = { path: 'ok', equals: [true] }
  if (options.mode === 'batch') {
    const batch = (operation: string) => ({
      method: 'POST' as const,
      path: '/{{$object}}/batch',
      batchBody: { operation, records: '{{$records}}' },
    })
    return {
      url,
      secretHeaders,
      mode: 'batch',
      batchSize: options.batchSize ?? 50,
      acknowledge,
      results: { path: 'results', id: 'id', succeeded: { path: 'ok', equals: [true] }, error: 'error' },
      check: { path: '/me' },
      operations: {
        upsert: batch('upsert'),
        update: batch('update'),
        create: batch('create'),
        append: batch('append'),
        delete: { ...batch('delete'), body: { id: '{{$identifier}}' } },
        clear: batch('update'),
      },
    }
  }
  const one = '/{{$object}}/{{$identifier}}'
  return {
    url,
    secretHeaders,
    acknowledge,
    check: { path: '/me' },
    operations: {
      upsert: { method: 'PUT', path: one, body: '{{$fields}}' },
      update: { method: 'PATCH', path: one, body: '{{$fields}}' },
      create: { method: 'POST', path: '/{{$object}}', body: '{{$fields}}' },
      append: { method: 'POST', path: '/{{$object}}/events', body: '{{$fields}}' },
      delete: { method: 'DELETE', path: one },
      clear: { method: 'PATCH', path: one, body: '{{$fields}}' },
    },
  }
}
