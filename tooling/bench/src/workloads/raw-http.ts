import { DuckDBInstance } from '@duckdb/node-api'
import { Pool } from 'undici'
import { USERS_TABLE } from '../data/users.js'
import { secondsSince } from '../harness/stats.js'

/** Braze takes at most 75 objects per /users/track request. */
export const OBJECTS_PER_REQUEST = 75

/**
 * The /users/track bodies a sync of the first `rows` users sends, built in DuckDB: 75 attribute objects
 * each, with the fields, order and value formats the Braze connector produces (external_id as text,
 * timestamps as ISO-8601 UTC, `_update_existing_only: false` for upsert).
 */
export async function trackBodies(modelDb: string, rows: number): Promise<string[]> {
  const instance = await DuckDBInstance.create(modelDb, { access_mode: 'READ_ONLY' })
  const connection = await instance.connect()
  try {
    await connection.run("SET TimeZone = 'UTC'")
    const reader = await connection.runAndReadAll(`
      SELECT '{"attributes":' || to_json(list({
          external_id: id::VARCHAR, email: email, first_name: first_name, plan: plan, score: score,
          updated_at: strftime(updated_at, '%Y-%m-%dT%H:%M:%S.%gZ'), _update_existing_only: false
        } ORDER BY id))::VARCHAR || '}' AS body
      FROM ${USERS_TABLE}
      WHERE id <= ${rows}
      GROUP BY (id - 1) // ${OBJECTS_PER_REQUEST}
      ORDER BY min(id)`)
    return reader.getRows().map(([body]) => String(body))
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

export interface RawHttpInput {
  url: string
  apiKey: string
  bodies: string[]
  concurrency: number
}

export interface RawHttpOutput {
  seconds: number
  requests: number
  /** responses other than 2xx; the figure is void if there are any */
  failed: number
}

/**
 * The floor for sending: a bare undici loop that posts pre-built bodies with `concurrency` requests in
 * flight over keep-alive connections, and reads every answer (as a client must, to learn which records
 * Braze refused). No rate limiter, no retries, no mapping, no state.
 */
export async function rawHttp(input: RawHttpInput): Promise<RawHttpOutput> {
  const pool = new Pool(input.url, { connections: input.concurrency, pipelining: 1 })
  const headers = { authorization: `Bearer ${input.apiKey}`, 'content-type': 'application/json' }
  let next = 0
  let failed = 0
  try {
    const started = performance.now()
    const worker = async () => {
      while (next < input.bodies.length) {
        const body = input.bodies[next++]!
        const response = await pool.request({ method: 'POST', path: '/users/track', headers, body })
        await response.body.json()
        if (response.statusCode < 200 || response.statusCode >= 300) failed += 1
      }
    }
    await Promise.all(Array.from({ length: input.concurrency }, worker))
    return { seconds: secondsSince(started), requests: input.bodies.length, failed }
  } finally {
    await pool.close()
  }
}

export interface RawHttpRunInput {
  modelDb: string
  rows: number
  url: string
  apiKey: string
  concurrency: number
}

/** Builds the bodies (not timed), then times the bare loop over them. */
export async function rawHttpRun(input: RawHttpRunInput): Promise<RawHttpOutput> {
  const bodies = await trackBodies(input.modelDb, input.rows)
  return rawHttp({ url: input.url, apiKey: input.apiKey, bodies, concurrency: input.concurrency })
}
