import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import type { TrackedRecord, TrackingBatch } from '@sluice/core'
import type { Operation } from '@sluice/core/contract'
import { afterEach } from 'vitest'
import { createTrackingLake, type TrackingLake, type TrackingLakeOptions } from '../src/index.js'

const cleanups: (() => Promise<void>)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-tracking-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** A lake in a fresh temp folder, closed and removed after the test. */
export async function tempLake(
  options: Partial<TrackingLakeOptions> = {},
): Promise<TrackingLake & { path: string }> {
  const path = join(await tempDir(), 'lake')
  const lake = createTrackingLake({ path, org: 'acme', ...options })
  cleanups.push(() => lake.close())
  return Object.assign(lake, { path })
}

/** A plain DuckDB connection to query the lake's files as a user would. */
export async function duckdb(path = ':memory:') {
  const instance = await DuckDBInstance.create(path)
  const connection = await instance.connect()
  cleanups.push(async () => {
    connection.closeSync()
    instance.closeSync()
  })
  return connection
}

export function succeededRecord(identifier: string, fields: Record<string, unknown> = {}): TrackedRecord {
  return {
    identifier,
    payload: JSON.stringify({ email: identifier, ...fields }),
    operation: 'upsert',
    status: 'succeeded',
    message: null,
    hash: `h-${identifier}`,
  }
}

export function rejectedRecord(
  identifier: string,
  message: string,
  operation: Operation = 'upsert',
): TrackedRecord {
  return {
    identifier,
    payload: JSON.stringify({ email: identifier }),
    operation,
    status: 'rejected',
    message,
    hash: `h-${identifier}`,
  }
}

export function invalidRecord(
  identifier: string | null,
  status: 'NULL' | 'DUPLICATE' | 'invalid',
  message: string,
): TrackedRecord {
  return {
    identifier,
    payload: JSON.stringify({ email: identifier }),
    operation: null,
    status,
    message,
    hash: null,
  }
}

let clock = Date.parse('2026-11-01T10:00:00.000Z')

/** A batch whose times follow the previous batch's, so the send order is the write order. */
export function batch(
  runId: string,
  batchNumber: number,
  records: TrackedRecord[],
  overrides: Partial<TrackingBatch> = {},
): TrackingBatch {
  clock += 1000
  const startedAt = new Date(clock)
  clock += 250
  const endedAt = new Date(clock)
  return {
    org: 'acme',
    sync: 'users-to-braze',
    runId,
    batchType: records[0]?.operation ?? 'invalid',
    batchNumber,
    startedAt,
    endedAt,
    records,
    ...overrides,
  }
}
