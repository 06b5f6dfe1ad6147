import { SluiceError } from '../errors.js'
import type { RunMode } from '../run.js'
import type { RunSyncOptions } from './types.js'

/**
 * Refuses a run that cannot do what the sync asks, before anything is read or locked: the reasons are
 * configuration, not a run that failed.
 */
export function checkRunnable(options: RunSyncOptions, mode: RunMode): void {
  const { sync, model, syncName, destinationCapabilities: caps } = options
  const fail = (message: string, hint?: string) => {
    throw new SluiceError('config', `sync "${syncName}": ${message}`, {
      code: 'SYNC_NOT_RUNNABLE',
      ...(hint ? { hint } : {}),
    })
  }
  if (sync.behaviour === 'mirror' && model.cursor !== undefined && mode === 'incremental') {
    fail(
      `mirror cannot run in cursor mode (the model names the cursor column "${model.cursor}")`,
      'Cursor mode only reads rows past the cursor, so it cannot see rows that left the model. ' +
        'Remove the cursor from the model, or choose upsert.',
    )
  }
  const allowed = caps.objects?.[sync.object]?.behaviours ?? caps.behaviours
  if (!allowed.includes(sync.behaviour)) {
    fail(
      `the destination does not support "${sync.behaviour}" on "${sync.object}"`,
      `Supported: ${allowed.join(', ')}.`,
    )
  }
  if (sync.behaviour === 'mirror' && sync.deleteBehaviour && caps.deleteBehaviours) {
    if (!caps.deleteBehaviours.includes(sync.deleteBehaviour)) {
      fail(
        `the destination does not support the delete behaviour "${sync.deleteBehaviour}"`,
        `Supported: ${caps.deleteBehaviours.join(', ')}.`,
      )
    }
  }
}
