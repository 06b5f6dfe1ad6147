import { createTrackingLake, s3Storage, type TrackingLake, type TrackingLakeOptions } from '@sluice/tracking'
import type { Project } from './project.js'

export type { TrackedRow, TrackingLake } from '@sluice/tracking'

/**
 * Opens the project's tracking lake (a local folder, or an S3 bucket with credentials from the AWS
 * environment), optionally writing warehouse sync logs after each run.
 */
export function openLake(
  project: Project,
  warehouseLogs?: TrackingLakeOptions['warehouseLogs'],
): TrackingLake {
  const { lake, org, retentionDays } = project.resolved.settings
  const where: Pick<TrackingLakeOptions, 'path' | 'storage'> =
    'path' in lake
      ? { path: lake.path }
      : {
          storage: s3Storage({
            bucket: lake.s3.bucket,
            ...(lake.s3.prefix !== undefined ? { prefix: lake.s3.prefix } : {}),
            ...(lake.s3.region !== undefined ? { region: lake.s3.region } : {}),
            ...(lake.s3.endpoint !== undefined ? { endpoint: lake.s3.endpoint } : {}),
          }),
        }
  return createTrackingLake({
    ...where,
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
