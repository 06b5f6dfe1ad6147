import { DuckDBInstance } from '@duckdb/node-api'

/**
 * The benchmark model: `users`, generated inside DuckDB with `range()` so ten million rows cost a few
 * seconds and no JS memory. Columns look like a customer table a reverse-ETL sync reads: an integer id
 * (the identifier), an email, a name, a plan, a score and a timestamp.
 */
export const USERS_TABLE = 'users'

export const USER_COLUMNS = ['id', 'email', 'first_name', 'plan', 'score', 'updated_at'] as const

/** The SQL that creates (or replaces) the model with `rows` rows, ids 1..rows. */
export function createUsersSql(rows: number, table = USERS_TABLE): string {
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`rows must be a positive integer, got ${rows}`)
  return `CREATE OR REPLACE TABLE ${table} AS
SELECT
  i AS id,
  'user' || i || '@example.com' AS email,
  'First' || (i % 9973) AS first_name,
  (['free', 'starter', 'pro', 'enterprise'])[1 + (i % 4)::INTEGER] AS plan,
  (hash(i) % 100000)::INTEGER AS score,
  TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i % 31536000) AS updated_at
FROM range(1, ${rows + 1}) AS t(i)`
}

/**
 * Changes `percent`% of the rows: every row whose id falls in the given slice of 100 gets a new score and
 * timestamp, so its hash changes. A different `round` changes a different 1%.
 */
export function changeUsersSql(percent: number, round: number, table = USERS_TABLE): string {
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
    throw new Error(`percent must be a whole number from 0 to 100, got ${percent}`)
  }
  const first = (round * percent) % 100
  return `UPDATE ${table}
SET score = score + 1, updated_at = updated_at + INTERVAL 1 DAY
WHERE (id + 100 - ${first}) % 100 < ${percent}`
}

/** Creates a DuckDB file holding the model, and closes it so another process may open it. */
export async function generateUsers(file: string, rows: number): Promise<void> {
  await withDatabase(file, async (sql) => {
    await sql(createUsersSql(rows))
  })
}

/** Runs statements against a DuckDB file, then closes it. */
export async function withDatabase<T>(
  file: string,
  work: (sql: (statement: string) => Promise<void>) => Promise<T>,
): Promise<T> {
  const instance = await DuckDBInstance.create(file)
  const connection = await instance.connect()
  try {
    return await work(async (statement) => {
      await connection.run(statement)
    })
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}
