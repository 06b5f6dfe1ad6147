import { extname, resolve } from 'node:path'
import { type Operation, SluiceError, type TrackingStatus } from '@sluice/core'
import { EXIT } from '../exit-codes.js'
import type { CommandInput } from '../framework/spec.js'
import { n, paintFor, table, toJson } from '../output/format.js'
import { openLake, type TrackedRow } from '../project/lake.js'
import { openProject } from '../project/project.js'
import { readRun } from '../project/state.js'

const clip = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text)

function exportFormat(file: string): 'csv' | 'jsonl' {
  const ext = extname(file).toLowerCase()
  if (ext === '.csv') return 'csv'
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl'
  throw new SluiceError('config', `--export needs a .csv or .jsonl file, found "${file}".`, {
    code: 'BAD_USAGE',
  })
}

export default async function run({ positionals, values, global }: CommandInput): Promise<number> {
  const exportTo = values.export === undefined ? undefined : resolve(global.cwd, values.export as string)
  const format = exportTo === undefined ? undefined : exportFormat(exportTo)
  const limit = values.limit === undefined ? 50 : Number(values.limit)
  if (!Number.isInteger(limit) || limit < 1) {
    throw new SluiceError('config', `--limit must be a whole number ≥ 1, found "${values.limit}".`, {
      code: 'BAD_USAGE',
    })
  }
  const status = values.status as TrackingStatus[] | undefined
  const operation = values.operation as Operation[] | undefined
  const identifier = values.search as string | undefined

  const project = await openProject(global, { connect: false })
  const run = await readRun(project, positionals[0]!)
  const lake = openLake(project)
  try {
    const ref = { sync: run.sync, runId: run.id }
    const tracking = await lake.runState(ref)
    if (tracking.state === 'purged') {
      process.stderr.write(
        `row-level tracking for run ${run.id} was removed by retention (on ${tracking.purged.purgedAt}, after ${tracking.purged.retentionDays} days).\n`,
      )
      return EXIT.failed
    }
    if (exportTo !== undefined && format !== undefined) {
      const { rows } = await lake.export({ ...ref, status, operation, identifier, format, to: exportTo })
      process.stdout.write(
        global.json
          ? `${toJson({ file: exportTo, rows, format })}\n`
          : `wrote ${n(rows)} rows to ${exportTo}\n`,
      )
      return EXIT.ok
    }
    let rows: TrackedRow[]
    let total: number
    if (values.sample) {
      rows = await lake.sample({ ...ref, status })
      total = rows.length
    } else {
      const page = await lake.records({ ...ref, status, operation, identifier, limit })
      rows = page.rows
      total = page.total
    }
    if (global.json) {
      for (const row of rows) process.stdout.write(`${toJson(row)}\n`)
      return EXIT.ok
    }
    const paint = paintFor(process.stdout)
    if (rows.length === 0) {
      process.stdout.write(
        tracking.state === 'empty' ? `run ${run.id} tracked no rows.\n` : 'no rows match.\n',
      )
      return EXIT.ok
    }
    const statusCell = (s: TrackingStatus) =>
      s === 'succeeded' ? paint.green(s) : s === 'rejected' ? paint.red(s) : paint.yellow(s)
    const body = rows.map((row) => [
      row.identifier ?? paint.dim('NULL'),
      row.operation ?? '',
      statusCell(row.status),
      clip(row.message ?? '', 90),
      ...(values.payload ? [clip(row.payload, 120)] : []),
    ])
    const header = ['identifier', 'operation', 'status', 'message', ...(values.payload ? ['payload'] : [])]
    process.stdout.write(`${table(header, body)}\n`)
    const shown = values.sample ? `a sample of ${n(rows.length)}` : `${n(rows.length)} of ${n(total)}`
    process.stdout.write(paint.dim(`${shown} rows · run ${run.id} (${run.sync})\n`))
    return EXIT.ok
  } finally {
    await lake.close()
  }
}
