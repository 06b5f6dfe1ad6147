import type { ModelConfig, SyncConfig } from '@sluice/core'
import { USERS_TABLE } from '../data/users.js'

/** The sync every engine figure runs: the users model upserted by id, five mapped fields. */
export function usersSync(destination: string, object: string, identifierField: string): SyncConfig {
  return {
    model: 'users',
    destination,
    object,
    behaviour: 'upsert',
    identifier: { column: 'id', field: identifierField },
    mappings: [
      { from: 'email', to: 'email' },
      { from: 'first_name', to: 'first_name' },
      { from: 'plan', to: 'plan' },
      { from: 'score', to: 'score' },
      { from: 'updated_at', to: 'updated_at' },
    ],
  }
}

export const usersModel: ModelConfig = { source: 'warehouse', table: USERS_TABLE }
