import * as core from '@sluice/core'
import { describe, expect, it } from 'vitest'
import { OPERATIONS, RUN_STATUSES, TRACKING_STATUSES } from '../src/framework/choices.js'

// The flags' allowed values are copied so that parsing never loads core: they must not drift.
describe('flag choices', () => {
  it('match the statuses and operations core defines', () => {
    expect(RUN_STATUSES).toEqual(core.RUN_STATUSES)
    expect(TRACKING_STATUSES).toEqual(core.TRACKING_STATUSES)
    expect(OPERATIONS).toEqual(core.OPERATIONS)
  })
})
