import { compileMapping, planRow, stringifyExact } from '@sluice/core'
import { type Behaviour, type DeleteBehaviour, type Row, silentLogger } from '@sluice/core/contract'
import { afterEach, describe, expect, it } from 'vitest'
import { type Harness, harness } from './helpers.js'

/**
 * `sluice test-row` and dry-run previews plan a record with `planRow`; a run plans it from the diff.
 * These prove the two are byte for byte the same, numeric identifiers included (a delete's payload
 * keeps the identifier's type, not its text).
 */
let h: Harness
afterEach(async () => h?.cleanup())

async function rowOf(id: number): Promise<{ row: Row; columns: string[] }> {
  const sql = 'SELECT * FROM people'
  const columns = (
    await h.source.describe(sql, { signal: new AbortController().signal, log: silentLogger })
  ).map((c) => c.name)
  for await (const chunk of h.source.query(`${sql} WHERE id = ${id}`)) return { row: chunk[0]!, columns }
  throw new Error(`no row ${id}`)
}

const cases: Array<{ behaviour: Behaviour; deleteBehaviour?: DeleteBehaviour; kind: 'added' | 'removed' }> = [
  { behaviour: 'upsert', kind: 'added' },
  { behaviour: 'delete', kind: 'added' },
  { behaviour: 'mirror', deleteBehaviour: 'delete', kind: 'removed' },
  { behaviour: 'mirror', deleteBehaviour: 'clear', kind: 'removed' },
]

describe('planRow plans a record exactly as a run sends it', () => {
  for (const { behaviour, deleteBehaviour, kind } of cases) {
    it(`${behaviour}${deleteBehaviour ? ` (${deleteBehaviour})` : ''}, a row ${kind}`, async () => {
      h = await harness({ behaviour, ...(deleteBehaviour ? { deleteBehaviour } : {}) })
      await h.sql(`INSERT INTO people VALUES (7, 'g@x.io', 'Gus', 70), (8, 'h@x.io', 'Hal', 80)`)
      const { row, columns } = await rowOf(7)
      if (kind === 'removed') {
        await h.run()
        await h.sql('DELETE FROM people WHERE id = 7')
        h.destination.clearLog()
      }
      await h.run()
      const sent = h.destination.sent.find((s) => s.identifier === '7')
      expect(sent, 'the run sent row 7').toBeDefined()

      const planned = planRow(
        kind === 'removed' ? undefined : row,
        '7',
        kind,
        h.sync,
        compileMapping(h.sync, columns),
      )
      expect(planned.step).toBe(sent!.operation)
      expect(stringifyExact(planned.record!.fields)).toBe(stringifyExact(sent!.fields))
      expect(planned.record!.identifier).toBe(sent!.identifier)
    })
  }

  it('keeps a numeric identifier numeric in a delete, as the run does', async () => {
    h = await harness({ behaviour: 'delete' })
    await h.sql(`INSERT INTO people VALUES (7, 'g@x.io', 'Gus', 70)`)
    const { row, columns } = await rowOf(7)
    const planned = planRow(row, '7', 'added', h.sync, compileMapping(h.sync, columns))
    expect(planned.record?.fields).toEqual({ external_id: 7 })
  })
})
