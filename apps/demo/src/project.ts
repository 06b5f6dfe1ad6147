import { CUSTOMERS_MODEL_SQL } from './warehouse.js'

export type DemoDestinationName = 'braze' | 'salesforce' | 'sheets' | 's3' | 'http'
export const DEMO_DESTINATIONS: readonly DemoDestinationName[] = [
  'braze',
  'salesforce',
  'sheets',
  's3',
  'http',
]

/** The demo's sync to each destination, in the order they run. */
export const DEMO_SYNCS: Record<DemoDestinationName, string> = {
  braze: 'customers_to_braze',
  salesforce: 'contacts_to_salesforce',
  sheets: 'customers_to_sheet',
  s3: 'customers_to_s3',
  http: 'customers_to_http',
}

/** The sheet (tab) the Sheets sync keeps. */
export const DEMO_SHEET = 'Customers'
/** The folder, inside the demo folder, the S3 sync writes its files to. */
export const DEMO_EXPORTS = 'exports'

/**
 * The demo project as `sluice.json`: JSON, because the demo folder sits outside any package that could
 * resolve `@sluice/core` for a `sluice.config.ts`. Credentials are `${env:…}` references, so the same
 * file runs against the fakes (the demo sets the variables) or against real accounts.
 */
export function demoConfig(
  destinations: readonly DemoDestinationName[] = DEMO_DESTINATIONS,
): Record<string, unknown> {
  const config = {
    $schema: 'https://sluice.dev/schema/sluice.schema.json',
    name: 'sluice-demo',
    sources: {
      warehouse: { type: 'duckdb', config: { path: 'warehouse.duckdb' } },
    },
    destinations: {
      braze: {
        type: 'braze',
        config: {
          apiKey: '${env:BRAZE_API_KEY}',
          instanceUrl: '${env:BRAZE_INSTANCE_URL}',
          allowCustomEndpoint: true,
        },
      },
      salesforce: {
        type: 'salesforce',
        config: {
          loginUrl: '${env:SALESFORCE_LOGIN_URL}',
          auth: {
            type: 'refresh_token',
            clientId: '${env:SALESFORCE_CLIENT_ID}',
            refreshToken: '${env:SALESFORCE_REFRESH_TOKEN}',
          },
          bulkPollIntervalMs: 200,
        },
      },
      sheets: {
        type: 'sheets',
        config: {
          spreadsheetId: '${env:SHEETS_SPREADSHEET_ID}',
          apiUrl: '${env:SHEETS_API_URL}',
          auth: {
            type: 'refresh_token',
            clientId: '${env:SHEETS_CLIENT_ID}',
            clientSecret: '${env:SHEETS_CLIENT_SECRET}',
            refreshToken: '${env:SHEETS_REFRESH_TOKEN}',
            tokenUri: '${env:SHEETS_TOKEN_URI}',
          },
        },
      },
      http: {
        type: 'http',
        // Any JSON API, configured: batches of 100 to a batch endpoint that answers per record.
        config: {
          url: '${env:HTTP_API_URL}',
          secretHeaders: { Authorization: 'Bearer ${env:HTTP_API_TOKEN}' },
          mode: 'batch',
          batchSize: 100,
          acknowledge: { path: 'ok', equals: [true] },
          results: { path: 'results', id: 'id', succeeded: { path: 'ok', equals: [true] }, error: 'error' },
          check: { path: '/me' },
          operations: {
            upsert: {
              method: 'POST',
              path: '/{{$object}}/batch',
              body: '{{$fields}}',
              batchBody: { operation: 'upsert', records: '{{$records}}' },
            },
            delete: {
              method: 'POST',
              path: '/{{$object}}/batch',
              body: { id: '{{$identifier}}' },
              batchBody: { operation: 'delete', records: '{{$records}}' },
            },
          },
        },
      },
      s3: {
        type: 's3',
        // A local folder: the same writer as a bucket (s3://bucket/prefix), files and manifests alike.
        config: {
          url: `file:${DEMO_EXPORTS}`,
          format: 'parquet',
          mode: 'diff',
          columns: { lifetime_value: 'DECIMAL(12,2)', orders: 'INTEGER' },
        },
      },
    },
    models: {
      customers: {
        source: 'warehouse',
        description: 'one row per customer, with their order activity',
        sql: CUSTOMERS_MODEL_SQL,
      },
    },
    syncs: {
      customers_to_braze: {
        description: 'customer profiles in Braze, mirrored: customers who leave are deleted',
        model: 'customers',
        destination: 'braze',
        object: 'users',
        behaviour: 'mirror',
        deleteBehaviour: 'delete',
        identifier: { column: 'customer_id', field: 'external_id' },
        mappings: [
          { from: 'email', to: 'email' },
          { from: 'first_name', to: 'first_name' },
          { from: 'last_name', to: 'last_name' },
          { from: 'phone', to: 'phone' },
          { from: 'country', to: 'country' },
          { from: 'city', to: 'home_city' },
          { from: 'plan', to: 'plan' },
          // DECIMAL arrives as exact text: Braze gets a number attribute, to compare and sum
          { from: 'lifetime_value', to: 'lifetime_value', cast: 'number' },
          { from: 'marketing_opt_in', to: 'marketing_opt_in' },
          { from: 'company', to: 'company' },
          { from: 'orders', to: 'orders' },
          { from: 'last_order_at', to: 'last_order_at' },
        ],
      },
      contacts_to_salesforce: {
        description: 'customers as Salesforce Contacts, matched on an external ID',
        model: 'customers',
        destination: 'salesforce',
        object: 'Contact',
        behaviour: 'upsert',
        identifier: { column: 'customer_id', field: 'External_Id__c' },
        mappings: [
          { from: 'first_name', to: 'FirstName' },
          { from: 'last_name', to: 'LastName' },
          { from: 'email', to: 'Email' },
          { from: 'phone', to: 'Phone' },
          { from: 'lifetime_value', to: 'Lifetime_Value__c' },
          { constant: 'Web', to: 'LeadSource' },
        ],
      },
      customers_to_sheet: {
        description:
          'customers in a Google Sheet for the sales team, mirrored: rows of customers who leave go',
        model: 'customers',
        destination: 'sheets',
        object: DEMO_SHEET,
        behaviour: 'mirror',
        deleteBehaviour: 'delete',
        identifier: { column: 'customer_id', field: 'customer_id' },
        mappings: [
          { from: 'first_name', to: 'first_name' },
          { from: 'last_name', to: 'last_name' },
          { from: 'email', to: 'email' },
          { from: 'country', to: 'country' },
          { from: 'plan', to: 'plan' },
          { from: 'lifetime_value', to: 'lifetime_value' },
          { from: 'orders', to: 'orders' },
        ],
      },
      customers_to_s3: {
        description:
          'customers as parquet files, in diff mode: each run writes its added, changed and removed rows',
        model: 'customers',
        destination: 's3',
        object: 'customers',
        behaviour: 'mirror',
        deleteBehaviour: 'delete',
        identifier: { column: 'customer_id', field: 'customer_id' },
        mappings: [
          { from: 'email', to: 'email' },
          { from: 'first_name', to: 'first_name' },
          { from: 'last_name', to: 'last_name' },
          { from: 'country', to: 'country' },
          { from: 'plan', to: 'plan' },
          { from: 'lifetime_value', to: 'lifetime_value' },
          { from: 'orders', to: 'orders' },
          { from: 'last_order_at', to: 'last_order_at' },
        ],
      },
      customers_to_http: {
        description: 'customers to any JSON API with the HTTP destination, mirrored through a batch endpoint',
        model: 'customers',
        destination: 'http',
        object: 'customers',
        behaviour: 'mirror',
        deleteBehaviour: 'delete',
        identifier: { column: 'customer_id', field: 'id' },
        mappings: [
          { from: 'email', to: 'email' },
          { from: 'first_name', to: 'first_name' },
          { from: 'plan', to: 'plan' },
          { from: 'lifetime_value', to: 'lifetime_value' },
        ],
      },
    },
  }
  const keep = <T>(entries: Record<string, T>, names: readonly string[]) =>
    Object.fromEntries(Object.entries(entries).filter(([name]) => names.includes(name)))
  return {
    ...config,
    destinations: keep(config.destinations, destinations),
    syncs: scheduled(
      keep(
        config.syncs,
        destinations.map((d) => DEMO_SYNCS[d]),
      ),
    ),
  }
}

/** How often `sluice serve` runs the demo's first sync; the others follow it. */
export const DEMO_SCHEDULE = { type: 'interval', every: '15m' } as const

/**
 * Schedules for `sluice serve`, as a team would set them: the first sync on an interval, every other one
 * after it (a fan-out), so one model read feeds every destination in turn.
 */
function scheduled<T extends object>(syncs: Record<string, T>): Record<string, T> {
  const [first] = Object.keys(syncs)
  return Object.fromEntries(
    Object.entries(syncs).map(([name, sync]) => [
      name,
      { ...sync, schedule: name === first ? DEMO_SCHEDULE : { type: 'after', sync: first } },
    ]),
  )
}
