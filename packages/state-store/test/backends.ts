import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import pg from 'pg'
import { createPostgresStateStore, createStateStore, type InspectableStateStore } from '../src/index.js'

/**
 * The state-store backend the engine and behaviour tests run against: the vitest config runs the
 * same files once per backend (SLUICE_STATE_BACKEND), so both keep the same promises.
 */
export const backend: 'duckdb' | 'postgres' =
  process.env.SLUICE_STATE_BACKEND === 'postgres' ? 'postgres' : 'duckdb'

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export interface StateLocation {
  /** opens a store on this state (several may be open at once, as several processes would) */
  open(options?: { memoryLimit?: string }): InspectableStateStore
  /** the environment a child process needs to open the same state (see fixtures/open-state.ts) */
  env: Record<string, string>
  /** the Postgres schema, for the Postgres backend */
  schema?: string
  /** drops the Postgres schema; the DuckDB state goes with its folder */
  drop(): Promise<void>
}

/** A fresh state for one test: a folder under `dir`, or a uniquely named bookkeeping schema. */
export function stateLocation(dir: string): StateLocation {
  if (backend === 'duckdb') {
    const path = join(dir, 'state')
    return {
      open: (options = {}) => createStateStore({ path, memoryLimit: options.memoryLimit ?? '256MB' }),
      env: { SLUICE_STATE_BACKEND: 'duckdb', STATE_DIR: path },
      drop: async () => {},
    }
  }
  const schema = `sluice_test_${process.pid}_${randomBytes(4).toString('hex')}`
  return {
    open: () => createPostgresStateStore({ url: DATABASE_URL, schema }),
    env: { SLUICE_STATE_BACKEND: 'postgres', DATABASE_URL, STATE_SCHEMA: schema },
    schema,
    drop: async () => {
      const client = new pg.Client({ connectionString: DATABASE_URL })
      await client.connect()
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      } finally {
        await client.end()
      }
    },
  }
}
