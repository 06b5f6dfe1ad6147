import { type DestinationCapabilities, defineDestination } from '@sluice/core'
import { createObjectStore, type ObjectStoreOptions } from './api.js'
import { resolveConfig, S3ConfigSchema } from './config.js'
import { RunWriter } from './write.js'

/**
 * What files can hold. Changes mode takes upsert and append (each run's added and changed rows, or
 * only its added rows); snapshot and diff modes take mirror. Update-only and create-only are not
 * offered: a file never looks at what earlier files hold, so it could not keep their promises.
 */
export const s3Capabilities: DestinationCapabilities = {
  behaviours: ['upsert', 'mirror', 'append'],
  deleteBehaviours: ['delete'],
  // One write is one or more files (split at maxFileBytes), acknowledged once they are stored.
  batchSize: 50_000,
  concurrency: 2,
}

/** Creates the S3 destination; `client` lets tests and proxies hand in an S3 client. */
export function createS3Destination(storeOptions: ObjectStoreOptions = {}) {
  return defineDestination({
    name: 's3',
    config: S3ConfigSchema,
    capabilities: s3Capabilities,
    connect(rawConfig) {
      const config = resolveConfig(rawConfig)
      const store = createObjectStore(config, storeOptions)
      const writer = new RunWriter(config, store)
      return {
        wantsEveryRow: config.mode === 'snapshot',
        check: (ctx) => store.check(ctx.signal),
        async discover() {
          return {
            objects: [
              {
                name: 'files',
                description: `${config.format} files under ${store.location}, in ${config.mode} mode`,
                behaviours: config.mode === 'changes' ? ['upsert', 'append'] : ['mirror'],
                // a file takes whatever the mappings write: any field name is a column
                createsFields: true,
                fields: [],
              },
            ],
          }
        },
        write: (batch, ctx) => writer.write(batch, ctx),
        async finishRun(ctx) {
          await writer.finishRun(ctx)
        },
        close: () => writer.close(),
      }
    },
  })
}

/** The S3 destination connector. */
export const s3 = createS3Destination()
