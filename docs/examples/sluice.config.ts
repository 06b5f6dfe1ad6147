/**
 * A sample project: a DuckDB warehouse synced to Braze and Salesforce.
 *
 * Secrets are `${env:NAME}` references, read from the environment when the config is loaded and kept
 * out of every log and error. Run it with `sluice run <sync>` from this folder, or validate it with
 * `sluice validate`.
 */
import { defineConfig } from '@sluice/core'

export default defineConfig({
  name: 'acme',

  settings: {
    // Snapshots, cursors and the run ledger in an embedded DuckDB file next to this config.
    state: { backend: 'duckdb', path: '.sluice/state' },
    // Row-level tracking files (parquet), kept two weeks.
    lake: { path: '.sluice/lake' },
    retentionDays: 14,
    // A row the destination rejected is sent again on every run for a week, then given up on.
    rejectedRetryDays: 7,
    warehouseLogs: { enabled: true, source: 'warehouse', schema: 'sluice_logs' },
    // The server that sends alert emails.
    smtp: {
      host: 'smtp.example.com',
      port: 587,
      user: 'sluice',
      password: '${env:SMTP_PASSWORD}',
      from: 'sluice@example.com',
    },
  },

  sources: {
    warehouse: { type: 'duckdb', config: { path: 'warehouse.duckdb', readOnly: true } },
  },

  destinations: {
    braze: {
      type: 'braze',
      config: { apiKey: '${env:BRAZE_API_KEY}', instanceUrl: '${env:BRAZE_INSTANCE_URL}' },
    },
    salesforce: {
      type: 'salesforce',
      config: {
        loginUrl: '${env:SALESFORCE_LOGIN_URL}',
        auth: {
          type: 'jwt',
          clientId: '${env:SALESFORCE_CLIENT_ID}',
          username: '${env:SALESFORCE_USERNAME}',
          privateKey: '${env:SALESFORCE_PRIVATE_KEY}',
        },
      },
    },
  },

  models: {
    // A table as it is.
    users: { source: 'warehouse', table: 'analytics.users', description: 'every signed-up user' },
    // A segment: the same table narrowed by a filter.
    paying_users: { source: 'warehouse', table: 'analytics.users', filter: "plan <> 'free'" },
    // A SQL query read by cursor: each run reads only orders newer than the last successful run.
    recent_orders: {
      source: 'warehouse',
      sql: `select o.order_id, o.user_id, o.total, o.currency, o.items, o.updated_at
            from analytics.orders o
            where o.status = 'completed'`,
      cursor: 'updated_at',
    },
    // A view: accounts that churned this month.
    churned_accounts: { source: 'warehouse', view: 'analytics.churned_accounts' },
    // A dbt model, resolved from the dbt project's manifest.
    customer_ltv: {
      source: 'warehouse',
      dbt: { model: 'customer_ltv', manifest: 'dbt/target/manifest.json' },
    },
  },

  syncs: {
    // Braze profiles mirror the users table: removed users have their synced attributes cleared.
    braze_users: {
      model: 'users',
      destination: 'braze',
      object: 'users',
      behaviour: 'mirror',
      deleteBehaviour: 'clear',
      identifier: { column: 'user_id', field: 'external_id' },
      mappings: [
        { from: 'email', to: 'email' },
        { from: 'first_name', to: 'first_name' },
        // a nested path: a column into a field inside an object attribute
        { from: 'city', to: 'home.city' },
        // an object gathered from several columns
        {
          object: [
            { from: 'plan', to: 'name' },
            { from: 'plan_renews_at', to: 'renews_at' },
            { constant: 'warehouse', to: 'source' },
          ],
          to: 'plan',
        },
        // a list column into an array attribute
        { array: { from: 'favourite_categories', mode: 'set' }, to: 'favourite_categories' },
        // a constant on every profile
        { constant: true, to: 'synced_from_warehouse' },
      ],
      batching: { size: 500, concurrency: 2 },
      schedule: { type: 'interval', every: '15m' },
      alerts: [
        { on: 'failed', email: 'data-team@example.com' },
        { on: 'rejected_rate', threshold: 0.05, slack: '${env:SLACK_ALERTS_WEBHOOK}' },
      ],
    },

    // Completed orders become Braze custom events: append-only, each order once.
    braze_order_events: {
      model: 'recent_orders',
      destination: 'braze',
      object: 'events',
      behaviour: 'append',
      identifier: { column: 'order_id', field: 'order_id' },
      mappings: [
        { from: 'user_id', to: 'external_id' },
        { constant: 'order_completed', to: 'name' },
        { from: 'updated_at', to: 'time' },
        { from: 'total', to: 'properties.total' },
        { from: 'currency', to: 'properties.currency' },
        // each element of the items list, with only these properties, renamed
        {
          array: {
            from: 'items',
            items: [
              { from: 'sku', to: 'product_id' },
              { from: 'qty', to: 'quantity' },
            ],
          },
          to: 'properties.items',
        },
      ],
      schedule: { type: 'cron', expression: '*/30 * * * *', timezone: 'Europe/Paris' },
    },

    // Salesforce contacts for paying users, created or updated by an external id.
    salesforce_contacts: {
      model: 'paying_users',
      destination: 'salesforce',
      object: 'Contact',
      behaviour: 'upsert',
      identifier: { column: 'user_id', field: 'Warehouse_Id__c' },
      mappings: [
        { from: 'email', to: 'Email' },
        { from: 'first_name', to: 'FirstName' },
        { from: 'last_name', to: 'LastName' },
        { constant: 'Warehouse', to: 'LeadSource' },
      ],
      schedule: { type: 'cron', expression: '0 6 * * *' },
      alerts: [{ on: 'partially_succeeded', email: 'revops@example.com' }],
    },

    // Lifetime value lands on the contacts once they are up to date: a sequence.
    salesforce_ltv: {
      description: 'update-only: never creates a contact, only fills in LTV on existing ones',
      model: 'customer_ltv',
      destination: 'salesforce',
      object: 'Contact',
      behaviour: 'update',
      identifier: { column: 'user_id', field: 'Warehouse_Id__c' },
      syncAllProperties: false,
      mappings: [{ from: 'lifetime_value', to: 'Lifetime_Value__c' }],
      schedule: { type: 'after', sync: 'salesforce_contacts' },
    },

    // Run by hand: every account in the model is deleted from Salesforce.
    salesforce_churned_accounts: {
      enabled: false,
      model: 'churned_accounts',
      destination: 'salesforce',
      object: 'Account',
      behaviour: 'delete',
      identifier: { column: 'account_id', field: 'Warehouse_Account_Id__c' },
      schedule: { type: 'manual' },
    },
  },
})
