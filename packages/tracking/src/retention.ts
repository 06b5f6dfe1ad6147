import { DEFAULTS } from '@sluice/core'
import { DATASETS, PURGED, purgedNote, type RunLocation, runFolder, runOfFile } from './layout.js'
import type { PurgedRun } from './purged-run.js'
import type { LakeEntry, LakeStorage } from './storage.js'

/** core's default (`DEFAULTS.retentionDays`), re-exported under the name this package has always used */
export const DEFAULT_RETENTION_DAYS = DEFAULTS.retentionDays
const DAY_MS = 86_400_000
/** How long the note a purge leaves is kept: long enough to explain any run a user still asks about. */
const NOTE_DAYS = 365

export interface PurgeOptions {
  /** runs whose last file is older than this are removed; the lake's retention by default */
  olderThanDays?: number
  /** the present, for tests and for replaying a purge; `new Date()` by default */
  now?: Date
}

export interface PurgeResult {
  olderThanDays: number
  /** runs whose last file was written before this were removed (ISO-8601) */
  cutoff: string
  removed: PurgedRun[]
}

/** A run as the lake holds it: its files, or the note its purge left. */
export interface RunInLake extends RunLocation {
  files: LakeEntry[]
  lastWriteAt: Date
}

/** Groups the lake's batch files by run. */
export function runsIn(entries: readonly LakeEntry[]): RunInLake[] {
  const runs = new Map<string, RunInLake>()
  for (const entry of entries) {
    const run = runOfFile(entry.path)
    if (!run) continue
    const key = `${run.org}/${run.sync}/${run.runId}`
    const known = runs.get(key)
    if (!known) runs.set(key, { ...run, files: [entry], lastWriteAt: entry.modifiedAt })
    else {
      known.files.push(entry)
      if (entry.modifiedAt > known.lastWriteAt) known.lastWriteAt = entry.modifiedAt
    }
  }
  return [...runs.values()]
}

/**
 * Removes every run whose newest file is older than the retention. A run still in progress keeps
 * writing files, so it is never old enough. Each removal leaves a note first, so that a reader who
 * finds no files learns the run was purged rather than empty; notes go after a year.
 */
export async function purge(
  storage: LakeStorage,
  retentionDays: number,
  options: PurgeOptions = {},
): Promise<PurgeResult> {
  const olderThanDays = options.olderThanDays ?? retentionDays
  if (!(olderThanDays >= 0))
    throw new RangeError(`olderThanDays must be a number of days ≥ 0, not ${olderThanDays}`)
  const now = options.now ?? new Date()
  const cutoff = new Date(now.getTime() - olderThanDays * DAY_MS)
  const removed: PurgedRun[] = []
  for (const run of runsIn(await storage.list(`${DATASETS}/`))) {
    if (run.lastWriteAt >= cutoff) continue
    const purged: PurgedRun = {
      org: run.org,
      sync: run.sync,
      runId: run.runId,
      purgedAt: now.toISOString(),
      retentionDays: olderThanDays,
      lastWriteAt: run.lastWriteAt.toISOString(),
      files: run.files.length,
      bytes: run.files.reduce((sum, file) => sum + file.size, 0),
    }
    await storage.writeText(purgedNote(run), `${JSON.stringify(purged, null, 2)}\n`)
    await storage.remove(runFolder(run))
    removed.push(purged)
  }
  const notesCutoff = new Date(now.getTime() - NOTE_DAYS * DAY_MS)
  for (const note of await storage.list(`${PURGED}/`)) {
    if (note.modifiedAt < notesCutoff) await storage.remove(note.path)
  }
  return { olderThanDays, cutoff: cutoff.toISOString(), removed }
}

export async function readPurgedNote(storage: LakeStorage, run: RunLocation): Promise<PurgedRun | undefined> {
  const text = await storage.readText(purgedNote(run))
  return text === undefined ? undefined : (JSON.parse(text) as PurgedRun)
}
