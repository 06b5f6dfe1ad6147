import { type RecordResult, rejected, SluiceError, succeeded } from '@sluice/core/contract'
import { parseCsvRecords } from '../csv.js'
import type { Plan, PlannedRecord } from '../plan.js'
import type { JobInfo } from './ingest.js'

export interface ResultFiles {
  /** `sf__Id`, `sf__Created`, then the uploaded columns */
  successful: string
  /** `sf__Id`, `sf__Error`, then the uploaded columns */
  failed: string
  /** the uploaded columns of rows the job never reached */
  unprocessed?: string
}

/**
 * Puts Bulk results back in batch order. The result files list rows in no particular order, but each
 * row repeats the uploaded key column (the external ID, or `Id`), which is unique within a batch.
 * Ids match on their case-sensitive 15-character form (results carry 18); external IDs match as
 * given, then case-insensitively, as Salesforce compares them.
 */
export function matchResults(
  plan: Plan,
  records: PlannedRecord[],
  files: ResultFiles,
  info: JobInfo,
  results: RecordResult[],
): void {
  const normalise = plan.keyField === 'Id' ? (k: string) => k.slice(0, 15) : (k: string) => k
  const exact = new Map<string, PlannedRecord>()
  const loose = new Map<string, PlannedRecord>()
  for (const record of records) {
    exact.set(normalise(record.key), record)
    if (plan.keyField !== 'Id') loose.set(record.key.toLowerCase(), record)
  }
  const answered = new Set<number>()
  const find = (row: Record<string, string>) => {
    const key = row[plan.keyField] ?? findColumn(row, plan.keyField)
    if (key === undefined) return undefined
    return exact.get(normalise(key)) ?? loose.get(key.toLowerCase())
  }
  const settle = (row: Record<string, string>, result: RecordResult) => {
    const record = find(row)
    if (!record || answered.has(record.index)) {
      throw new SluiceError(
        'internal',
        `Bulk API job ${info.id} returned a result for a row that was not sent (${plan.keyField} = "${row[plan.keyField] ?? ''}")`,
        {
          code: 'BULK_RESULT_MISMATCH',
          component: 'salesforce',
        },
      )
    }
    answered.add(record.index)
    results[record.index] = result
  }

  // Both files are read before any record is settled: one bad file acknowledges nothing.
  const successful = resultRows(files.successful, 'successfulResults', ['sf__Id', 'sf__Created'], info)
  const failed = resultRows(files.failed, 'failedResults', ['sf__Id', 'sf__Error'], info)
  for (const row of successful) settle(row, succeeded)
  for (const row of failed) {
    const errors = parseBulkError(row.sf__Error ?? '')
    const alreadyDeleted =
      plan.operation === 'delete' && errors.every((e) => e.statusCode === 'ENTITY_IS_DELETED')
    settle(row, alreadyDeleted ? succeeded : rejected(bulkErrorText(errors, row.sf__Error ?? '')))
  }
  const ended = `the Bulk API job ${info.id} ended ${info.state}${info.errorMessage ? ` (${info.errorMessage})` : ''}`
  if (files.unprocessed) {
    for (const row of parseCsvRecords(files.unprocessed).records)
      settle(row, rejected(`not processed: ${ended}`))
  }
  for (const record of records) {
    if (!answered.has(record.index))
      results[record.index] = rejected(`Salesforce reported no result for this record: ${ended}`)
  }
}

/**
 * The rows of a result file, when it is the documented CSV: a header holding Salesforce's own columns
 * (a file with no rows still has its header). A page from a gateway, an empty or cut answer does not
 * say which records were written: the batch fails, and its records are sent again.
 */
function resultRows(
  text: string,
  kind: string,
  columns: string[],
  info: JobInfo,
): Array<Record<string, string>> {
  let problem: string
  try {
    const parsed = parseCsvRecords(text)
    const missing = columns.filter((c) => !parsed.header.includes(c))
    if (missing.length === 0) return parsed.records
    problem = `no ${missing.join(', ')} column`
  } catch (error) {
    problem = (error as Error).message
  }
  throw new SluiceError(
    'transient',
    `the ${kind} of Bulk API job ${info.id} is not Salesforce's result file (${problem}); no record of the job is taken as written`,
    {
      code: 'UNACKNOWLEDGED',
      component: 'salesforce',
      retryable: false,
      details: { jobId: info.id, file: kind },
      hint: 'A proxy or gateway may be answering instead of Salesforce. The records are sent again by the next run.',
    },
  )
}

function findColumn(row: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(row).find((k) => k.toLowerCase() === name.toLowerCase())
  return key === undefined ? undefined : row[key]
}

/**
 * `sf__Error` holds `STATUS_CODE:message:fields --`, several separated by spaces. Messages may hold
 * colons, so each error is read as the code, then everything up to the last `:fields --`.
 */
export function parseBulkError(
  text: string,
): Array<{ statusCode: string; message: string; fields: string[] }> {
  const errors = []
  for (const match of text.matchAll(/([A-Z_]+):(.*?):([\w,]*) --/gs)) {
    errors.push({
      statusCode: match[1]!,
      message: match[2]!.trim(),
      fields: match[3] ? match[3].split(',').filter(Boolean) : [],
    })
  }
  return errors
}

function bulkErrorText(errors: ReturnType<typeof parseBulkError>, raw: string): string {
  if (errors.length === 0) return raw || 'Salesforce refused the record without saying why'
  return errors
    .map(
      (e) => `${e.statusCode}: ${e.message}${e.fields.length > 0 ? ` (fields: ${e.fields.join(', ')})` : ''}`,
    )
    .join('; ')
}
