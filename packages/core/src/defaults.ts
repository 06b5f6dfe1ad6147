/**
 * Every default a run depends on, in one place: the config schema shows them, config resolution fills
 * them in, the engine, the tracking lake and the HTTP toolkit fall back on them.
 */
export const DEFAULTS = {
  /** how many days a rejected row is retried with unchanged data (Segment's 14) */
  rejectedRetryDays: 14,
  /** how many days tracking files are kept */
  retentionDays: 14,
  /** the state folder, relative to the config's folder */
  statePath: '.sluice/state',
  /** the tracking lake folder, relative to the config's folder */
  lakePath: '.sluice/lake',
  /** the schema that receives warehouse sync logs */
  warehouseLogsSchema: 'sluice_logs',
  /** the bookkeeping schema of the postgres state store */
  postgresSchema: 'sluice',
  /** where a dbt model's manifest is read, relative to the config's folder */
  dbtManifest: 'target/manifest.json',
  /** the tracking lake's top folder when neither `settings.org` nor the project's name says */
  org: 'default',
  /** the SMTP port alert e-mails use when `settings.smtp.port` is absent */
  smtpPort: 587,
  /** runs `sluice serve` lets be in flight at once */
  maxConcurrentRuns: 4,
  /** how long a worker's lease on a run lasts without renewal before another worker takes it over */
  workerLeaseSeconds: 30,
  /** runs one `sluice worker` process keeps in flight */
  workerConcurrency: 1,
  /** rows per chunk read from a source */
  queryChunkRows: 2048,
  /**
   * The most records per commit group (one tracking batch, one snapshot delta), rounded to whole
   * requests. Commits run beside the sending, so this only sizes the files they write.
   */
  commitRecords: 10_000,
  /**
   * The longest acknowledged records wait to be committed: a slow destination's progress reaches the
   * snapshot and the tracking lake this often. (They are durable in the journal from the answer on.)
   */
  commitIntervalMs: 5_000,
  /** how many mapped records a dry run shows */
  previewSize: 5,
  /**
   * Retries shared by every request of one run (each request still gives up after its own attempts):
   * a destination that keeps failing fails the run instead of every request waiting out its backoff.
   */
  runRetryBudget: 200,
} as const
