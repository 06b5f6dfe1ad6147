import { parseInterval, type Schedule } from '@sluice/core'
import { Cron } from 'croner'

/** Schedules that fire on their own: cron and interval. Manual and `after` syncs have no fire times. */
export type TimedSchedule = Extract<Schedule, { type: 'cron' | 'interval' }>

export function isTimed(schedule: Schedule): schedule is TimedSchedule {
  return schedule.type === 'cron' || schedule.type === 'interval'
}

/**
 * The first fire time strictly after `after` (ms since the epoch), or undefined when the schedule never
 * fires again. Intervals are aligned to the epoch (every 15m fires at :00, :15, :30, :45 UTC), so fire
 * times do not drift with restarts. Cron runs in its time zone (UTC by default): croner resolves
 * times that a DST change skips or repeats, so a daily 02:30 fires once on those days too.
 */
export function nextFireTime(schedule: Schedule, after: number): number | undefined {
  if (schedule.type === 'interval') {
    const every = parseInterval(schedule.every)
    return (Math.floor(after / every) + 1) * every
  }
  if (schedule.type === 'cron') {
    const entry = cronFor(schedule)
    // Syncs that share a schedule ask for the same next time together (a thousand due at one
    // instant): working it out once spares croner's search, about a millisecond each.
    if (entry.after !== after) {
      entry.after = after
      entry.next = entry.cron.nextRun(new Date(after))?.getTime()
    }
    return entry.next
  }
  return undefined
}

/** The next `count` fire times after `after`. */
export function nextFireTimes(schedule: Schedule, after: number, count: number): Date[] {
  const times: Date[] = []
  let from = after
  while (times.length < count) {
    const next = nextFireTime(schedule, from)
    if (next === undefined) break
    times.push(new Date(next))
    from = next
  }
  return times
}

/** The latest fire time in (from, to], or undefined when none fell in it: for catch-up after downtime. */
export function lastFireTimeBetween(schedule: Schedule, from: number, to: number): number | undefined {
  if (schedule.type === 'interval') {
    const every = parseInterval(schedule.every)
    const last = Math.floor(to / every) * every
    return last > from ? last : undefined
  }
  if (schedule.type !== 'cron') return undefined
  const first = nextFireTime(schedule, from)
  if (first === undefined || first > to) return undefined
  // Walk forward; a schedule that fired very often while down is bounded by the loop, and the caller
  // only needs to know that one fell in the window, so stop early past a thousand.
  let last = first
  for (let i = 0; i < 1000; i++) {
    const next = nextFireTime(schedule, last)
    if (next === undefined || next > to) break
    last = next
  }
  return last
}

/** A schedule's croner, with the last next time it was asked for. */
interface CronEntry {
  cron: Cron
  after?: number
  next?: number
}

const crons = new Map<string, CronEntry>()

function cronFor(schedule: Extract<Schedule, { type: 'cron' }>): CronEntry {
  const key = `${schedule.timezone ?? 'UTC'} ${schedule.expression}`
  let entry = crons.get(key)
  if (!entry) {
    entry = { cron: new Cron(schedule.expression, { paused: true, timezone: schedule.timezone ?? 'UTC' }) }
    crons.set(key, entry)
  }
  return entry
}
