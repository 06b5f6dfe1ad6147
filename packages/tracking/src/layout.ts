import { SluiceError } from '@sluice/core/contract'

/**
 * Where things are in the lake, as Census lays out its observability lake:
 * `sync_tracking_datasets/<org>/<sync>/<run>/<batch_type>.<batch_number>.parquet`.
 * Purged runs leave a small note under `sync_tracking_purged/`, outside the datasets, so that globs
 * over the datasets never see it.
 */
export const DATASETS = 'sync_tracking_datasets'
export const PURGED = 'sync_tracking_purged'

/** Letters, digits, `_`, `-` and `.`, not starting with `.`: safe as one folder or file name anywhere. */
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/

export function segment(kind: string, value: string): string {
  if (typeof value !== 'string' || !SEGMENT.test(value)) {
    throw new SluiceError(
      'config',
      `${kind} ${JSON.stringify(value)} cannot name a folder in the tracking lake.`,
      {
        component: 'tracking',
        code: 'INVALID_LAKE_NAME',
        hint: 'Use letters, digits, _, - and . (not first).',
      },
    )
  }
  return value
}

export interface RunLocation {
  org: string
  sync: string
  runId: string
}

export function syncFolder(org: string, sync: string): string {
  return `${DATASETS}/${segment('org', org)}/${segment('sync', sync)}/`
}

export function runFolder(run: RunLocation): string {
  return `${syncFolder(run.org, run.sync)}${segment('run id', run.runId)}/`
}

export function batchFile(run: RunLocation, batchType: string, batchNumber: number): string {
  if (!Number.isSafeInteger(batchNumber) || batchNumber < 0) {
    throw new SluiceError(
      'internal',
      `batch number ${batchNumber} of run ${run.runId} is not a whole number.`,
      {
        component: 'tracking',
        code: 'INVALID_BATCH',
      },
    )
  }
  return `${runFolder(run)}${segment('batch type', batchType)}.${batchNumber}.parquet`
}

export function purgedNote(run: RunLocation): string {
  return `${PURGED}/${segment('org', run.org)}/${segment('sync', run.sync)}/${segment('run id', run.runId)}.json`
}

/** The run a dataset file belongs to, or undefined for anything that is not a batch file. */
export function runOfFile(path: string): RunLocation | undefined {
  const parts = path.split('/')
  if (parts.length !== 5 || parts[0] !== DATASETS || !parts[4]!.endsWith('.parquet')) return undefined
  return { org: parts[1]!, sync: parts[2]!, runId: parts[3]! }
}
