import { http } from 'msw'
import { csvLine, parseCsvRecords } from '../csv.js'
import { apiError, type FakeContext, json, noteRecords, seededRandom, shuffle } from './context.js'
import { makeId } from './ids.js'
import type { SaveResult } from './org.js'
import { rest } from './rest.js'

const API = '*/services/data/:version/jobs/ingest'
const OPERATIONS = new Set(['insert', 'update', 'upsert', 'delete', 'hardDelete'])

export type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted'

/** A Bulk API 2.0 ingest job as the fake keeps it. */
export interface FakeJob {
  id: string
  object: string
  operation: string
  externalIdFieldName?: string
  state: JobState
  apiVersion: number
  createdDate: string
  csv?: string
  pollsLeft: number
  errorMessage?: string
  successful: string[]
  failed: string[]
  unprocessed: string[]
  header: string[]
  numberRecordsProcessed: number
  numberRecordsFailed: number
}

/**
 * The Bulk API 2.0 ingest lifecycle: create (Open), upload one CSV, close (UploadComplete), then
 * InProgress for a few polls, then JobComplete, with result files in shuffled order, as Salesforce
 * processes rows in parallel chunks and returns them in no particular order.
 */
export function bulkHandlers(ctx: FakeContext, jobs: Map<string, FakeJob>) {
  const random = seededRandom(ctx.options.seed)
  let nextJob = 1

  const info = (job: FakeJob) => ({
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: '0055g00000FakeUAAQ',
    createdDate: job.createdDate,
    systemModstamp: job.createdDate,
    state: job.state,
    ...(job.externalIdFieldName ? { externalIdFieldName: job.externalIdFieldName } : {}),
    concurrencyMode: 'Parallel',
    contentType: 'CSV',
    apiVersion: job.apiVersion,
    jobType: 'V2Ingest',
    contentUrl: `services/data/v${job.apiVersion.toFixed(1)}/jobs/ingest/${job.id}/batches`,
    lineEnding: 'LF',
    columnDelimiter: 'COMMA',
    numberRecordsProcessed: job.numberRecordsProcessed,
    numberRecordsFailed: job.numberRecordsFailed,
    retries: 0,
    totalProcessingTime: 0,
    ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
  })

  const find = (params: Record<string, unknown>) => jobs.get(String(params.jobId))
  const notFound = () => apiError(404, 'NOT_FOUND', 'The requested resource does not exist')

  /** Applies every row, as the job's DML would, and fills the three result files. */
  const process = (job: FakeJob) => {
    const { header, records } = parseCsvRecords(job.csv ?? '')
    job.header = header
    const unknown = ctx.org.unknownField(job.object, header)
    if (unknown || header.length === 0) {
      job.state = 'Failed'
      job.errorMessage = unknown
        ? `InvalidBatch : Field name not found : ${unknown}`
        : 'InvalidBatch : no data uploaded'
      job.unprocessed = records.map((r) => csvLine(header.map((h) => r[h] ?? '')))
      return
    }
    for (const row of records) {
      const result = apply(job, row)
      const cells = header.map((h) => row[h] ?? '')
      if (result.success) {
        job.successful.push(csvLine([result.id ?? '', String(result.created === true), ...cells]))
      } else {
        const error = result.errors
          .map((e) => `${e.statusCode}:${e.message}:${e.fields.join(',')} --`)
          .join(' ')
        job.failed.push(csvLine([result.id ?? '', error, ...cells]))
        job.numberRecordsFailed += 1
      }
      job.numberRecordsProcessed += 1
    }
    shuffle(job.successful, random)
    shuffle(job.failed, random)
    job.state = 'JobComplete'
  }

  const apply = (job: FakeJob, row: Record<string, string>): SaveResult => {
    const { org } = ctx
    const id = row.Id ?? row.id
    const { Id: _Id, id: _id, ...values } = row
    switch (job.operation) {
      case 'insert':
        return org.insert(job.object, values)
      case 'update':
        return org.update(job.object, id, values)
      case 'upsert':
        return org.upsert(job.object, job.externalIdFieldName!, row)
      default:
        return org.delete(job.object, id)
    }
  }

  const resultFile = (job: FakeJob, kind: string): Response => {
    const lines =
      kind === 'successfulResults'
        ? [csvLine(['sf__Id', 'sf__Created', ...job.header]), ...job.successful]
        : kind === 'failedResults'
          ? [csvLine(['sf__Id', 'sf__Error', ...job.header]), ...job.failed]
          : [csvLine(job.header), ...job.unprocessed]
    return new Response(lines.join(''), { status: 200, headers: { 'content-type': 'text/csv' } })
  }

  return [
    http.post(
      API,
      rest(ctx, async ({ request, params }) => {
        const body = (await request.json().catch(() => ({}))) as Record<string, unknown>
        const object = typeof body.object === 'string' ? ctx.org.describe(body.object) : undefined
        const operation = String(body.operation ?? '')
        if (!object)
          return apiError(400, 'INVALIDJOB', `InvalidJob : Unable to find object: ${String(body.object)}`)
        if (!OPERATIONS.has(operation))
          return apiError(400, 'INVALIDJOB', `InvalidJob : Invalid operation: ${operation}`)
        if ((body.contentType ?? 'CSV') !== 'CSV')
          return apiError(400, 'INVALIDJOB', 'InvalidJob : Invalid content type')
        const externalIdFieldName =
          typeof body.externalIdFieldName === 'string' ? body.externalIdFieldName : undefined
        if (operation === 'upsert') {
          const field = externalIdFieldName ? ctx.org.field(object.name, externalIdFieldName) : undefined
          if (!field || !(field.externalId || field.name === 'Id')) {
            return apiError(
              400,
              'INVALIDJOB',
              `InvalidJob : External ID was blank or not an external ID field for ${object.name}`,
            )
          }
        }
        const job: FakeJob = {
          id: makeId('750', nextJob++),
          object: object.name,
          operation,
          ...(externalIdFieldName ? { externalIdFieldName } : {}),
          state: 'Open',
          apiVersion: Number(String(params.version).slice(1)),
          createdDate: new Date().toISOString(),
          pollsLeft: ctx.options.bulkPollsUntilComplete,
          successful: [],
          failed: [],
          unprocessed: [],
          header: [],
          numberRecordsProcessed: 0,
          numberRecordsFailed: 0,
        }
        jobs.set(job.id, job)
        return json(info(job))
      }),
    ),

    http.put(
      `${API}/:jobId/batches`,
      rest(ctx, async ({ request, params }) => {
        const job = find(params)
        if (!job) return notFound()
        if (job.state !== 'Open' || job.csv !== undefined) {
          return apiError(409, 'INVALIDJOBSTATE', `Job ${job.id} is not open for data upload`)
        }
        const bytes = new Uint8Array(await request.arrayBuffer())
        if (bytes.byteLength > ctx.options.maxUploadBytes) {
          return apiError(
            400,
            'INVALIDBATCH',
            `InvalidBatch : the upload exceeds ${ctx.options.maxUploadBytes} bytes`,
          )
        }
        job.csv = new TextDecoder().decode(bytes)
        noteRecords(ctx, parseCsvRecords(job.csv).records.length)
        return new Response(null, { status: 201 })
      }),
    ),

    http.patch(
      `${API}/:jobId`,
      rest(ctx, async ({ request, params }) => {
        const job = find(params)
        if (!job) return notFound()
        const { state } = (await request.json().catch(() => ({}))) as { state?: string }
        if (state === 'UploadComplete' && job.state === 'Open') job.state = 'UploadComplete'
        else if (state === 'Aborted' && !['JobComplete', 'Failed', 'Aborted'].includes(job.state)) {
          // Nothing of an aborted job is processed: every uploaded row is unprocessed.
          const { header, records } = parseCsvRecords(job.csv ?? '')
          job.header = header
          job.unprocessed = records.map((r) => csvLine(header.map((h) => r[h] ?? '')))
          job.state = 'Aborted'
        } else
          return apiError(
            400,
            'INVALIDJOBSTATE',
            `Cannot change the state of job ${job.id} from ${job.state} to ${state}`,
          )
        return json(info(job))
      }),
    ),

    http.get(
      `${API}/:jobId`,
      rest(ctx, ({ params }) => {
        const job = find(params)
        if (!job) return notFound()
        if (job.state === 'UploadComplete' || job.state === 'InProgress') {
          if (job.pollsLeft > 0) {
            job.pollsLeft -= 1
            job.state = 'InProgress'
          } else {
            process(job)
          }
        }
        return json(info(job))
      }),
    ),

    http.get(
      `${API}/:jobId/:kind`,
      rest(ctx, ({ params }) => {
        const job = find(params)
        const kind = String(params.kind)
        if (!job) return notFound()
        if (!['successfulResults', 'failedResults', 'unprocessedrecords'].includes(kind)) return notFound()
        return resultFile(job, kind)
      }),
    ),

    http.get(
      `${API}/:jobId/:kind/`,
      rest(ctx, ({ params }) => {
        const job = find(params)
        const kind = String(params.kind)
        if (!job) return notFound()
        if (!['successfulResults', 'failedResults', 'unprocessedrecords'].includes(kind)) return notFound()
        return resultFile(job, kind)
      }),
    ),

    http.delete(
      `${API}/:jobId`,
      rest(ctx, ({ params }) => {
        if (!jobs.delete(String(params.jobId))) return notFound()
        return new Response(null, { status: 204 })
      }),
    ),
  ]
}
