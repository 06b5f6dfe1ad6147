import {
  type Catalog,
  type CatalogField,
  type ConnectorContext,
  type Destination,
  type DestinationCapabilities,
  defineDestination,
} from '@sluice/core'
import { quoteSheet } from './a1.js'
import { createSheetsApi, type SheetsApi, type SheetsApiOptions } from './api.js'
import { type ResolvedSheetsConfig, resolveConfig, SheetsConfig } from './config.js'
import { SheetWriter } from './write.js'

/**
 * What Google Sheets allows, from its documentation. One request at a time per spreadsheet: the
 * per-user quota (60 writes a minute) is the limit, not latency, and a row index is only right while
 * one writer moves rows.
 */
export const CAPABILITIES = {
  behaviours: ['upsert', 'update', 'create', 'mirror', 'append', 'delete'],
  deleteBehaviours: ['nothing', 'clear', 'delete'],
  // Large on purpose: a batch is cut into requests of at most 2 MB, and fewer, fuller requests
  // spend less of the 60-a-minute quota.
  batchSize: 20_000,
  concurrency: 1,
  rateLimit: { requests: 60, perMs: 60_000 },
  syncAllProperties: true,
} as const satisfies DestinationCapabilities

/** Options for tests and embedding, beyond the user's settings. */
export interface SheetsConnectOptions extends SheetsApiOptions {
  /** an API to use instead of creating one */
  api?: SheetsApi
}

/** Connects with extra options; `sheets.connect` is this without them. */
export function connectSheets(
  rawConfig: SheetsConfig,
  ctx: Pick<ConnectorContext, 'log'>,
  options: SheetsConnectOptions = {},
): Destination & { readonly api: SheetsApi } {
  const config: ResolvedSheetsConfig = resolveConfig(rawConfig)
  let api = options.api
  const client = () => (api ??= createSheetsApi(config, { log: ctx.log, ...options }))
  let writer: SheetWriter | undefined
  const sheetWriter = () =>
    (writer ??= new SheetWriter(
      client(),
      {
        createSheets: config.createSheets,
        maxRequestBytes: config.maxRequestBytes,
        userEntered: config.valueInputOption === 'USER_ENTERED',
      },
      ctx.log,
    ))

  return {
    get api() {
      return client()
    },

    async check({ signal }) {
      // Credentials (the token exchange) and access to this spreadsheet, in one read.
      await client().getSpreadsheet(signal)
    },

    async discover({ signal }): Promise<Catalog> {
      const spreadsheet = await client().getSpreadsheet(signal)
      const objects = []
      for (const { properties } of spreadsheet.sheets) {
        const [header = []] = await client().getValues(`${quoteSheet(properties.title)}!1:1`, signal)
        const seen = new Set<string>()
        const fields: CatalogField[] = []
        for (const cell of header) {
          const name = cell === null || cell === undefined ? '' : String(cell)
          if (!name || seen.has(name)) continue
          seen.add(name)
          fields.push({ name, type: 'string', identifier: true, createable: true, updateable: true })
        }
        objects.push({
          name: properties.title,
          label: properties.title,
          description: `sheet "${properties.title}": its header row's columns; a sync adds the columns it maps`,
          behaviours: [...CAPABILITIES.behaviours],
          fields,
        })
      }
      return { objects }
    },

    async validate(batch) {
      return sheetWriter().validate(batch)
    },

    write(batch, { signal, run }) {
      return sheetWriter().write(batch, signal, run?.id)
    },

    async close() {
      await api?.close()
    },
  }
}

/** Google Sheets: one sheet (tab) per sync, a header row the connector owns, rows matched by a key column. */
export const sheets = defineDestination({
  name: 'sheets',
  config: SheetsConfig,
  capabilities: CAPABILITIES,
  connect: (config, ctx) => connectSheets(config, ctx),
})
