import type pg from 'pg'

export interface DiscoveredColumn {
  name: string
  /** Postgres's type name, e.g. `bigint`, `numeric(12,2)`, `timestamp with time zone`, `text[]` */
  type: string
  nullable: boolean
}

export interface DiscoveredRelation {
  schema: string
  name: string
  kind: 'table' | 'view' | 'materialized view' | 'foreign table' | 'partitioned table'
  columns: DiscoveredColumn[]
}

const KINDS: Record<string, DiscoveredRelation['kind']> = {
  r: 'table',
  p: 'partitioned table',
  v: 'view',
  m: 'materialized view',
  f: 'foreign table',
}

/**
 * The relations this role can read (SELECT privilege), outside the system schemas, with their columns
 * in order: what a model can name as `table` or `view`.
 */
export async function discoverRelations(client: pg.PoolClient): Promise<DiscoveredRelation[]> {
  const result = await client.query<{
    schema: string
    name: string
    kind: string
    column: string
    type: string
    not_null: boolean
  }>(`
    SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind, a.attname AS column,
           format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
      AND NOT c.relispartition
      AND has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT')
    ORDER BY n.nspname, c.relname, a.attnum`)
  const out: DiscoveredRelation[] = []
  for (const row of result.rows) {
    let last = out[out.length - 1]
    if (!last || last.schema !== row.schema || last.name !== row.name) {
      last = { schema: row.schema, name: row.name, kind: KINDS[row.kind] ?? 'table', columns: [] }
      out.push(last)
    }
    last.columns.push({ name: row.column, type: row.type, nullable: !row.not_null })
  }
  return out
}
