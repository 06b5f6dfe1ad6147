import {
  compileMapping,
  identifierText,
  planRow,
  planStep,
  quoteIdentifier,
  type RecordResult,
  type Row,
  redact,
  resolveModelSql,
  SluiceError,
  sqlLiteral,
  type WriteBatch,
} from '@sluice/core'
import { EXIT } from '../exit-codes.js'
import type { KINDS } from '../framework/choices.js'
import type { CommandInput } from '../framework/spec.js'
import { type Paint, paintFor, toJson } from '../output/format.js'
import { connectDestination, connectorContext, connectSource } from '../project/connect.js'
import { captureHttp, type Exchange } from '../project/http-capture.js'
import { openProject, requireSync } from '../project/project.js'

type Kind = (typeof KINDS)[number]

function pretty(body: string, limit = 4000): string {
  let shown = body
  try {
    shown = JSON.stringify(JSON.parse(body), null, 2)
  } catch {
    // not JSON: shown as it came
  }
  return shown.length > limit
    ? `${shown.slice(0, limit)}\n… (${shown.length - limit} more characters)`
    : shown
}

function exchangeLines(exchange: Exchange, paint: Paint): string[] {
  const indent = (text: string) => text.split('\n').map((line) => `    ${line}`)
  const lines = [paint.bold(`→ ${exchange.method} ${exchange.url}`)]
  for (const [name, value] of Object.entries(exchange.requestHeaders))
    lines.push(paint.dim(`    ${name}: ${value}`))
  if (exchange.requestBody) lines.push(...indent(pretty(exchange.requestBody)))
  if (exchange.error) lines.push(paint.red(`← ${exchange.error}`))
  else {
    const status = exchange.status ?? 0
    const colour = status >= 200 && status < 300 ? paint.green : status >= 400 ? paint.red : paint.yellow
    lines.push(colour(`← ${status}`))
    for (const [name, value] of Object.entries(exchange.responseHeaders))
      lines.push(paint.dim(`    ${name}: ${value}`))
    if (exchange.responseBody) lines.push(...indent(pretty(exchange.responseBody)))
  }
  return lines
}

export default async function run({ positionals, values, global }: CommandInput): Promise<number> {
  const id = values.id as string | undefined
  if (id === undefined) {
    throw new SluiceError('config', 'test-row needs --id <identifier>: the row to send.', {
      code: 'BAD_USAGE',
    })
  }
  const kind = (values.as as Kind | undefined) ?? 'added'
  const project = await openProject(global)
  const sync = requireSync(project, positionals[0]!)
  const model = project.resolved.models[sync.model]!
  const sourceType = project.resolved.sources[model.source]!.type
  const dialect = project.connectors.sources![sourceType]!.capabilities.dialect
  const ctx = connectorContext(AbortSignal.timeout(120_000))
  const paint = paintFor(process.stdout)

  // Only the step here: the record is planned below, once the row is read, as a run plans it.
  const step = planStep(sync.behaviour, kind, sync.deleteBehaviour)
  if (step === 'accept' || step === 'forget') {
    process.stdout.write(
      `A ${kind} row sends nothing for a ${sync.behaviour} sync${sync.deleteBehaviour ? ` (delete behaviour ${sync.deleteBehaviour})` : ''}: nothing to test.\n`,
    )
    return EXIT.ok
  }

  // The row, as the model has it now.
  const source = connectSource(project, model.source, ctx)
  const rows: Row[] = []
  let columns: string[] = []
  try {
    const sql = resolveModelSql(model, { dialect, projectDir: project.resolved.dir })
    const column = sync.identifier.column
    const where = column.includes('.')
      ? ''
      : ` WHERE CAST(${quoteIdentifier(column, dialect)} AS VARCHAR) = ${sqlLiteral(id, dialect)}`
    columns = (await source.describe(sql, ctx)).map((c) => c.name)
    const mapper = compileMapping(sync, columns)
    for await (const chunk of source.query(`SELECT * FROM (${sql}) AS sluice_model${where}`, {
      signal: ctx.signal,
    })) {
      for (const row of chunk) if (identifierText(mapper.identifier(row)) === id) rows.push(row)
    }
  } finally {
    await source.close?.()
  }
  const mapper = compileMapping(sync, columns)
  if (rows.length > 1) {
    process.stdout.write(
      `${paint.yellow('▲')} ${rows.length} rows of the model have ${sync.identifier.column} = ${id}: a run tracks them all as DUPLICATE and sends none.\n`,
    )
    return EXIT.failed
  }
  const row = rows[0]
  if (row === undefined && kind !== 'removed') {
    throw new SluiceError(
      'config',
      `no row of model "${sync.model}" has ${sync.identifier.column} = ${id}.`,
      {
        code: 'ROW_NOT_FOUND',
        hint: 'Check the value, or use --as removed to send the removal of a row that left the model.',
      },
    )
  }
  // The engine's own plan for this row: byte for byte the record a run would send.
  const planned = planRow(row, id, kind, sync, mapper)
  if (planned.record === undefined) throw new Error(`planned ${planned.step} for a row planned to send`)
  const operation = planned.step
  const fields = planned.record.fields
  const batch: WriteBatch = {
    object: sync.object,
    operation,
    identifierField: sync.identifier.field,
    records: [planned.record],
  }

  const out: string[] = []
  out.push(paint.bold(`${sync.name}: ${id} as ${kind} → ${operation} on ${sync.destination} ${sync.object}`))
  if (row)
    out.push(
      '',
      paint.bold('Model row:'),
      ...toJson(row, 2)
        .split('\n')
        .map((l) => `  ${l}`),
    )
  out.push(
    '',
    paint.bold('Mapped payload:'),
    ...redact(toJson(fields, 2))
      .split('\n')
      .map((l) => `  ${l}`),
    '',
  )

  const destination = connectDestination(project, sync.destination, ctx)
  let result: RecordResult | undefined
  let exchanges: Exchange[] = []
  let failure: unknown
  try {
    const invalid = planned.invalid ?? (await destination.validate?.(batch, ctx))?.[0]
    if (invalid !== undefined) {
      out.push(`${paint.yellow('▲ invalid')}: ${invalid}`, 'It would be tracked as invalid and never sent.')
      process.stdout.write(`${out.join('\n')}\n`)
      return EXIT.failed
    }
    const captured = await captureHttp(async () => {
      try {
        return await destination.write(batch, ctx)
      } catch (error) {
        failure = error
        return []
      }
    })
    exchanges = captured.exchanges
    result = captured.result[0]
  } finally {
    await destination.close?.()
  }

  if (global.json) {
    const error = failure instanceof Error ? redact(failure.message) : undefined
    process.stdout.write(
      `${toJson({ sync: sync.name, identifier: id, kind, operation, payload: JSON.parse(redact(toJson(fields))), exchanges, result: result ?? null, error })}\n`,
    )
    return result?.status === 'succeeded' ? EXIT.ok : EXIT.failed
  }
  for (const exchange of exchanges) out.push(...exchangeLines(exchange, paint), '')
  if (failure !== undefined) {
    out.push(
      paint.red(
        `✖ the request failed: ${redact(failure instanceof Error ? failure.message : String(failure))}`,
      ),
    )
  } else if (result?.status === 'succeeded') {
    out.push(paint.green('✔ succeeded'))
  } else if (result) {
    out.push(paint.red(`✖ rejected: ${result.reason}`))
  }
  out.push(paint.dim("The sync's state is unchanged; the next run handles this row as usual."))
  process.stdout.write(`${out.join('\n')}\n`)
  return result?.status === 'succeeded' ? EXIT.ok : EXIT.failed
}
