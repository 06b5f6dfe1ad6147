/**
 * What `sluice init` writes: a project that validates and checks out of the box against a small local
 * warehouse, and runs against Braze once the two variables in `.env.example` are set.
 */

export const SEED_SQL = `-- A small sample warehouse. sluice init ran this once into warehouse.duckdb;
-- replace it with your own tables, or point the source at your warehouse.
CREATE OR REPLACE TABLE customers AS
SELECT
  'cus_' || lpad(id::VARCHAR, 4, '0') AS customer_id,
  'customer' || id::VARCHAR || '@example.com' AS email,
  ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara'][id % 5 + 1] AS first_name,
  ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov'][id % 5 + 1] AS last_name,
  ['free', 'starter', 'pro'][id % 3 + 1] AS plan,
  (id * 12.5)::DECIMAL(12, 2) AS lifetime_value,
  TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_days(id::INTEGER) AS signed_up_at
FROM range(1, 101) AS t(id);
`

export const MODEL_SQL = `-- The rows to sync: one per customer. Sluice diffs them against what Braze last acknowledged.
SELECT customer_id, email, first_name, last_name, plan, lifetime_value, signed_up_at
FROM customers
`

export const CONFIG_TS = `import { readFileSync } from 'node:fs'
import { defineConfig } from '@sluice/core'

const sql = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8')

export default defineConfig({
  sources: {
    warehouse: { type: 'duckdb', config: { path: 'warehouse.duckdb' } },
  },
  destinations: {
    braze: {
      type: 'braze',
      config: { apiKey: '\${env:BRAZE_API_KEY}', instanceUrl: '\${env:BRAZE_INSTANCE_URL}' },
    },
  },
  models: {
    customers: { source: 'warehouse', sql: sql('./models/customers.sql') },
  },
  syncs: {
    customers_to_braze: {
      model: 'customers',
      destination: 'braze',
      object: 'users',
      behaviour: 'upsert',
      identifier: { column: 'customer_id', field: 'external_id' },
      mappings: [
        { from: 'email', to: 'email' },
        { from: 'first_name', to: 'first_name' },
        { from: 'last_name', to: 'last_name' },
        { from: 'plan', to: 'plan' },
        { from: 'lifetime_value', to: 'lifetime_value' },
      ],
      schedule: { type: 'interval', every: '1h' },
    },
  },
})
`

export const ENV_EXAMPLE = `# Copy to .env (never commit it) or export these before "sluice run".
# A Braze REST API key with users.track, users.delete and custom_attributes.get:
BRAZE_API_KEY=
# Your instance's REST endpoint, e.g. https://rest.iad-01.braze.com or https://rest.fra-01.braze.eu:
BRAZE_INSTANCE_URL=
`

export const GITIGNORE = `node_modules/
.env
# Sluice's state and the sync tracking lake
.sluice/
`

/** The packages a new project depends on: the runner, the config's types, and its two connectors. */
export const PROJECT_PACKAGES = [
  '@sluice/runner',
  '@sluice/core',
  '@sluice/source-duckdb',
  '@sluice/destination-braze',
] as const

/**
 * A package the project's dependencies depend on and the user never installs by name: an override for
 * it cannot clash with a dependency the user adds later (npm refuses an override that differs from a
 * direct dependency's range).
 */
function isLibrary(pkg: string): boolean {
  if ((PROJECT_PACKAGES as readonly string[]).includes(pkg)) return false
  return !/^@sluice\/(source-|destination-|conformance$|demo$)/.test(pkg)
}

/**
 * The project's package.json. With `packed` (package name → tarball), every dependency comes from a
 * tarball packed from a checkout, and `overrides` make what those packages depend on come from the
 * tarballs too: nothing is looked up on a registry that does not have it yet.
 */
export function packageJson(name: string, version: string, packed?: ReadonlyMap<string, string>): string {
  const spec = (pkg: string) => {
    const tarball = packed?.get(pkg)
    return tarball ? `file:${tarball}` : `^${version}`
  }
  const overrides = packed
    ? Object.fromEntries(
        [...packed].filter(([pkg]) => isLibrary(pkg)).map(([pkg, tarball]) => [pkg, `file:${tarball}`]),
      )
    : undefined
  return `${JSON.stringify(
    {
      name,
      private: true,
      type: 'module',
      scripts: { sync: 'sluice run customers_to_braze', status: 'sluice status' },
      dependencies: Object.fromEntries(PROJECT_PACKAGES.map((pkg) => [pkg, spec(pkg)])),
      ...(overrides ? { overrides } : {}),
    },
    null,
    2,
  )}\n`
}
