import { randomBytes } from 'node:crypto'
import pg from 'pg'

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/**
 * A schema of its own for one test file, and a read-only login role that may only read it: what a
 * careful team gives Sluice. Dropped (both) by `drop()`.
 */
export async function scratchSchema(prefix: string) {
  const suffix = `${process.pid}_${randomBytes(4).toString('hex')}`
  const schema = `${prefix}_${suffix}`
  const role = `${prefix}_ro_${suffix}`
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  await admin.query(`CREATE SCHEMA "${schema}"`)
  await admin.query(`CREATE ROLE "${role}" LOGIN`)
  await admin.query(`GRANT USAGE ON SCHEMA "${schema}" TO "${role}"`)
  await admin.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA "${schema}" GRANT SELECT ON TABLES TO "${role}"`)
  const url = new URL(DATABASE_URL)
  url.username = role
  url.password = ''
  return {
    schema,
    role,
    /** a connection URL for the read-only role */
    readOnlyUrl: url.toString(),
    sql: (text: string, params: unknown[] = []) => admin.query(text, params),
    async drop() {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await admin.query(`DROP OWNED BY "${role}"`)
      await admin.query(`DROP ROLE IF EXISTS "${role}"`)
      await admin.end()
    },
  }
}
