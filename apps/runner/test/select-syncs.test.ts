import { describe, expect, it } from 'vitest'
import type { Project } from '../src/project/project.js'
import { selectSyncs } from '../src/project/select-syncs.js'

const sync = (name: string, enabled: boolean, labels: string[] = []) => ({ name, enabled, labels })
const project = {
  displayFile: 'sluice.json',
  resolved: {
    syncs: {
      users: sync('users', true, ['crm', 'nightly']),
      paused: sync('paused', false, ['crm']),
      events: sync('events', true, ['nightly']),
      orders: sync('orders', true),
    },
  },
} as unknown as Project

const select = (options: Partial<Parameters<typeof selectSyncs>[1]>) =>
  selectSyncs(project, { names: [], all: false, select: [], force: false, ...options })

describe('selecting the syncs of a run', () => {
  it('runs named syncs in the order named, once each', () => {
    expect(select({ names: ['orders', 'users', 'orders'] })).toEqual({
      syncs: ['orders', 'users'],
      skipped: [],
    })
  })

  it('refuses a disabled sync named outright unless --force', () => {
    expect(() => select({ names: ['users', 'paused'] })).toThrow(
      'sync "paused" is disabled (enabled: false in sluice.json).',
    )
    expect(select({ names: ['paused'], force: true }).syncs).toEqual(['paused'])
  })

  it('--all runs every enabled sync in config order and reports the disabled ones', () => {
    expect(select({ all: true })).toEqual({ syncs: ['users', 'events', 'orders'], skipped: ['paused'] })
    expect(select({ all: true, force: true }).syncs).toEqual(['users', 'paused', 'events', 'orders'])
  })

  it('--select label:x runs the enabled syncs with that label; several selectors add up', () => {
    expect(select({ select: ['label:crm'] })).toEqual({ syncs: ['users'], skipped: ['paused'] })
    expect(select({ select: ['label:nightly', 'orders'] }).syncs).toEqual(['users', 'events', 'orders'])
  })

  it('names an unknown label or sync with what exists', () => {
    expect(() => select({ select: ['label:hourly'] })).toThrow(
      'no sync has the label "hourly" in sluice.json.',
    )
    expect(() => select({ names: ['user'] })).toThrow('no sync "user" in sluice.json. Did you mean "users"?')
  })

  it('asks for syncs when none are named', () => {
    expect(() => select({})).toThrow('name the syncs to run, or use --all or --select label:<label>.')
  })
})
