import type { Behaviour, DeleteBehaviour, Operation } from '../contract/records.js'
import type { ChangeKind } from './state.js'

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
