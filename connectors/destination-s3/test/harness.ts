import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { S3Client } from '@aws-sdk/client-s3'
import {
  type Behaviour,
  type ModelConfig,
  type RunRecord,
  runSync,
  type SyncConfig,
  silentLogger,
} from '@sluice/core'
import duckdbSource, { connectDuckDB } from '@sluice/source-duckdb'
import { createStateStore } from '@sluice/state-store'
import { createObjectStore, createS3Destination, resolveConfig, s3 } from '../src/index.js'
import { S3RVER_CREDENTIALS } from './s3rver.js'

/** An S3 client for s3rver with the given credentials (its own by default). */
export function testClient(endpoint: string, credentials = S3RVER_CREDENTIALS) {
  return new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
}

/** A DuckDB warehouse, a state store and runs of one sync to the S3 destination through the engine. */
export function harness(table = 'people') {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-s3-test-'))
  const source = connectDuckDB({ path: ':memory:' })
  const state = createStateStore({ path: join(dir, 'state'), memoryLimit: '256MB' })
  return {
    dir,
    source,
    state,
    async sql(statement: string) {
      await source.execute?.(statement)
    },
    async run(
      syncName: string,
      config: Record<string, unknown>,
      options: { behaviour?: Behaviour; client?: S3Client; mappings?: string[]; batchSize?: number } = {},
    ): Promise<RunRecord> {
      const connector = options.client ? createS3Destination({ client: options.client }) : s3
      const destination = connector.connect(config as never, {
        signal: new AbortController().signal,
        log: silentLogger,
      })
      const sync = {
        model: table,
        destination: 's3',
        object: 'people',
        behaviour: options.behaviour ?? 'upsert',
        ...(options.behaviour === 'mirror' ? { deleteBehaviour: 'delete' } : {}),
        identifier: { column: 'id', field: 'id' },
        mappings: (options.mappings ?? ['name', 'amount', 'big']).map((c) => ({ from: c, to: c })),
        ...(options.batchSize ? { batching: { size: options.batchSize } } : {}),
      } as SyncConfig
      try {
        const { run } = await runSync({
          syncName,
          sync,
          model: { source: 'warehouse', table } as ModelConfig,
          source,
          sourceCapabilities: duckdbSource.capabilities,
          destination,
          destinationCapabilities: connector.capabilities,
          state,
        })
        return run
      } finally {
        await destination.close?.()
      }
    },
    /** the store the destination writes to, to read back what it wrote */
    store(config: Record<string, unknown>, client?: S3Client) {
      return createObjectStore(resolveConfig(config), client ? { client } : {})
    },
    async close() {
      await state.close()
      await source.close?.()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
