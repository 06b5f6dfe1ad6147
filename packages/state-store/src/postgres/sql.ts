import { createHash } from 'node:crypto'
import { SluiceError } from '@sluice/core'

/** The bookkeeping schema's name, checked and quoted: it is written into every statement. */
export function schemaIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/.test(name)) {
    throw new SluiceError('config', `"${name}" is not a schema name Sluice can keep its state in`, {
      code: 'INVALID_STATE_SCHEMA',
      hint: 'Use letters, digits and underscores (settings.state.schema), e.g. "sluice".',
    })
  }
  return `"${name}"`
}

/** A SQL string literal: single quotes doubled (standard_conforming_strings is on since Postgres 9.1). */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`
}

/**
 * The two int4 keys of a sync's advisory lock: one for the bookkeeping schema, one for the sync, so two
 * projects sharing a database never contend. `unsigned` is how `pg_locks` shows them (as oids).
 */
export function lockKeys(
  schema: string,
  sync: string,
): { signed: [number, number]; unsigned: [number, number] } {
  const key = (text: string) => createHash('md5').update(text).digest().readInt32BE(0)
  const signed: [number, number] = [key(`sluice:${schema}`), key(sync)]
  return { signed, unsigned: [signed[0] >>> 0, signed[1] >>> 0] }
}

/** Names of a sync's work tables: one diff per sync at a time (the run lock), so one pair per sync. */
export function workTables(schema: string, sync: string): { model: string; changes: string } {
  const id = createHash('md5').update(sync).digest('hex').slice(0, 16)
  return {
    model: `${schemaIdentifier(schema)}."work_${id}_model"`,
    changes: `${schemaIdentifier(schema)}."work_${id}_changes"`,
  }
}
