import { describe, expect, it } from 'vitest'
import { cronProblem, defineConfig, isTimeZone, parseInterval } from '../src/index.js'

describe('schedule helpers', () => {
  it('turns intervals into milliseconds', () => {
    expect(parseInterval('30s')).toBe(30_000)
    expect(parseInterval('15m')).toBe(900_000)
    expect(parseInterval('2h')).toBe(7_200_000)
    expect(parseInterval('1d')).toBe(86_400_000)
    expect(parseInterval('1w')).toBe(604_800_000)
  })

  it('refuses what is not an interval', () => {
    for (const bad of ['0m', '15', 'm', '1.5h', '15 m', '1y'])
      expect(() => parseInterval(bad)).toThrow(RangeError)
  })

  it('says why a cron expression cannot run', () => {
    expect(cronProblem('*/5 * * * *')).toBeUndefined()
    expect(cronProblem('0 0 6 * * MON-FRI')).toBeUndefined()
    expect(cronProblem('@daily')).toBeUndefined()
    expect(cronProblem('0 25 * * *')).toMatch(/hour/)
    expect(cronProblem('every day')).toMatch(/five or six/)
  })

  it('knows IANA time zones', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true)
    expect(isTimeZone('UTC')).toBe(true)
    expect(isTimeZone('Europe/Atlantis')).toBe(false)
  })
})

describe('defineConfig', () => {
  it('returns the config it is given', () => {
    const config = defineConfig({
      sources: { wh: { type: 'duckdb' } },
      destinations: { crm: { type: 'crm' } },
      models: { m: { source: 'wh', table: 't' } },
      syncs: {
        a: {
          model: 'm',
          destination: 'crm',
          object: 'contacts',
          behaviour: 'upsert',
          identifier: { column: 'id', field: 'id' },
        },
        b: {
          model: 'm',
          destination: 'crm',
          object: 'contacts',
          behaviour: 'update',
          identifier: { column: 'id', field: 'id' },
          schedule: { type: 'after', sync: 'a' },
        },
      },
    })
    expect(Object.keys(config.syncs)).toEqual(['a', 'b'])
  })

  it('lets the compiler catch references to entries that do not exist', () => {
    // Each @ts-expect-error fails the typecheck if the compiler stops catching that typo.
    const config = defineConfig({
      sources: { wh: { type: 'duckdb' } },
      destinations: { crm: { type: 'crm' } },
      // @ts-expect-error: no source "warehouse"
      models: { m: { source: 'warehouse', table: 't' } },
      syncs: {
        a: {
          // @ts-expect-error: no model "n"
          model: 'n',
          destination: 'crm',
          object: 'contacts',
          behaviour: 'upsert',
          identifier: { column: 'id', field: 'id' },
          // @ts-expect-error: no sync "z"
          schedule: { type: 'after', sync: 'z' },
        },
      },
    })
    expect(config.models.m).toBeDefined()
  })
})
