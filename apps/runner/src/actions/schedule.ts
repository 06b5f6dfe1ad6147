import type { Schedule } from '@sluice/core'
import { SluiceError } from '@sluice/core'
import { nextFireTimes } from '@sluice/scheduler'
import { EXIT } from '../exit-codes.js'
import type { CommandInput } from '../framework/spec.js'
import { paintFor, table, toJson } from '../output/format.js'
import { openProject, requireSync } from '../project/project.js'

export function describeSchedule(schedule: Schedule): string {
  switch (schedule.type) {
    case 'manual':
      return 'manual'
    case 'interval':
      return `every ${schedule.every}`
    case 'cron':
      return `cron ${schedule.expression} (${schedule.timezone ?? 'UTC'})`
    case 'after':
      return `after ${schedule.sync} succeeds`
  }
}

export default async function run({ positionals, values, global }: CommandInput): Promise<number> {
  const count = values.count === undefined ? 3 : Number(values.count)
  if (!Number.isInteger(count) || count < 1 || count > 100) {
    throw new SluiceError(
      'config',
      `--count must be a whole number from 1 to 100, found "${values.count}".`,
      {
        code: 'BAD_USAGE',
      },
    )
  }
  const project = await openProject(global, { connect: false })
  const names = positionals[0]
    ? [requireSync(project, positionals[0]).name]
    : Object.keys(project.resolved.syncs)
  const now = Date.now()
  const rows = names.map((name) => {
    const sync = project.resolved.syncs[name]!
    return {
      sync: name,
      enabled: sync.enabled,
      schedule: sync.schedule,
      nextFireTimes: sync.enabled ? nextFireTimes(sync.schedule, now, count).map((d) => d.toISOString()) : [],
    }
  })
  if (global.json) {
    for (const row of rows) process.stdout.write(`${toJson(row)}\n`)
    return EXIT.ok
  }
  const paint = paintFor(process.stdout)
  const body = rows.map((row) => [
    paint.bold(row.sync),
    describeSchedule(row.schedule),
    !row.enabled
      ? paint.dim('disabled: never scheduled')
      : row.nextFireTimes.length > 0
        ? row.nextFireTimes.join(', ')
        : paint.dim(
            row.schedule.type === 'after' ? `when ${row.schedule.sync} succeeds` : 'only when started',
          ),
  ])
  process.stdout.write(`${table(['sync', 'schedule', 'next fire times (UTC)'], body)}\n`)
  return EXIT.ok
}
