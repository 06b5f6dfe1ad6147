import type { Static, TSchema } from 'typebox'
import type { ConnectorContext } from './destination.js'
import type { Row } from './records.js'

export interface SourceCapabilities {
  /** the source can hold Sluice's bookkeeping schema (state, logs) itself */
  bookkeeping: boolean
  /** the SQL dialect models are written in */
  dialect: 'duckdb' | 'postgres'
}

/** A column of a query's result. */
export interface ColumnInfo {
  name: string
  /** the warehouse's type name, e.g. `BIGINT`, `DECIMAL(18,2)`, `TIMESTAMP WITH TIME ZONE` */
  type: string
}

export interface QueryOptions {
  /** rows per chunk; the source may return fewer */
  chunkSize?: number
  signal?: AbortSignal
}

export interface Source {
  check(ctx: ConnectorContext): Promise<void>
  /** the columns a query returns, without reading its rows */
  describe(sql: string, ctx: ConnectorContext): Promise<ColumnInfo[]>
  /** streams a query's rows in chunks; never holds the whole result in memory */
  query(sql: string, options?: QueryOptions): AsyncIterable<Row[]>
  /** runs a statement that returns nothing (bookkeeping, warehouse sync logs) */
  execute?(sql: string, params?: unknown[]): Promise<void>
  close?(): Promise<void>
}

export interface SourceDefinition<S extends TSchema = TSchema> {
  name: string
  config: S
  capabilities: SourceCapabilities
  connect(config: Static<S>, ctx: ConnectorContext): Source
}

export interface SourceConnector<S extends TSchema = TSchema> extends SourceDefinition<S> {
  readonly kind: 'source'
}
