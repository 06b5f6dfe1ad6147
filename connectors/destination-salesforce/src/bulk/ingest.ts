import { type ConnectorContext, type RecordResult, SluiceError, sleep } from '@sluice/core/contract'
import type { SalesforceApi } from '../api.js'
import { csvLine } from '../csv.js'
import type { Plan, PlannedRecord } from '../plan.js'
import { toCsvCell } from '../values.js'
import { matchResults } from './results.js'

/** Bulk API 2.0 accepts at most 100 MB of raw CSV per job upload (150 MB once base64-encoded). */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024

export interface BulkSettings {
  pollIntervalMs: number
  maxPollIntervalMs: number
  timeoutMs: number
  /** the most CSV bytes in one job; a larger plan is split into several jobs */
  maxUploadBytes?: number
}

type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted'

export interface JobInfo {
  id: string
  state: JobState
  numberRecordsProcessed?: number
  numberRecordsFailed?: number
  errorMessage?: string
}

/**
 * Sends a plan through Bulk API 2.0 ingest jobs: create the job, upload the CSV, close it with
 * `UploadComplete`, poll with backoff until it is `JobComplete`, `Failed` or `Aborted`, then read the
 * three result files and match their rows back to the batch by key (they come in no particular order).
 */
export async function sendBulk(
  api: SalesforceApi,
  plan: Plan,
  settings: BulkSettings,
  results: RecordResult[],
  ctx: ConnectorContext,
): Promise<void> {
  for (const part of splitBySize(plan, settings.maxUploadBytes ?? MAX_UPLOAD_BYTES)) {
    await runJob(api, plan, part.records, part.csv, settings, results, ctx)
  }
}

/** The CSV of a plan: the key column first, then every mapped field; empty cells leave a field alone. */
export function csvColumns(plan: Plan): string[] {
  if (plan.operation === 'delete') return ['Id']
  const columns = [plan.keyField]
  const seen = new Set(columns.map((c) => c.toLowerCase()))
  for (const record of plan.records) {
    for (const name of Object.keys(record.fields)) {
      if (!seen.has(name.toLowerCase())) {
        seen.add(name.toLowerCase())
        columns.push(name)
      }
    }
  }
  return columns
}

function* splitBySize(plan: Plan, maxBytes: number): Generator<{ records: PlannedRecord[]; csv: string }> {
  const columns = csvColumns(plan)
  const header = csvLine(columns)
  let records: PlannedRecord[] = []
  let lines: string[] = [header]
  let bytes = Buffer.byteLength(header)
  for (const record of plan.records) {
    const line = csvLine(columns.map((c, i) => (i === 0 ? record.key : cell(record, c))))
    const size = Buffer.byteLength(line)
    if (records.length > 0 && bytes + size > maxBytes) {
      yield { records, csv: lines.join('') }
      records = []
      lines = [header]
      bytes = Buffer.byteLength(header)
    }
    records.push(record)
    lines.push(line)
    bytes += size
  }
  if (records.length > 0) yield { records, csv: lines.join('') }
}

function cell(record: PlannedRecord, column: string): string {
  return column in record.fields ? toCsvCell(record.fields[column]) : ''
}

async function runJob(
  api: SalesforceApi,
  plan: Plan,
  records: PlannedRecord[],
  csv: string,
  settings: BulkSettings,
  results: RecordResult[],
  ctx: ConnectorContext,
): Promise<void> {
  const { signal, log } = ctx
  const jobs = `${api.dataPath}/jobs/ingest`
  const withSignal = signal ? { signal } : {}
  const created = await api.request<JobInfo>({
    method: 'POST',
    path: jobs,
    json: {
      object: plan.object,
      operation: plan.operation,
      ...(plan.operation === 'upsert' ? { externalIdFieldName: plan.externalIdField } : {}),
      contentType: 'CSV',
      columnDelimiter: 'COMMA',
      lineEnding: 'LF',
    },
    ...withSignal,
  })
  const id = created.body.id
  log.info(`salesforce: Bulk API job ${id}: ${plan.operation} of ${records.length} ${plan.object} records`)
  try {
    await api.request({
      method: 'PUT',
      path: `${jobs}/${id}/batches`,
      headers: { 'content-type': 'text/csv' },
      body: csv,
      ...withSignal,
    })
    await api.request({
      method: 'PATCH',
      path: `${jobs}/${id}`,
      json: { state: 'UploadComplete' },
      ...withSignal,
    })
    const info = await waitForJob(api, id, settings, signal)
    log.info(`salesforce: Bulk API job ${id} ended ${info.state}`, {
      processed: info.numberRecordsProcessed ?? 0,
      failed: info.numberRecordsFailed ?? 0,
    })
    if (info.state === 'Failed' && !info.numberRecordsProcessed) {
      const invalid = /^Invalid(Batch|Job)/i.test(info.errorMessage ?? '')
      throw new SluiceError(
        invalid ? 'config' : 'transient',
        `Bulk API job ${id} on ${plan.object} failed: ${info.errorMessage ?? 'no reason given'}`,
        {
          code: 'BULK_JOB_FAILED',
          component: 'salesforce',
          details: { jobId: id },
          ...(invalid ? { hint: 'Check the field mappings against the object in Salesforce.' } : {}),
        },
      )
    }
    const read = async (kind: 'successfulResults' | 'failedResults' | 'unprocessedrecords') =>
      (
        await api.request<string>({
          method: 'GET',
          path: `${jobs}/${id}/${kind}/`,
          headers: { accept: 'text/csv' },
          ...withSignal,
        })
      ).text
    const files = {
      successful: await read('successfulResults'),
      failed: await read('failedResults'),
      // A job that did not complete leaves rows behind; Salesforce lists them separately.
      ...(info.state === 'JobComplete' ? {} : { unprocessed: await read('unprocessedrecords') }),
    }
    matchResults(plan, records, files, info, results)
  } catch (error) {
    await abortQuietly(api, `${jobs}/${id}`)
    throw error
  }
}

/** Polls a job until it ends, doubling the wait up to the ceiling; aborts it past the timeout. */
async function waitForJob(
  api: SalesforceApi,
  id: string,
  settings: BulkSettings,
  signal?: AbortSignal,
): Promise<JobInfo> {
  const started = Date.now()
  let wait = settings.pollIntervalMs
  for (;;) {
    const info = (
      await api.request<JobInfo>({
        method: 'GET',
        path: `${api.dataPath}/jobs/ingest/${id}`,
        ...(signal ? { signal } : {}),
      })
    ).body
    if (info.state === 'JobComplete' || info.state === 'Failed' || info.state === 'Aborted') return info
    if (Date.now() - started > settings.timeoutMs) {
      throw new SluiceError(
        'transient',
        `Bulk API job ${id} was still ${info.state} after ${Math.round(settings.timeoutMs / 1000)} s; it was aborted.`,
        {
          code: 'BULK_JOB_TIMEOUT',
          component: 'salesforce',
          retryable: false,
          hint: 'Raise bulkTimeoutMs, or look at the job under Setup → Bulk Data Load Jobs.',
        },
      )
    }
    await sleep(wait, signal).catch(() => {
      throw cancelled()
    })
    wait = Math.min(wait * 2, settings.maxPollIntervalMs)
  }
}

async function abortQuietly(api: SalesforceApi, path: string): Promise<void> {
  // Best effort: a job that already ended refuses the change, and that is fine.
  await api.request({ method: 'PATCH', path, json: { state: 'Aborted' } }, () => true).catch(() => {})
}

function cancelled(): SluiceError {
  return new SluiceError('cancelled', 'waiting for a Bulk API job was cancelled', {
    code: 'CANCELLED',
    component: 'salesforce',
  })
}
