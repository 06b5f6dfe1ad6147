import { createRequire } from 'node:module'
import type pg from 'pg'
import type Cursor from 'pg-cursor'

/**
 * pg and pg-cursor, required when a Postgres state store first needs them rather than when the package
 * is imported: the runner imports `@sluice/state-store` for the embedded store too, and commands that
 * only read its files (`sluice status`) should not load a database driver they never use.
 */
const require = createRequire(import.meta.url)

export function pgDriver(): typeof pg {
  return require('pg') as typeof pg
}

export function pgCursor(): typeof Cursor {
  return require('pg-cursor') as typeof Cursor
}
