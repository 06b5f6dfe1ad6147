import type { ConnectorContext, RunInfo, WriteBatch } from '@sluice/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type Harness, harness } from './helpers.js'

/** What the engine tells a destination about the run: its id and sync, why a record is sent, its end. */
let h: Harness
afterEach(async () => h?.cleanup())

const seed = `INSERT INTO people VALUES (1, 'a@x.io', 'Ada', 1), (2, 'b@x.io', 'Bob', 2), (3, 'c@x.io', 'Cy', 3)`

function watch(h: Harness) {
  const seen = {
    runs: [] as Array<RunInfo | undefined>,
    finished: [] as Array<RunInfo | undefined>,
    changes: [] as string[],
  }
  const write = h.destination.write.bind(h.destination)
  h.destination.write = async (batch: WriteBatch, ctx: ConnectorContext) => {
    seen.runs.push(ctx.run)
    for (const r of batch.records) seen.changes.push(`${batch.operation}:${r.identifier}:${r.change}`)
    return write(batch, ctx)
  }
  Object.assign(h.destination, {
    async finishRun(ctx: ConnectorContext) {
      seen.finished.push(ctx.run)
    },
  })
  return seen
}

describe('the run as a destination sees it', () => {
  it('passes the run to every write, says why each record is sent, and finishes a run that succeeded', async () => {
    h = await harness({ behaviour: 'mirror', deleteBehaviour: 'delete' })
    await h.sql(seed)
    const seen = watch(h)
    const { run } = await h.run()
    expect(run.status).toBe('succeeded')
    const info = { id: run.id, sync: 'people_to_memory', startedAt: run.startedAt }
    expect(seen.runs.length).toBeGreaterThan(0)
    for (const r of seen.runs) expect(r).toEqual(info)
    expect(seen.finished).toEqual([info])

    await h.sql(`UPDATE people SET name = 'Bobby' WHERE id = 2`)
    await h.sql(`DELETE FROM people WHERE id = 3`)
    await h.sql(`INSERT INTO people VALUES (4, 'd@x.io', 'Di', 4)`)
    seen.changes.length = 0
    await h.run()
    expect(seen.changes.sort()).toEqual(['delete:3:removed', 'upsert:2:changed', 'upsert:4:added'])
  })

  it('does not finish a run that failed', async () => {
    h = await harness()
    await h.sql(seed)
    const seen = watch(h)
    h.destination.fail = () => new Error('the bucket went away')
    const { run } = await h.run()
    expect(run.status).toBe('failed')
    expect(seen.finished).toEqual([])
  })

  it('fails the run when finishing it fails', async () => {
    h = await harness()
    await h.sql(seed)
    Object.assign(h.destination, {
      async finishRun() {
        throw new Error('could not write the manifest')
      },
    })
    const { run } = await h.run()
    expect(run.status).toBe('failed')
    expect(run.error?.message).toContain('could not write the manifest')
  })

  it('sends every row every run to a destination that wants every row', async () => {
    h = await harness()
    await h.sql(seed)
    Object.assign(h.destination, { wantsEveryRow: true })
    await h.run()
    h.destination.clearLog()
    const { run } = await h.run()
    expect(run.mode).toBe('full_resync')
    expect(h.destination.ops()).toEqual(['upsert:1', 'upsert:2', 'upsert:3'])
  })
})
