import { afterEach, describe, expect, it } from 'vitest'
import { type Harness, harness } from './helpers.js'

let h: Harness
afterEach(async () => h?.cleanup())

const seed = `INSERT INTO people SELECT range, 'p' || range || '@x.io', 'P' || range, 0 FROM range(1, 21)`

describe('safeguards', () => {
  it('stop a mirror whose model suddenly returns no rows, until --force', async () => {
    h = await harness({ behaviour: 'mirror' })
    await h.sql(seed)
    expect((await h.run()).run.status).toBe('succeeded')
    h.destination.clearLog()

    await h.sql('DELETE FROM people')
    const stopped = (await h.run()).run
    expect(stopped.status).toBe('failed')
    expect(stopped.error).toMatchObject({ code: 'SAFEGUARD_TRIPPED' })
    expect(stopped.error!.message).toContain('the model returned no rows, so this run would remove all 20')
    expect(h.destination.ops()).toEqual([])
    expect(h.destination.records.size).toBe(20)

    // the next run sees the same removals: nothing was committed in between
    expect((await h.run()).run.error).toMatchObject({ code: 'SAFEGUARD_TRIPPED' })
    const forced = (await h.run({ force: true })).run
    expect(forced.status).toBe('succeeded')
    expect(h.destination.records.size).toBe(0)
  })

  it('an empty model may be allowed; an upsert, which removes nothing, is never stopped for it', async () => {
    h = await harness({ behaviour: 'mirror', sync: { safeguards: { allowEmptyModel: true } } })
    await h.sql(seed)
    await h.run()
    await h.sql('DELETE FROM people')
    expect((await h.run()).run.status).toBe('succeeded')
    await h.cleanup()

    h = await harness({ behaviour: 'upsert' })
    await h.sql(seed)
    await h.run()
    await h.sql('DELETE FROM people')
    expect((await h.run()).run.status).toBe('succeeded')
  })

  it('stop a run that would remove or change more than the limit, as a count or a share', async () => {
    h = await harness({ behaviour: 'mirror', sync: { safeguards: { maxRemoved: '10%', maxChanged: 5 } } })
    await h.sql(seed)
    await h.run()
    h.destination.clearLog()

    // 3 of 20 is 15%: more than 10% (2 records)
    await h.sql('DELETE FROM people WHERE id <= 3')
    const removing = (await h.run()).run
    expect(removing.error).toMatchObject({ code: 'SAFEGUARD_TRIPPED' })
    expect(removing.error!.message).toContain(
      'this run would remove 3 of 20 synced records, more than the limit of 10% (2)',
    )
    expect(h.destination.ops()).toEqual([])

    await h.sql(`INSERT INTO people SELECT range, 'p' || range || '@x.io', 'P' || range, 0 FROM range(1, 4)`)
    await h.sql(`UPDATE people SET name = name || '!' WHERE id <= 6`)
    const changing = (await h.run()).run
    expect(changing.error!.message).toContain(
      'this run would change 6 of 20 synced records, more than the limit of 5',
    )

    await h.sql(`UPDATE people SET name = 'P6' WHERE id = 6`)
    expect((await h.run()).run.status).toBe('succeeded')
    expect(h.destination.ops()).toHaveLength(5)
  })
})
