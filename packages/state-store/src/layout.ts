import { join } from 'node:path'
import { SluiceError } from '@sluice/core/contract'

/**
 * Where a sync's state lives under the store's folder:
 * ```
 * syncs/<sync>/lock                               the run lock (pid, host, run id)
 * syncs/<sync>/cursor.json                        cursor mode's last successful cursor
 * syncs/<sync>/runs/<run id>.json                 the ledger: one file per run
 * syncs/<sync>/snapshot/base.<gen>.parquet        the compacted snapshot
 * syncs/<sync>/snapshot/delta.<gen>.<seq>.parquet one committed batch on top of base <gen>
 * syncs/<sync>/journal/<run id>.<segment>.jsonl   acknowledgements not yet committed (one line each)
 * ```
 */
export class Layout {
  constructor(readonly root: string) {}

  syncsDir(): string {
    return join(this.root, 'syncs')
  }
  syncDir(sync: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(sync) || sync.includes('..')) {
      throw new SluiceError('config', `"${sync}" is not a sync name the state store can hold`, {
        code: 'INVALID_SYNC_NAME',
        hint: 'Use letters, digits, _ and -.',
      })
    }
    return join(this.syncsDir(), sync)
  }
  lockFile(sync: string): string {
    return join(this.syncDir(sync), 'lock')
  }
  cursorFile(sync: string): string {
    return join(this.syncDir(sync), 'cursor.json')
  }
  runsDir(sync: string): string {
    return join(this.syncDir(sync), 'runs')
  }
  runFile(sync: string, runId: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(runId)) {
      throw new SluiceError('config', `"${runId}" is not a run id`, { code: 'INVALID_RUN_ID' })
    }
    return join(this.runsDir(sync), `${runId}.json`)
  }
  journalDir(sync: string): string {
    return join(this.syncDir(sync), 'journal')
  }
  snapshotDir(sync: string): string {
    return join(this.syncDir(sync), 'snapshot')
  }
}
