import type { AckJournal } from '@sluice/core'
import type pg from 'pg'
import { schemaIdentifier } from './sql.js'

/**
 * The acknowledgement journal as rows of the bookkeeping schema: an append is one INSERT, durable
 * when it commits, so a run on any machine leaves its journal where the next run, on any machine,
 * folds it.
 */
export function journalTable(
  pool: pg.Pool,
  schema: string,
  sync: string,
  ready: () => Promise<void>,
): AckJournal {
  const s = schemaIdentifier(schema)
  return {
    async append(runId, segment, lines) {
      if (lines.length === 0) return
      await ready()
      await pool.query(
        `INSERT INTO ${s}.journal (sync, run_id, segment, line) SELECT $1, $2, $3, unnest($4::text[])`,
        [sync, runId, segment, lines],
      )
    },
    async drop(runId, segment) {
      await ready()
      await pool.query(`DELETE FROM ${s}.journal WHERE sync = $1 AND run_id = $2 AND segment = $3`, [
        sync,
        runId,
        segment,
      ])
    },
    async left() {
      await ready()
      const result = await pool.query<{ run_id: string; segment: number; lines: string[] }>(
        `SELECT run_id, segment, array_agg(line ORDER BY seq) AS lines FROM ${s}.journal
          WHERE sync = $1 GROUP BY run_id, segment`,
        [sync],
      )
      return result.rows.map((r) => ({ runId: r.run_id, segment: r.segment, lines: r.lines }))
    },
  }
}
