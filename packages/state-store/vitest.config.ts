import { sluiceProject } from '@sluice/vitest-config'
import { defineConfig } from 'vitest/config'

/**
 * The same engine, behaviour, ledger and crash tests run against both backends: the embedded one
 * (DuckDB and files) and Postgres (a bookkeeping schema in the machine's PostgreSQL). Each backend
 * also has tests of what only it has (lock files, models staged inside DuckDB; migrations and advisory
 * locks).
 */
export default defineConfig({
  test: {
    projects: [
      sluiceProject('@sluice/state-store', {
        test: { env: { SLUICE_STATE_BACKEND: 'duckdb' }, exclude: ['test/postgres*.test.ts'] },
      }),
      sluiceProject('@sluice/state-store [postgres]', {
        test: {
          env: { SLUICE_STATE_BACKEND: 'postgres' },
          exclude: ['test/ledger-files.test.ts', 'test/doctor.test.ts', 'test/duckdb-*.test.ts'],
        },
      }),
    ],
  },
})
