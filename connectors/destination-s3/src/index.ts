/**
 * `@sluice/destination-s3`: files in Amazon S3, an S3-compatible store or a local folder.
 */
export { createObjectStore, type ObjectStore, type ObjectStoreOptions, s3Client } from './api.js'
export {
  FORMATS,
  type Format,
  KEY_PLACEHOLDERS,
  MODES,
  type Mode,
  type ResolvedS3Config,
  resolveConfig,
  type S3Config,
  S3ConfigSchema,
} from './config.js'
export { createS3Destination, s3, s3 as default, s3Capabilities } from './connector.js'
export type { Manifest, ManifestFile } from './write.js'
