import { afterEach, describe, expect, it } from 'vitest'
import { type Harness, harness } from './helpers.js'

/**
 * Each behaviour over three runs: an initial load, then a run where row 1 changed, row 2 left the model
 * and row 4 arrived, then a run where nothing changed.
 */
const seed = `INSERT INTO people VALUES (1, 'a@x.io', 'Ada', 1), (2, 'b@x.io', 'Bob', 2), (3, 'c@x.io', 'Cy', 3)`
const evolve = [
  `UPDATE people SET email = 'a2@x.io' WHERE id = 1`,
  `DELETE FROM people WHERE id = 2`,
  `INSERT INTO people VALUES (4, 'd@x.io', 'Di', 4)`,
]

let h: Harness
afterEach(async () => h?.cleanup())

async function threeRuns(h: Harness) {
  await h.sql(seed)
  const first = await h.run()
  const firstOps = h.destination.ops()
  h.destination.clearLog()
  for (const s of evolve) await h.sql(s)
  const second = await h.run()
  const secondOps = h.destination.ops()
  h.destination.clearLog()
  const third = await h.run()
  return { first, second, third, firstOps, secondOps, thirdOps: h.destination.ops() }
}

describe('behaviours', () => {
  it('upsert sends added and changed rows, ignores removed rows', async () => {
    h = await harness({ behaviour: 'upsert' })
    const r = await threeRuns(h)
    expect(r.firstOps).toEqual(['upsert:1', 'upsert:2', 'upsert:3'])
    expect(r.secondOps).toEqual(['upsert:1', 'upsert:4'])
    expect(r.thirdOps).toEqual([])
    // the removed row is not sent, and says so
    expect(r.second.run.counts).toMatchObject({ added: 1, changed: 1, removed: 1, unchanged: 1, skipped: 1 })
    expect(r.second.run.status).toBe('succeeded')
    expect(r.third.run.counts).toMatchObject({ added: 0, changed: 0, removed: 0, unchanged: 3 })
    expect(h.destination.records.get('1')).toEqual({
      external_id: 1,
      email: 'a2@x.io',
      profile: { name: 'Ada' },
    })
    expect(h.destination.records.has('2')).toBe(true)
  })

  it('update sends updates for added and changed rows only', async () => {
    h = await harness({ behaviour: 'update' })
    const r = await threeRuns(h)
    expect(r.firstOps).toEqual(['update:1', 'update:2', 'update:3'])
    expect(r.secondOps).toEqual(['update:1', 'update:4'])
    expect(r.thirdOps).toEqual([])
  })

  it('create sends only rows new to the snapshot', async () => {
    h = await harness({ behaviour: 'create' })
    const r = await threeRuns(h)
    // the changed row and the removed row are counted as skipped, not silently dropped
    expect(r.second.run.counts).toMatchObject({ changed: 1, removed: 1, skipped: 2 })
    expect(r.third.run.counts.skipped).toBe(0)
    expect(r.firstOps).toEqual(['create:1', 'create:2', 'create:3'])
    expect(r.secondOps).toEqual(['create:4'])
    expect(r.thirdOps).toEqual([])
  })

  it('append sends added and changed rows as new entries', async () => {
    h = await harness({ behaviour: 'append' })
    const r = await threeRuns(h)
    expect(r.firstOps).toEqual(['append:1', 'append:2', 'append:3'])
    expect(r.secondOps).toEqual(['append:1', 'append:4'])
    expect(r.thirdOps).toEqual([])
  })

  it('delete deletes the rows the model lists, once', async () => {
    h = await harness({ behaviour: 'delete' })
    const r = await threeRuns(h)
    expect(r.firstOps).toEqual(['delete:1', 'delete:2', 'delete:3'])
    expect(r.secondOps).toEqual(['delete:4'])
    expect(r.thirdOps).toEqual([])
    expect(h.destination.sent).toEqual([])
  })

  it('mirror with delete removes rows that left the model', async () => {
    h = await harness({ behaviour: 'mirror', deleteBehaviour: 'delete' })
    const r = await threeRuns(h)
    expect(r.firstOps).toEqual(['upsert:1', 'upsert:2', 'upsert:3'])
    expect(r.secondOps).toEqual(['delete:2', 'upsert:1', 'upsert:4'])
    expect(r.thirdOps).toEqual([])
    expect([...h.destination.records.keys()].sort()).toEqual(['1', '3', '4'])
  })

  it('mirror with clear empties the mapped fields of rows that left', async () => {
    h = await harness({ behaviour: 'mirror', deleteBehaviour: 'clear' })
    const r = await threeRuns(h)
    expect(r.secondOps).toEqual(['clear:2', 'upsert:1', 'upsert:4'])
    expect(h.destination.records.get('2')).toEqual({ external_id: '2', email: null, profile: { name: null } })
    expect(r.thirdOps).toEqual([])
  })

  it('mirror with nothing leaves rows that left, and sends them again if they return', async () => {
    h = await harness({ behaviour: 'mirror', deleteBehaviour: 'nothing' })
    const r = await threeRuns(h)
    expect(r.secondOps).toEqual(['upsert:1', 'upsert:4'])
    expect(h.destination.records.has('2')).toBe(true)
    await h.sql(`INSERT INTO people VALUES (2, 'b@x.io', 'Bob', 2)`)
    h.destination.clearLog()
    await h.run()
    expect(h.destination.ops()).toEqual(['upsert:2'])
  })

  it('mirror never touches destination records outside the snapshot', async () => {
    h = await harness({ behaviour: 'mirror', deleteBehaviour: 'delete' })
    h.destination.records.set('999', { external_id: 999, email: 'someone-else@x.io' })
    await h.sql(seed)
    await h.run()
    await h.sql('DELETE FROM people')
    // an emptied model is what the empty-model safeguard stops; forced, it deletes the synced records
    const second = await h.run({ force: true })
    expect(second.run.counts.removed).toBe(3)
    expect(h.destination.ops()).toEqual([
      'delete:1',
      'delete:2',
      'delete:3',
      'upsert:1',
      'upsert:2',
      'upsert:3',
    ])
    expect([...h.destination.records.keys()]).toEqual(['999'])
  })
})
