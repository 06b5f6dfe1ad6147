import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type RunCounts, type RunMode, runSync, type SyncConfig } from '@sluice/core'
import {
  type Destination,
  type DestinationCapabilities,
  type RateLimit,
  silentLogger,
} from '@sluice/core/contract'
import { braze, brazeCapabilities } from '@sluice/destination-braze'
import { s3 } from '@sluice/destination-s3'
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
  /** files in a local folder (a `file:` URL), through the same code as a bucket above the storage layer */
  | { kind: 's3'; url: string; format: 'parquet'; mode: 'snapshot' | 'diff' }

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
  /** `write()` calls the destination received (null and S3 destinations) */
  writes: number | null
  /** S3 destination: wall-clock seconds with at least one `write()` or `finishRun()` in flight */
  destinationSeconds?: number
  /** S3 destination: the files the run's manifest lists, and the rows they hold */
  files?: number
  fileRows?: number
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
      sync: { ...usersSync(target.name, target.object, target.identifierField), ...target.sync },
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
      ...(await target.files?.(run.id)),
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
  /** what the sync's behaviour must be, where the destination needs another than the users sync's */
  sync?: Partial<SyncConfig>
  /** what the destination itself measured, for a destination that writes files */
  files?(runId: string): Promise<Pick<EngineRunOutput, 'destinationSeconds' | 'files' | 'fileRows'>>
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
  if (spec.kind === 's3') return connectFiles(spec, ctx)
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

/**
 * The S3 destination writing to a local folder, wrapped to time it: the wall-clock time during which at
 * least one of its calls is in flight (two writes run at a time, so their own times would overlap), and
 * the manifest its run finishes with.
 */
function connectFiles(
  spec: Extract<DestinationSpec, { kind: 's3' }>,
  ctx: { signal: AbortSignal; log: typeof silentLogger },
): ConnectedTarget {
  const inner = s3.connect({ url: spec.url, format: spec.format, mode: spec.mode }, ctx)
  let inFlight = 0
  let busySince = 0
  let busyMs = 0
  let writes = 0
  const busy = async <T>(work: () => Promise<T>): Promise<T> => {
    if (inFlight++ === 0) busySince = performance.now()
    try {
      return await work()
    } finally {
      if (--inFlight === 0) busyMs += performance.now() - busySince
    }
  }
  const destination: Destination = {
    ...inner,
    write: (batch, c) => {
      writes++
      return busy(() => inner.write(batch, c))
    },
    finishRun: (c) => busy(() => inner.finishRun?.(c) ?? Promise.resolve()),
  }
  return {
    name: s3.name,
    object: 'users',
    identifierField: 'id',
    // snapshot and diff modes write mirror syncs
    sync: { behaviour: 'mirror', deleteBehaviour: 'delete' },
    destination,
    capabilities: s3.capabilities,
    writes: () => writes,
    files: async (runId) => {
      const { files, rows } = await manifestOf(spec.url, runId)
      return { destinationSeconds: busyMs / 1000, files, fileRows: rows }
    },
  }
}

/** The files and rows the manifest of run `runId` lists, found under the destination's folder. */
export async function manifestOf(url: string, runId: string): Promise<{ files: number; rows: number }> {
  const root = fileURLToPath(url)
  for (const entry of await readdir(root, { recursive: true })) {
    if (!entry.endsWith('manifest.json') || !entry.includes(runId)) continue
    const manifest = JSON.parse(await readFile(join(root, entry), 'utf8')) as {
      files: unknown[]
      rows: number
    }
    return { files: manifest.files.length, rows: manifest.rows }
  }
  return { files: 0, rows: 0 }
}

/** `query 3.1 s, diff 0.8 s, send 4.2 s, finish 0.1 s`: where a run's time went, for the log. */
export function formatPhases(phases: Record<string, number>): string {
  const names: Record<string, string> = { querying: 'query', preparing: 'diff', in_progress: 'send' }
  return Object.entries(phases)
    .map(([phase, seconds]) => `${names[phase] ?? 'finish'} ${seconds.toFixed(2)} s`)
    .join(', ')
}
