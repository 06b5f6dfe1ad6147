import { Cron } from 'croner'
import { describeValue, type Problem, pointer } from './errors.js'
import { INTERVAL_PATTERN, type Schedule } from './schema.js'

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const

/** `15m` → 900000. Throws on anything the schema's interval pattern refuses. */
export function parseInterval(every: string): number {
  if (!new RegExp(INTERVAL_PATTERN).test(every))
    throw new RangeError(`not an interval: ${JSON.stringify(every)}`)
  const unit = every.slice(-1) as keyof typeof UNIT_MS
  return Number(every.slice(0, -1)) * UNIT_MS[unit]
}

/** Why a cron expression cannot run, in croner's words; undefined when it can. */
export function cronProblem(expression: string): string | undefined {
  try {
    new Cron(expression, { paused: true })
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error)
  }
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** What the schema cannot see in a schedule: whether its cron expression and time zone exist. */
export function scheduleProblems(schedule: Schedule, path: string): Problem[] {
  if (schedule.type !== 'cron') return []
  const problems: Problem[] = []
  const why = cronProblem(schedule.expression)
  if (why) {
    problems.push({
      path: pointer(path, 'expression'),
      expected: 'a cron expression of five fields (minute hour day month weekday), or six with seconds first',
      found: `${describeValue(schedule.expression)} (${why})`,
    })
  }
  if (schedule.timezone !== undefined && !isTimeZone(schedule.timezone)) {
    problems.push({
      path: pointer(path, 'timezone'),
      expected: 'an IANA time zone such as UTC or Europe/Paris',
      found: describeValue(schedule.timezone),
    })
  }
  return problems
}
