import { spawn } from 'node:child_process'
import type { WarehouseLogTarget } from '../src/index.js'

/** The PostgreSQL server the project's machines and CI run; DATABASE_URL points elsewhere. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Runs SQL (given on stdin, so statements may be large) with psql and returns what it printed. */
function runPsql(sql: string, flags: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', [DATABASE_URL, '-X', '-q', '-v', 'ON_ERROR_STOP=1', ...flags])
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text))
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`psql: ${stderr.trim()}`))))
    child.stdin.end(sql)
  })
}

/** Runs a query with psql and returns its rows, each selected as one JSON object. */
export async function psql(sql: string): Promise<Record<string, unknown>[]> {
  const stdout = await runPsql(`${sql};`, ['-A', '-t'])
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  return `'${String(value).replaceAll("'", "''")}'`
}

/**
 * A Postgres warehouse behind the sources' `execute(sql, params)`: a statement with parameters is
 * prepared and executed, so Postgres infers each `$n`'s type from its context as it does for a
 * driver's untyped text parameters.
 */
export function postgresTarget(): WarehouseLogTarget {
  return {
    dialect: 'postgres',
    async execute(sql, params = []) {
      await runPsql(
        params.length === 0
          ? `${sql};`
          : `PREPARE logs_statement AS ${sql};\nEXECUTE logs_statement(${params.map(literal).join(', ')});`,
      )
    },
  }
}
