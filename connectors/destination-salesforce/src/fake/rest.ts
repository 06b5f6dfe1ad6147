import { http } from 'msw'
import { apiError, type FakeContext, guard, json, limitInfo, noteRecords } from './context.js'
import type { SaveResult } from './org.js'
import { parseQuery } from './soql.js'

/** sObject Collections take at most this many records (or Ids) per request. */
export const COLLECTION_LIMIT = 200
/** SOQL statements may be at most this long. */
const MAX_SOQL_LENGTH = 100_000

const API = '*/services/data/:version'

type Handler = (args: {
  request: Request
  params: Record<string, string | readonly string[] | undefined>
}) => Promise<Response> | Response

/** Wraps a REST handler: API version check, session, allocation, and `Sforce-Limit-Info` on the answer. */
export function rest(ctx: FakeContext, handler: Handler): Handler {
  return async (args) => {
    const refusal = guard(ctx, args.request)
    if (refusal) return refusal
    if (!/^v\d{2}\.0$/.test(String(args.params.version))) {
      return apiError(404, 'NOT_FOUND', 'The requested resource does not exist', limitInfo(ctx))
    }
    const response = await handler(args)
    for (const [name, value] of Object.entries(limitInfo(ctx))) response.headers.set(name, value)
    return response
  }
}

interface CollectionBody {
  allOrNone?: boolean
  records?: Array<Record<string, unknown> & { attributes?: { type?: string } }>
}

/** Describe, limits, the lookup query, and sObject Collections create / update / upsert / delete. */
export function restHandlers(ctx: FakeContext) {
  const { org } = ctx

  /** Runs per-record DML; with allOrNone, any failure rolls every record back. */
  const collection = (allOrNone: boolean, count: number, apply: (i: number) => SaveResult): SaveResult[] => {
    const restore = allOrNone ? org.snapshot() : undefined
    const results = Array.from({ length: count }, (_, i) => apply(i))
    if (restore && results.some((r) => !r.success)) {
      restore()
      return results.map((r) =>
        r.success
          ? {
              id: null,
              success: false,
              errors: [
                {
                  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
                  message:
                    'Record rolled back because not all records were valid and the request was using AllOrNone header',
                  fields: [],
                },
              ],
              ...(r.created === undefined ? {} : { created: false }),
            }
          : r,
      )
    }
    return results
  }

  /** Checks a Collections body: a list, at most 200, known fields, each typed as `object` when given. */
  const readRecords = async (request: Request, object?: string) => {
    let body: CollectionBody
    try {
      body = (await request.json()) as CollectionBody
    } catch {
      return { error: apiError(400, 'JSON_PARSER_ERROR', 'The request body is not valid JSON') }
    }
    const records = body.records
    if (!Array.isArray(records))
      return { error: apiError(400, 'INVALID_FIELD', "Required field 'records' is missing") }
    noteRecords(ctx, records.length)
    if (records.length > COLLECTION_LIMIT) {
      return {
        error: apiError(
          400,
          'EXCEEDED_ID_LIMIT',
          'record limit reached. cannot submit more than 200 records into this call',
        ),
      }
    }
    for (const record of records) {
      const type = record.attributes?.type
      if (!type) return { error: apiError(400, 'INVALID_TYPE', 'Must send a concrete entity type.') }
      if (object && type.toLowerCase() !== object.toLowerCase()) {
        return {
          error: apiError(
            400,
            'INVALID_TYPE',
            `The type of the record (${type}) doesn't match the request (${object}).`,
          ),
        }
      }
      if (!org.describe(type))
        return { error: apiError(400, 'INVALID_TYPE', `sObject type '${type}' is not supported.`) }
      const unknown = org.unknownField(
        type,
        Object.keys(record).filter((k) => k !== 'id'),
      )
      if (unknown) {
        return {
          error: apiError(400, 'INVALID_FIELD', `No such column '${unknown}' on sobject of type ${type}`),
        }
      }
    }
    return { records, allOrNone: body.allOrNone === true }
  }

  /** JSON from Collections: an empty string stores as null, as it does in Salesforce. */
  const values = (record: Record<string, unknown>) => {
    const { attributes: _a, id: _id, ...rest } = record
    for (const [k, v] of Object.entries(rest)) if (v === '') rest[k] = null
    return rest
  }

  return [
    http.get(
      `${API}/limits`,
      rest(ctx, () =>
        json({
          DailyApiRequests: { Max: ctx.usage.max, Remaining: Math.max(0, ctx.usage.max - ctx.usage.used) },
          DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
          DailyBulkApiBatches: { Max: 15000, Remaining: 15000 },
        }),
      ),
    ),

    http.get(
      `${API}/sobjects`,
      rest(ctx, () =>
        json({
          encoding: 'UTF-8',
          maxBatchSize: 200,
          sobjects: org.describes().map(({ fields: _f, keyPrefix: _k, ...summary }) => summary),
        }),
      ),
    ),

    http.get(
      `${API}/sobjects/:object/describe`,
      rest(ctx, ({ params }) => {
        const describe = org.describe(String(params.object))
        return describe ? json(describe) : apiError(404, 'NOT_FOUND', 'The requested resource does not exist')
      }),
    ),

    http.get(
      `${API}/query`,
      rest(ctx, ({ request }) => {
        const soql = new URL(request.url).searchParams.get('q') ?? ''
        if (soql.length > MAX_SOQL_LENGTH)
          return apiError(400, 'MALFORMED_QUERY', 'SOQL statements cannot be longer than 100000 characters.')
        const query = parseQuery(soql)
        if (!query) return apiError(400, 'MALFORMED_QUERY', `unexpected token in query: ${soql.slice(0, 80)}`)
        const describe = org.describe(query.object)
        if (!describe)
          return apiError(400, 'INVALID_TYPE', `sObject type '${query.object}' is not supported.`)
        const unknown = org.unknownField(describe.name, [...query.fields, query.whereField])
        if (unknown)
          return apiError(400, 'INVALID_FIELD', `No such column '${unknown}' on entity '${describe.name}'.`)
        const records = []
        const seen = new Set<string>()
        for (const value of query.values) {
          const row = org.findBy(describe.name, query.whereField, value)
          if (!row || seen.has(String(row.Id))) continue
          seen.add(String(row.Id))
          const out: Record<string, unknown> = {
            attributes: {
              type: describe.name,
              url: `/services/data/v62.0/sobjects/${describe.name}/${row.Id}`,
            },
          }
          for (const f of query.fields)
            out[org.field(describe.name, f)!.name] = row[org.field(describe.name, f)!.name] ?? null
          records.push(out)
        }
        return json({ totalSize: records.length, done: true, records })
      }),
    ),

    // Create: POST /composite/sobjects
    http.post(
      `${API}/composite/sobjects`,
      rest(ctx, async ({ request }) => {
        const read = await readRecords(request)
        if ('error' in read) return read.error!
        const { records, allOrNone } = read
        return json(
          collection(allOrNone, records.length, (i) => {
            const record = records[i]!
            if (record.id !== undefined) {
              return {
                id: null,
                success: false,
                errors: [
                  {
                    statusCode: 'INVALID_FIELD',
                    message: 'cannot specify Id in an insert call',
                    fields: ['Id'],
                  },
                ],
              }
            }
            return org.insert(record.attributes!.type!, values(record))
          }),
        )
      }),
    ),

    // Update: PATCH /composite/sobjects (each record has an `id`)
    http.patch(
      `${API}/composite/sobjects`,
      rest(ctx, async ({ request }) => {
        const read = await readRecords(request)
        if ('error' in read) return read.error!
        const { records, allOrNone } = read
        return json(
          collection(allOrNone, records.length, (i) => {
            const record = records[i]!
            if (typeof record.id !== 'string') {
              return {
                id: null,
                success: false,
                errors: [
                  {
                    statusCode: 'MISSING_ARGUMENT',
                    message: 'Id not specified in an update call',
                    fields: [],
                  },
                ],
              }
            }
            return org.update(record.attributes!.type!, record.id, values(record))
          }),
        )
      }),
    ),

    // Upsert: PATCH /composite/sobjects/<Object>/<ExternalIdField>
    http.patch(
      `${API}/composite/sobjects/:object/:field`,
      rest(ctx, async ({ request, params }) => {
        const object = String(params.object)
        const field = String(params.field)
        if (!org.describe(object)) return apiError(404, 'NOT_FOUND', 'The requested resource does not exist')
        const fieldDescribe = org.field(object, field)
        if (!fieldDescribe?.externalId) {
          return apiError(
            400,
            'INVALID_FIELD',
            `Field name provided, ${field} is not an External ID or indexed field for ${object}`,
          )
        }
        const read = await readRecords(request, object)
        if ('error' in read) return read.error!
        const { records, allOrNone } = read
        return json(
          collection(allOrNone, records.length, (i) =>
            org.upsert(object, fieldDescribe.name, values(records[i]!)),
          ),
        )
      }),
    ),

    // Delete: DELETE /composite/sobjects?ids=…&allOrNone=…
    http.delete(
      `${API}/composite/sobjects`,
      rest(ctx, ({ request }) => {
        const url = new URL(request.url)
        const ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean)
        noteRecords(ctx, ids.length)
        if (ids.length === 0) return apiError(400, 'MISSING_ARGUMENT', 'ids parameter not specified')
        if (ids.length > COLLECTION_LIMIT) {
          return apiError(
            400,
            'EXCEEDED_ID_LIMIT',
            'record limit reached. cannot submit more than 200 records into this call',
          )
        }
        const allOrNone = url.searchParams.get('allOrNone') === 'true'
        return json(
          collection(allOrNone, ids.length, (i) => {
            const object = org.objectForId(ids[i]!)
            if (!object) {
              return {
                id: null,
                success: false,
                errors: [{ statusCode: 'MALFORMED_ID', message: `malformed id ${ids[i]}`, fields: [] }],
              }
            }
            return org.delete(object, ids[i])
          }),
        )
      }),
    ),
  ]
}
