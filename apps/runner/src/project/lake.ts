import { SluiceError } from '@sluice/core'
import { createTrackingLake, type TrackingLake, type TrackingLakeOptions } from '@sluice/tracking'
import type { Project } from './project.js'

export type { TrackedRow, TrackingLake } from '@sluice/tracking'

/** Opens the project's tracking lake, optionally writing warehouse sync logs after each run. */
export function openLake(
  project: Project,
  warehouseLogs?: TrackingLakeOptions['warehouseLogs'],
): TrackingLake {
  const { lake, org, retentionDays } = project.resolved.settings
  if (!('path' in lake)) {
    throw new SluiceError(
      'config',
      'an S3 tracking lake needs the S3 connector, which this runner does not have.',
      {
        code: 'UNSUPPORTED_LAKE',
        hint: 'Use settings.lake.path for a local folder.',
      },
    )
  }
  return createTrackingLake({
    path: lake.path,
    org,
    retentionDays,
    ...(warehouseLogs ? { warehouseLogs } : {}),
  })
}

/** The lake's folder, for people to query it themselves; undefined for a lake that is not a folder. */
export function lakeFolder(project: Project): string | undefined {
  const { lake } = project.resolved.settings
  return 'path' in lake ? lake.path : undefined
}
