import { type RunCounts, type RunMode, runSync } from '@sluice/core'
import {
  type Destination,
  type DestinationCapabilities,
  type RateLimit,
  silentLogger,
} from '@sluice/core/contract'
import { braze, brazeCapabilities } from '@sluice/destination-braze'
import duckdb, { connectDuckDB } from '@sluice/source-duckdb'
import { createStateStore } from '@sluice/state-store'
import { createTrackingLake } from '@sluice/tracking'
import { secondsSince } from '../harness/stats.js'
import { createNullDestination, nullDestination } from './null-destination.js'
import { usersModel, usersSync } from './sync-config.js'
import { emptyPartTimes, type PartTimes, timedSource, timedState, timedTracking } from './timed-parts.js'

export type DestinationSpec =
  | { kind: 'null' }
  | { kind: 'braze'; url: string; apiKey: string; trackLimit: RateLimit }

export interface EngineRunInput {
  /** the DuckDB file holding the users model */
  modelDb: string
  /** the state store's folder: a new one for an initial sync, the same one for a rerun */
  stateDir: string
  /** the tracking lake's folder; null runs without tracking */
  lakeDir: string | null
  destination: DestinationSpec
  mode?: RunMode
}

export interface EngineRunOutput {
  seconds: number
  status: string
  error?: string
  counts: RunCounts
  /** `write()` calls the destination received (null destination only) */
  writes: number | null
  /** seconds spent in each phase the run reported: querying (read, map, stage), preparing (diff), in_progress (send, commit, track) */
  phases: Record<string, number>
  /** seconds inside each part the run called (see `timed-parts.ts`) */
  parts: PartTimes
}

const SYNC_NAME = 'bench_users'

/** One `runSync` of the users model, timed from the call to its return. */
export async function engineRun(input: EngineRunInput): Promise<EngineRunOutput> {
  const ctx = { signal: new AbortController().signal, log: silentLogger }
  const target = connectDestination(input.destination, ctx)
  const state = createStateStore({ path: input.stateDir })
  const source = connectDuckDB({ path: input.modelDb, readOnly: true })
  const tracking = input.lakeDir ? createTrackingLake({ path: input.lakeDir }) : undefined
  const parts = emptyPartTimes()
  try {
    const started = performance.now()
    const phases: Record<string, number> = {}
    let phase: { name: string; since: number } | undefined
    const enter = (name: string) => {
      const now = performance.now()
      if (phase) phases[phase.name] = (phases[phase.name] ?? 0) + (now - phase.since) / 1000
      phase = { name, since: now }
    }
    const { run } = await runSync({
      syncName: SYNC_NAME,
      sync: usersSync(target.name, target.object, target.identifierField),
      model: usersModel,
      source: timedSource(source, parts),
      sourceCapabilities: duckdb.capabilities,
      destination: target.destination,
      destinationCapabilities: target.capabilities,
      state: timedState(state, parts),
      ...(tracking ? { tracking: timedTracking(tracking, parts) } : {}),
      mode: input.mode ?? 'incremental',
      onProgress: (progress) => {
        if (progress.phase !== phase?.name) enter(progress.phase)
      },
    })
    enter('end')
    const seconds = secondsSince(started)
    return {
      seconds,
      status: run.status,
      ...(run.error ? { error: run.error.message } : {}),
      counts: run.counts,
      writes: target.writes(),
      phases,
      parts,
    }
  } finally {
    await target.destination.close?.()
    await tracking?.close()
    await source.close?.()
    await state.close()
  }
}

interface ConnectedTarget {
  name: string
  object: string
  identifierField: string
  destination: Destination
  capabilities: DestinationCapabilities
  writes(): number | null
}

function connectDestination(
  spec: DestinationSpec,
  ctx: { signal: AbortSignal; log: typeof silentLogger },
): ConnectedTarget {
  if (spec.kind === 'null') {
    const destination = createNullDestination()
    return {
      name: nullDestination.name,
      object: 'records',
      identifierField: 'id',
      destination,
      capabilities: nullDestination.capabilities,
      writes: () => destination.stats.requests,
    }
  }
  const destination = braze.connect(
    {
      apiKey: spec.apiKey,
      instanceUrl: spec.url,
      allowCustomEndpoint: true,
      rateLimit: { track: spec.trackLimit },
    },
    ctx,
  )
  return {
    name: braze.name,
    object: 'users',
    identifierField: 'external_id',
    destination,
    capabilities: brazeCapabilities,
    writes: () => null,
  }
}

/** `query 3.1 s, diff 0.8 s, send 4.2 s, finish 0.1 s`: where a run's time went, for the log. */
export function formatPhases(phases: Record<string, number>): string {
  const names: Record<string, string> = { querying: 'query', preparing: 'diff', in_progress: 'send' }
  return Object.entries(phases)
    .map(([phase, seconds]) => `${names[phase] ?? 'finish'} ${seconds.toFixed(2)} s`)
    .join(', ')
}
