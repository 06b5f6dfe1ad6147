import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { resolveModelSql } from '@sluice/core'
import { type Source, silentLogger } from '@sluice/core/contract'
import duckdb, { connectDuckDB } from '@sluice/source-duckdb'
import { createStateStore } from '@sluice/state-store'
import { secondsSince } from '../harness/stats.js'
import { nullDestination } from './null-destination.js'
import { usersModel, usersSync } from './sync-config.js'

export interface BareScanInput {
  /** the DuckDB file holding the users model */
  modelDb: string
}

export interface BareScanOutput {
  /** the scan alone: every row's identifier and payload built, and the payload hashed */
  seconds: number
  rows: number
}

/**
 * The engine figure's baseline: DuckDB alone scanning the users model, serialising every row as the
 * engine's staging does and hashing it (`md5`, the state store's row hash), consumed to the last row.
 * The SQL is the state store's own: it is taken from the statement the store hands a DuckDB source
 * to stage the model (`stageFromSource`), so the baseline serialises exactly what a sync does.
 */
export async function bareScanRun(input: BareScanInput): Promise<BareScanOutput> {
  const select = await stagingSelect(input.modelDb)
  const instance = await DuckDBInstance.create(input.modelDb, { access_mode: 'READ_ONLY' })
  const connection = await instance.connect()
  try {
    const started = performance.now()
    // max() over every hash: nothing is left for the optimiser to skip, and one row comes back.
    const reader = await connection.runAndReadAll(
      `SELECT count(*)::BIGINT AS n, max(md5(payload)) AS h, max(identifier) AS i FROM (${select})`,
    )
    const seconds = secondsSince(started)
    return { seconds, rows: Number(reader.getRows()[0]?.[0]) }
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

/**
 * The SELECT (identifier and payload of every row of the model) the state store would run in the
 * source to stage the users sync, captured from the COPY it asks the source to execute.
 */
export async function stagingSelect(modelDb: string): Promise<string> {
  const source = connectDuckDB({ path: modelDb, readOnly: true })
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-bench-scan-'))
  const store = createStateStore({ path: stateDir })
  let statement: string | undefined
  const capturing: Source = {
    ...source,
    execute: async (sql) => {
      statement = sql
      throw new Error('captured, not run')
    },
  }
  try {
    const sql = resolveModelSql(usersModel, { dialect: duckdb.capabilities.dialect })
    const columns = await source.describe(sql, { signal: new AbortController().signal, log: silentLogger })
    const session = await store.openDiff('bench_scan')
    try {
      await session.stageFromSource?.({
        source: capturing,
        dialect: duckdb.capabilities.dialect,
        sql,
        columns,
        sync: usersSync(nullDestination.name, 'records', 'id'),
      })
    } finally {
      await session.close()
    }
  } finally {
    await source.close?.()
    await store.close()
    await rm(stateDir, { recursive: true, force: true })
  }
  const match = statement === undefined ? null : /^\s*COPY\s*\(([\s\S]*)\)\s*TO\s+'/.exec(statement)
  if (!match) {
    throw new Error(
      `the state store did not stage the users model in SQL${statement ? `: ${statement.slice(0, 200)}` : ''}`,
    )
  }
  return match[1]!
}
