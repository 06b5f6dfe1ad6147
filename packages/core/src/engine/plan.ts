import type { SyncConfig } from '../config/schema.js'
import type { Behaviour, DeleteBehaviour, Operation, OutboundRecord, Row } from '../contract/records.js'
import type { RowMapper } from '../mapping/mapper.js'
import { outbound } from './outbound.js'
import { stageRow } from './stage.js'
import type { Change, ChangeKind } from './state.js'

/**
 * What to do with one changed row:
 * - an operation: send it, and commit when the destination acknowledges it;
 * - `accept`: nothing to send, the snapshot takes the new hash now (create-only's changed rows);
 * - `forget`: nothing to send, the row leaves the snapshot now (a removed row the behaviour ignores,
 *   so it counts as added again if it ever comes back).
 */
export type Step = Operation | 'accept' | 'forget'

export function planStep(
  behaviour: Behaviour,
  kind: Extract<ChangeKind, 'added' | 'changed' | 'removed'>,
  deleteBehaviour: DeleteBehaviour = 'delete',
): Step {
  if (kind === 'removed') {
    if (behaviour !== 'mirror' || deleteBehaviour === 'nothing') return 'forget'
    return deleteBehaviour === 'clear' ? 'clear' : 'delete'
  }
  switch (behaviour) {
    case 'upsert':
    case 'mirror':
      return 'upsert'
    case 'update':
      return 'update'
    case 'create':
      return kind === 'added' ? 'create' : 'accept'
    case 'append':
      return 'append'
    case 'delete':
      // The model lists records to delete: a row deleted once is not deleted again when it changes.
      return kind === 'added' ? 'delete' : 'accept'
  }
}

type PlannedSync = Pick<SyncConfig, 'behaviour' | 'deleteBehaviour' | 'identifier'>

/** One change's plan: the step, and for an operation the record exactly as it is sent. */
export type PlannedRecord =
  | {
      step: Operation
      record: OutboundRecord
      /** why the record cannot be sent as mapped (a failed cast): it is tracked invalid instead */
      invalid?: string
    }
  | { step: 'accept' | 'forget'; record?: undefined }

/** Plans one change read back from the diff: what a run does with it, and what it sends. */
export function planChange(change: Change, sync: PlannedSync, mapper: RowMapper): PlannedRecord {
  const step = planStep(sync.behaviour, change.kind as 'added', sync.deleteBehaviour)
  if (step === 'accept' || step === 'forget') return { step }
  const record = outbound(change, step, mapper, sync.identifier.field)
  // Only the staged payload carries mapped values; clear and delete payloads carry none to cast.
  const invalid = change.payload !== null && step !== 'delete' ? mapper.castProblem(record.fields) : undefined
  return { step, record, ...(invalid !== undefined ? { invalid } : {}) }
}

/**
 * Plans one model row as a run would if the diff found it `kind`: staged (mapped, as JSON text), then
 * planned like any change. `sluice test-row` and previews use this, so what they show is byte for byte
 * what a run sends. A removed row has no payload in a run (it left the model): only its identifier.
 */
export function planRow(
  row: Row | undefined,
  identifier: string,
  kind: Extract<ChangeKind, 'added' | 'changed' | 'removed'>,
  sync: PlannedSync,
  mapper: RowMapper,
): PlannedRecord {
  const staged = row && kind !== 'removed' ? stageRow(mapper, row) : undefined
  const change: Change = { kind, identifier, hash: '', payload: staged?.payload ?? null }
  return planChange(change, sync, mapper)
}
