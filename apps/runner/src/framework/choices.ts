/**
 * The values some flags accept. They mirror core's lists (a test checks that they match) so that
 * `--help` and argument parsing do not load core, which only the commands themselves need.
 */
export const RUN_STATUSES = [
  'pending',
  'querying',
  'preparing',
  'queued',
  'in_progress',
  'succeeded',
  'partially_succeeded',
  'failed',
  'incomplete',
  'cancelled',
] as const

export const TRACKING_STATUSES = ['succeeded', 'rejected', 'NULL', 'DUPLICATE', 'invalid'] as const

export const OPERATIONS = ['upsert', 'update', 'create', 'append', 'delete', 'clear'] as const

/** What `test-row --as` sends a row as. */
export const KINDS = ['added', 'changed', 'removed'] as const
