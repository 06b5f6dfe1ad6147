import { pointer } from './errors.js'

/**
 * Config keys the schema accepts but that this version does not carry out yet. `sluice validate`
 * warns about each one it finds, with its JSON path, instead of letting it pass silently and then do
 * nothing (or fail late). Each entry is removed here when the feature lands.
 */
export interface ConfigWarning {
  /** a JSON pointer into the config: `/syncs/users/schedule` */
  path: string
  message: string
}

const NOT_YET = 'is not implemented yet'

/** Works on the config as written or as resolved (the keys are the same). */
export function notImplementedWarnings(config: unknown): ConfigWarning[] {
  if (!isRecord(config)) return []
  const warnings: ConfigWarning[] = []
  const settings = isRecord(config.settings) ? config.settings : {}
  if (isRecord(settings.state) && settings.state.backend === 'postgres') {
    warnings.push({
      path: '/settings/state/backend',
      message: `the postgres state store ${NOT_YET}: runs are refused until it lands; use "duckdb"`,
    })
  }
  const syncs = isRecord(config.syncs) ? config.syncs : {}
  for (const [name, sync] of Object.entries(syncs)) {
    if (!isRecord(sync)) continue
    if (sync.schedule !== undefined && !(isRecord(sync.schedule) && sync.schedule.type === 'manual')) {
      warnings.push({
        path: pointer(pointer('/syncs', name), 'schedule'),
        message: `schedules ${NOT_YET} and are ignored: run the sync with "sluice run" or from your orchestrator`,
      })
    }
    if (Array.isArray(sync.alerts) && sync.alerts.length > 0) {
      warnings.push({
        path: pointer(pointer('/syncs', name), 'alerts'),
        message: `alerts ${NOT_YET} and are ignored: no alert is sent`,
      })
    }
  }
  return warnings
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
