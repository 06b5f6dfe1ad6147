import {
  type ConnectorContext,
  type OutboundRecord,
  type RecordResult,
  rejected,
  SluiceError,
  succeeded,
  type WriteBatch,
} from '@sluice/core/contract'
import type { BrazeApi } from './api.js'
import type { ResolvedBrazeConfig } from './config.js'
import { type Matching, matchingFor } from './identifiers.js'
import {
  MAX_REQUEST_BYTES,
  type Packed,
  type PackItem,
  type PackLimits,
  packTrackRequests,
  type TrackRequest,
  trackBodyText,
} from './packer.js'
import { attributesObject, eventObject } from './payload.js'
import { runLevelError, trackOutcome, unacknowledged, unacknowledgedError } from './results.js'

const POSSIBLY_DUPLICATED: RecordResult = Object.freeze({ status: 'succeeded', possiblyDuplicated: true })

/** /users/delete takes at most 50 identifiers, all of one kind, per request. */
export const DELETE_IDS_PER_REQUEST = 50

const TOO_LARGE = "the record's payload is larger than Braze's 4 MB request limit"

/** What a batch turns into before anything is sent: objects to pack, and records refused already. */
interface Prepared {
  items: Array<PackItem<number>>
  refusals: Map<number, string>
}

/**
 * Builds the request objects of a batch. Users become attribute objects (upsert, update, clear),
 * events become event objects (append); a record that cannot become one is refused with the reason.
 */
export function prepareTrack(batch: WriteBatch, config: ResolvedBrazeConfig): Prepared {
  const items: Array<PackItem<number>> = []
  const refusals = new Map<number, string>()
  const matching = matchingFor(batch.identifierField, config.userAliasLabel)
  const events = batch.object === 'events'
  const userMatching = events ? undefined : requireUserMatching(matching, batch.identifierField)
  batch.records.forEach((record, index) => {
    const built = userMatching
      ? attributesObject(record, userMatching, batch.operation)
      : eventObject(record, matching, config.userAliasLabel)
    if (built.ok) items.push({ array: events ? 'events' : 'attributes', object: built.object, ref: index })
    else refusals.set(index, built.reason)
  })
  return { items, refusals }
}

/**
 * What `validate` built for a batch, for `write` to use. The engine validates a request's records and
 * then writes those it accepted: when it accepted all of them, the write sends the objects validate
 * built and packed instead of building and packing them again.
 */
export class PreparedBatches {
  private readonly byFirstRecord = new WeakMap<OutboundRecord, { batch: WriteBatch; packed: PackedTrack }>()

  remember(batch: WriteBatch, packed: PackedTrack): void {
    const first = batch.records[0]
    if (first) this.byFirstRecord.set(first, { batch, packed })
  }

  /** what was built for exactly these records, once */
  take(batch: WriteBatch): PackedTrack | undefined {
    const first = batch.records[0]
    const hit = first && this.byFirstRecord.get(first)
    if (!hit) return undefined
    this.byFirstRecord.delete(first)
    const same =
      hit.batch.operation === batch.operation &&
      hit.batch.object === batch.object &&
      hit.batch.identifierField === batch.identifierField &&
      hit.batch.records.length === batch.records.length &&
      hit.batch.records.every((record, i) => record === batch.records[i])
    return same ? hit.packed : undefined
  }
}

/** A batch's /users/track requests, and the records refused while building them. */
interface PackedTrack {
  refusals: Map<number, string>
  packed: Packed<number>
}

function packTrack(batch: WriteBatch, config: ResolvedBrazeConfig): PackedTrack {
  const { items, refusals } = prepareTrack(batch, config)
  return { refusals, packed: packTrackRequests(items, limitsOf(config)) }
}

/** The reasons records of a batch would be refused before sending (the connector's own validation). */
export function validateBatch(
  batch: WriteBatch,
  config: ResolvedBrazeConfig,
  prepared?: PreparedBatches,
): Array<string | undefined> {
  checkSupported(batch)
  const reasons: Array<string | undefined> = batch.records.map(() => undefined)
  if (batch.operation === 'delete') return reasons
  const track = packTrack(batch, config)
  for (const [index, reason] of track.refusals) reasons[index] = reason
  for (const index of track.packed.oversized) reasons[index] = TOO_LARGE
  if (track.refusals.size === 0 && track.packed.oversized.length === 0) prepared?.remember(batch, track)
  return reasons
}

/** Applies a batch: /users/track for upsert, update, clear and append; /users/delete for delete. */
export async function writeBatch(
  api: BrazeApi,
  config: ResolvedBrazeConfig,
  batch: WriteBatch,
  ctx: ConnectorContext,
  prepared?: PreparedBatches,
): Promise<RecordResult[]> {
  checkSupported(batch)
  if (batch.operation === 'delete') return deleteUsers(api, config, batch, ctx)

  const results: Array<RecordResult | undefined> = batch.records.map(() => undefined)
  const { refusals, packed } = prepared?.take(batch) ?? packTrack(batch, config)
  for (const [index, reason] of refusals) results[index] = rejected(reason)
  for (const index of packed.oversized) results[index] = rejected(TOO_LARGE)

  const idempotent = batch.operation !== 'append'
  const send = async (request: TrackRequest<number>, resend: boolean): Promise<void> => {
    // Braze takes no idempotency key: an event whose answer was lost is sent again (at least once),
    // and counted as possibly duplicated rather than silently written twice.
    let ambiguous = false
    const response = await api.track(trackBodyText(request), {
      idempotent,
      signal: ctx.signal,
      onRetry: (retry) => {
        ambiguous ||= retry.ambiguous
      },
    })
    const outcome = trackOutcome(request, response)
    for (const [index, reason] of outcome.rejected) results[index] = rejected(reason)
    if (outcome.unattributed.length > 0) {
      ctx.log.warn('Braze reported errors that name no object; the objects were processed', {
        errors: outcome.unattributed.slice(0, 10),
      })
    }
    const unprocessed = new Set(outcome.unprocessed.map((u) => u.ref))
    for (const refs of Object.values(request.refs)) {
      for (const index of refs ?? [])
        if (!outcome.rejected.has(index) && !unprocessed.has(index))
          results[index] = !idempotent && ambiguous ? POSSIBLY_DUPLICATED : succeeded
    }
    if (outcome.unprocessed.length === 0) return
    // Braze refused the whole request because of the objects it named: the others were never
    // processed, so they go again on their own, once.
    if (resend) throw runLevelError(response, '/users/track')
    const again = packTrackRequests(outcome.unprocessed, limitsOf(config)).requests
    await Promise.all(again.map((r) => send(r, true)))
  }
  await Promise.all(packed.requests.map((request) => send(request, false)))

  return results.map((r, index) => {
    if (r) return r
    throw new SluiceError('internal', `no result for record ${index} of the batch`, { component: 'braze' })
  })
}

async function deleteUsers(
  api: BrazeApi,
  config: ResolvedBrazeConfig,
  batch: WriteBatch,
  ctx: ConnectorContext,
): Promise<RecordResult[]> {
  const matching = requireUserMatching(
    matchingFor(batch.identifierField, config.userAliasLabel),
    batch.identifierField,
  )
  const results: RecordResult[] = batch.records.map(() => succeeded)
  const chunks: Array<Array<{ index: number; id: string }>> = []
  batch.records.forEach((record, index) => {
    if (record.identifier === '') {
      results[index] = rejected(`${matching.kind} is empty`)
      return
    }
    const last = chunks.at(-1)
    if (last && last.length < DELETE_IDS_PER_REQUEST) last.push({ index, id: record.identifier })
    else chunks.push([{ index, id: record.identifier }])
  })
  await Promise.all(
    chunks.map(async (chunk) => {
      const body = deleteBody(
        matching,
        chunk.map((c) => c.id),
        config.deletePrioritization,
      )
      const response = await api.deleteUsers(body, ctx.signal)
      // Braze answers with the number of profiles queued for deletion; an identifier it does not know
      // is simply not counted, and the record is as gone as the sync wants it.
      if (response.status < 200 || response.status >= 300) throw runLevelError(response, '/users/delete')
      const problem = unacknowledged(response, 'delete')
      if (problem) throw unacknowledgedError(response, '/users/delete', problem)
    }),
  )
  return results
}

/** A /users/delete body for identifiers of one kind. */
export function deleteBody(
  matching: Matching,
  ids: string[],
  prioritization: string[],
): Record<string, unknown> {
  switch (matching.kind) {
    case 'external_id':
      return { external_ids: ids }
    case 'braze_id':
      return { braze_ids: ids }
    case 'user_alias':
      return { user_aliases: ids.map((alias_name) => ({ alias_name, alias_label: matching.aliasLabel })) }
    case 'email':
      return { email_addresses: ids.map((email) => ({ email, prioritization })) }
    case 'phone':
      return { phone_numbers: ids.map((phone) => ({ phone, prioritization })) }
  }
}

function limitsOf(config: ResolvedBrazeConfig): PackLimits {
  return {
    rule: config.batching.rule,
    objectsPerRequest: config.batching.objectsPerRequest,
    maxRequestBytes: MAX_REQUEST_BYTES,
  }
}

function requireUserMatching(matching: Matching | undefined, field: string): Matching {
  if (matching) return matching
  throw new SluiceError('config', `"${field}" cannot identify Braze users`, {
    code: 'INVALID_IDENTIFIER',
    component: 'braze',
    hint: 'Match users on external_id, email, phone, braze_id, user_alias or user_alias.<label>.',
  })
}

const SUPPORTED: Record<string, readonly string[]> = {
  users: ['upsert', 'update', 'clear', 'delete'],
  events: ['append'],
}

function checkSupported(batch: WriteBatch): void {
  const operations = SUPPORTED[batch.object]
  if (!operations) {
    throw new SluiceError('config', `Braze has no object "${batch.object}"`, {
      code: 'UNKNOWN_OBJECT',
      component: 'braze',
      hint: 'Sync to "users" or "events".',
    })
  }
  if (!operations.includes(batch.operation)) {
    throw new SluiceError('config', `Braze ${batch.object} do not support "${batch.operation}"`, {
      code: 'UNSUPPORTED_OPERATION',
      component: 'braze',
      hint: `Braze ${batch.object} support: ${operations.join(', ')}.`,
    })
  }
}
