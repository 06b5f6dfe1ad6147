import Type, { type Static } from 'typebox'

/** The operations a template may be given for: the engine's, with mirror's "clear fields" as `clear`. */
export const TEMPLATE_OPERATIONS = ['upsert', 'update', 'create', 'append', 'delete', 'clear'] as const
export type TemplateOperation = (typeof TEMPLATE_OPERATIONS)[number]

/** The largest batch and the most requests in flight any config may ask for. */
export const MAX_BATCH_SIZE = 10_000
export const MAX_CONCURRENCY = 64

const Path = Type.String({
  minLength: 1,
  pattern: '^[^{}]+$',
  description: 'a dotted path into a JSON value: `results`, `data.items`, `error.message`, `errors.0`',
})

const RequestTemplate = Type.Object(
  {
    method: Type.Union(
      [Type.Literal('POST'), Type.Literal('PUT'), Type.Literal('PATCH'), Type.Literal('DELETE')],
      {
        description: 'the HTTP method',
      },
    ),
    path: Type.String({
      description:
        'below `url`, with `{{field}}` placeholders (values are URL-encoded): `/contacts/{{$identifier}}`',
    }),
    body: Type.Optional(
      Type.Unknown({
        description:
          'the JSON body for one record: any JSON, where a string that is a single `{{field}}` takes the ' +
          "field's value and type, and `{{field}}` inside a longer string is replaced by its text. " +
          '`{{$fields}}` is every mapped field. In batch mode, each record becomes one item of `batchBody`.',
      }),
    ),
    batchBody: Type.Optional(
      Type.Unknown({
        description:
          "batch mode: the JSON body of one request, where `{{$records}}` is the array of the records' " +
          'bodies; default the array itself',
      }),
    ),
  },
  { additionalProperties: false },
)

/**
 * The HTTP destination's options: everything about the API is configured, nothing is coded. Values in
 * `secretHeaders` are secrets: the runner reads them from `${env:NAME}` references and they never
 * appear in a log line, an error or the tracking lake.
 */
export const HttpConfig = Type.Object(
  {
    url: Type.String({ format: 'uri', description: 'the API root: https://api.example.com/v2' }),
    headers: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description: 'headers sent with every request, e.g. `{ "X-Api-Version": "2024-01" }`',
      }),
    ),
    secretHeaders: Type.Optional(
      Type.Record(Type.String(), Type.String({ minLength: 1, secret: true }), {
        description: 'headers whose values are secrets: `{ "Authorization": "Bearer ${env:API_TOKEN}" }`',
      }),
    ),
    mode: Type.Optional(
      Type.Union([Type.Literal('single'), Type.Literal('batch')], {
        description:
          '`single`: one request per record (default); `batch`: one request per `batchSize` records',
        default: 'single',
      }),
    ),
    batchSize: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_BATCH_SIZE,
        default: 100,
        description: 'records per request in batch mode; records per write in single mode',
      }),
    ),
    concurrency: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_CONCURRENCY, default: 4, description: 'requests in flight' }),
    ),
    rateLimit: Type.Optional(
      Type.Object(
        {
          requests: Type.Integer({ minimum: 1 }),
          perMs: Type.Integer({ minimum: 1 }),
        },
        { additionalProperties: false, description: 'at most `requests` in any `perMs` milliseconds' },
      ),
    ),
    operations: Type.Object(
      Object.fromEntries(TEMPLATE_OPERATIONS.map((op) => [op, Type.Optional(RequestTemplate)])) as Record<
        TemplateOperation,
        Type.TOptional<typeof RequestTemplate>
      >,
      {
        additionalProperties: false,
        minProperties: 1,
        description:
          'a request template per operation; the behaviours a sync may use follow from those given ' +
          '(mirror needs upsert; its deletions need delete, its "clear fields" need clear)',
      },
    ),
    acknowledge: Type.Optional(
      Type.Object(
        {
          path: Path,
          equals: Type.Optional(
            Type.Array(Type.Unknown(), {
              minItems: 1,
              description: 'the values that acknowledge; default any value but null, false and ""',
            }),
          ),
        },
        {
          additionalProperties: false,
          description:
            'what a 2xx answer must hold to acknowledge its records (`{ "path": "ok", "equals": [true] }`); ' +
            'default: the status alone',
        },
      ),
    ),
    results: Type.Optional(
      Type.Object(
        {
          path: Path,
          id: Type.Optional(
            Type.String({ minLength: 1, description: 'the path of the record id in an item; default `id`' }),
          ),
          succeeded: Type.Optional(
            Type.Object(
              { path: Path, equals: Type.Array(Type.Unknown(), { minItems: 1 }) },
              {
                additionalProperties: false,
                description: 'an item succeeded when the value at `path` is one of `equals`',
              },
            ),
          ),
          error: Type.Optional(
            Type.String({
              minLength: 1,
              description: "the path of an item's error message; default `error`",
            }),
          ),
        },
        {
          additionalProperties: false,
          description:
            'batch mode: where the answer lists one result per record, matched by id; without it a batch ' +
            'is all or nothing',
        },
      ),
    ),
    check: Type.Optional(
      Type.Object(
        {
          method: Type.Optional(Type.Union([Type.Literal('GET'), Type.Literal('POST')], { default: 'GET' })),
          path: Type.String({ description: 'below `url`: `/me`' }),
          body: Type.Optional(Type.Unknown()),
        },
        {
          additionalProperties: false,
          description: 'the probe `sluice check` sends; a 2xx passes. Default: GET `url`',
        },
      ),
    ),
  },
  { additionalProperties: false },
)

export type HttpConfig = Static<typeof HttpConfig>
export type RequestTemplate = Static<typeof RequestTemplate>
