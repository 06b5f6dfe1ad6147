/**
 * The one schema every tracking file has, in this order. It follows Census's observability lake
 * (`census_sync_tracking_internal_id` becomes `sync_tracking_internal_id`) plus `run_id` and
 * `record_hash`, `status_reason` and `sync`, so files from any run, sync or batch type can be read together.
 */
export const TRACKING_COLUMNS = [
  /** unique per row in the lake: `<run>/<batch_type>.<batch_number>/<row>` */
  { name: 'sync_tracking_internal_id', type: 'VARCHAR' },
  /** the value of the sync's matching identifier; NULL for a NULL identifier */
  { name: 'identifier', type: 'VARCHAR' },
  /** the mapped record as JSON text */
  { name: 'record_payload', type: 'VARCHAR' },
  /** upsert | update | create | append | delete | clear; NULL for rows never sent */
  { name: 'operation', type: 'VARCHAR' },
  /** succeeded | rejected | NULL | DUPLICATE | invalid */
  { name: 'status', type: 'VARCHAR' },
  /** why a row was rejected or invalid; NULL when it succeeded */
  { name: 'status_message', type: 'VARCHAR' },
  /** the message without what is particular to the row, so rows refused for one reason group together */
  { name: 'status_reason', type: 'VARCHAR' },
  { name: 'batch_started_at', type: 'TIMESTAMP WITH TIME ZONE' },
  { name: 'batch_ended_at', type: 'TIMESTAMP WITH TIME ZONE' },
  { name: 'run_id', type: 'VARCHAR' },
  /** the sync's name, so files read together from several syncs still say whose rows they are */
  { name: 'sync', type: 'VARCHAR' },
  { name: 'record_hash', type: 'VARCHAR' },
] as const

export type TrackingColumn = (typeof TRACKING_COLUMNS)[number]['name']
