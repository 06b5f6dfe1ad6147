import { describe, expect, it } from 'vitest'
import { lastFireTimeBetween, nextFireTime, nextFireTimes } from '../src/index.js'

const at = (iso: string) => Date.parse(iso)
const iso = (dates: Date[]) => dates.map((d) => d.toISOString())

describe('fire times', () => {
  it('cron with five fields, in UTC by default', () => {
    const times = nextFireTimes(
      { type: 'cron', expression: '*/15 9-10 * * 1-5' },
      at('2026-03-06T10:40:00Z'),
      3,
    )
    // Friday 10:45, then Monday 09:00 and 09:15
    expect(iso(times)).toEqual([
      '2026-03-06T10:45:00.000Z',
      '2026-03-09T09:00:00.000Z',
      '2026-03-09T09:15:00.000Z',
    ])
  })

  it('cron with six fields (seconds first) and nicknames', () => {
    expect(nextFireTime({ type: 'cron', expression: '30 * * * * *' }, at('2026-03-06T10:40:00Z'))).toBe(
      at('2026-03-06T10:40:30Z'),
    )
    expect(nextFireTime({ type: 'cron', expression: '@daily' }, at('2026-03-06T10:40:00Z'))).toBe(
      at('2026-03-07T00:00:00Z'),
    )
    expect(nextFireTime({ type: 'cron', expression: '@hourly' }, at('2026-03-06T10:40:00Z'))).toBe(
      at('2026-03-06T11:00:00Z'),
    )
  })

  it('a schedule shared by many syncs answers each time asked, whatever was asked before', () => {
    const every10s = { type: 'cron', expression: '*/10 * * * * *' } as const
    const inParis = { ...every10s, timezone: 'Europe/Paris' }
    const hourly = { type: 'cron', expression: '0 * * * *', timezone: 'Asia/Kolkata' } as const
    const asked = [
      [every10s, '2026-03-06T10:40:01Z', '2026-03-06T10:40:10Z'],
      [every10s, '2026-03-06T10:40:01Z', '2026-03-06T10:40:10Z'],
      [inParis, '2026-03-06T10:40:01Z', '2026-03-06T10:40:10Z'],
      [hourly, '2026-03-06T10:40:01Z', '2026-03-06T11:30:00Z'],
      [every10s, '2026-03-06T10:40:10Z', '2026-03-06T10:40:20Z'],
      [every10s, '2026-03-06T10:40:01Z', '2026-03-06T10:40:10Z'],
      [hourly, '2026-03-06T11:30:00Z', '2026-03-06T12:30:00Z'],
    ] as const
    expect(
      asked.map(([schedule, after]) => new Date(nextFireTime(schedule, at(after))!).toISOString()),
    ).toEqual(asked.map(([, , next]) => new Date(at(next)).toISOString()))
  })

  it('cron in a time zone, across the spring-forward change', () => {
    // Paris moves from 02:00 CET to 03:00 CEST on 2026-03-29: 02:30 does not exist that day
    const times = nextFireTimes(
      { type: 'cron', expression: '30 2 * * *', timezone: 'Europe/Paris' },
      at('2026-03-27T12:00:00Z'),
      4,
    )
    expect(times).toHaveLength(4)
    // once a day, never twice, and back at 02:30 local (00:30 UTC in summer) afterwards
    expect(iso(times)[0]).toBe('2026-03-28T01:30:00.000Z')
    expect(iso(times)[2]).toBe('2026-03-30T00:30:00.000Z')
    expect(iso(times)[3]).toBe('2026-03-31T00:30:00.000Z')
    const days = times.map((d) => d.toISOString().slice(0, 10))
    expect(new Set(days).size).toBe(4)
  })

  it('cron in a time zone, across the fall-back change: a daily job fires once', () => {
    // New York repeats 01:00–02:00 on 2026-11-01
    const times = nextFireTimes(
      { type: 'cron', expression: '30 1 * * *', timezone: 'America/New_York' },
      at('2026-10-31T12:00:00Z'),
      3,
    )
    expect(iso(times)).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
      '2026-11-03T06:30:00.000Z',
    ])
  })

  it('an hourly cron in a time zone stays on the hour across DST', () => {
    const times = nextFireTimes(
      { type: 'cron', expression: '0 * * * *', timezone: 'Europe/Paris' },
      at('2026-03-29T00:30:00Z'),
      3,
    )
    expect(iso(times)).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T02:00:00.000Z',
      '2026-03-29T03:00:00.000Z',
    ])
  })

  it('intervals are aligned to the epoch', () => {
    expect(iso(nextFireTimes({ type: 'interval', every: '15m' }, at('2026-03-06T10:40:00Z'), 2))).toEqual([
      '2026-03-06T10:45:00.000Z',
      '2026-03-06T11:00:00.000Z',
    ])
    expect(nextFireTime({ type: 'interval', every: '1d' }, at('2026-03-06T10:40:00Z'))).toBe(
      at('2026-03-07T00:00:00Z'),
    )
  })

  it('manual and after schedules never fire on their own', () => {
    expect(nextFireTime({ type: 'manual' }, 0)).toBeUndefined()
    expect(nextFireTimes({ type: 'after', sync: 'a' }, 0, 3)).toEqual([])
  })

  it('finds the latest fire time missed in a window', () => {
    const every = { type: 'interval', every: '1h' } as const
    expect(lastFireTimeBetween(every, at('2026-03-06T08:30:00Z'), at('2026-03-06T10:40:00Z'))).toBe(
      at('2026-03-06T10:00:00Z'),
    )
    expect(lastFireTimeBetween(every, at('2026-03-06T10:30:00Z'), at('2026-03-06T10:40:00Z'))).toBeUndefined()
    const cron = { type: 'cron', expression: '0 9 * * *', timezone: 'UTC' } as const
    expect(lastFireTimeBetween(cron, at('2026-03-01T10:00:00Z'), at('2026-03-06T10:40:00Z'))).toBe(
      at('2026-03-06T09:00:00Z'),
    )
  })
})
