export { compileMapping, type RowMapper, readPath, writePath } from '../mapping/index.js'
export { compareCursor, maxCursor } from './cursor.js'
export { rowHash } from './hash.js'
export { decodeEntries, encodeEntry, type JournalEntry } from './journal.js'
export { mayHoldBigInteger, parseJson, stringifyExact } from './json.js'
export {
  type Dialect,
  quoteIdentifier,
  quoteQualified,
  type ResolveModelOptions,
  resolveModelSql,
  sqlLiteral,
} from './model.js'
export { type PlannedRecord, planChange, planRow, planStep, type Step } from './plan.js'
export { newRunId } from './run-id.js'
export { runSync } from './run-sync.js'
export { identifierText, stageRow } from './stage.js'
export type * from './state.js'
export type { RunProgress, RunSyncOptions, RunSyncResult } from './types.js'
