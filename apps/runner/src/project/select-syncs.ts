import { SluiceError } from '@sluice/core'
import { UsageError } from '../framework/usage-error.js'
import { type Project, requireSync } from './project.js'

export interface Selection {
  /** syncs named on the command line */
  names: string[]
  /** every sync of the project */
  all: boolean
  /** `label:<label>` or a sync name, each adding its syncs */
  select: string[]
  /** run disabled syncs too */
  force: boolean
}

export interface Selected {
  /** the syncs to run, in config order for --all and --select, else in the order named */
  syncs: string[]
  /** disabled syncs that --all or --select matched and left out */
  skipped: string[]
}

/**
 * The syncs a `sluice run` asks for. A disabled sync named outright is an error unless --force (the
 * user asked for exactly it); one matched by --all or a label is left out and reported, so that one
 * paused sync does not stop a scheduled `sluice run --all`.
 */
export function selectSyncs(project: Project, selection: Selection): Selected {
  const { syncs } = project.resolved
  if (selection.names.length === 0 && !selection.all && selection.select.length === 0) {
    throw new UsageError('name the syncs to run, or use --all or --select label:<label>.', 'run')
  }
  const named = selection.names.map((name) => requireSync(project, name).name)
  const disabledNamed = named.filter((name) => !syncs[name]!.enabled)
  if (disabledNamed.length > 0 && !selection.force) {
    const list = disabledNamed.map((name) => `"${name}"`).join(', ')
    throw new SluiceError(
      'config',
      `${disabledNamed.length === 1 ? 'sync' : 'syncs'} ${list} ${disabledNamed.length === 1 ? 'is' : 'are'} disabled (enabled: false in ${project.displayFile}).`,
      { code: 'SYNC_DISABLED', hint: 'Pass --force to run it anyway, or set enabled: true.' },
    )
  }

  const matched = new Set<string>()
  if (selection.all) for (const name of Object.keys(syncs)) matched.add(name)
  for (const selector of selection.select) {
    for (const name of matching(project, selector)) matched.add(name)
  }
  const order = Object.keys(syncs)
  const byConfig = [...matched].sort((a, b) => order.indexOf(a) - order.indexOf(b))
  const skipped = selection.force ? [] : byConfig.filter((name) => !syncs[name]!.enabled)
  const chosen = [...named, ...byConfig.filter((name) => !skipped.includes(name))]
  return { syncs: [...new Set(chosen)], skipped }
}

function matching(project: Project, selector: string): string[] {
  const { syncs } = project.resolved
  if (!selector.startsWith('label:')) return [requireSync(project, selector).name]
  const label = selector.slice('label:'.length)
  const found = Object.values(syncs)
    .filter((sync) => sync.labels.includes(label))
    .map((sync) => sync.name)
  if (found.length === 0) {
    const labels = [...new Set(Object.values(syncs).flatMap((sync) => sync.labels))]
    throw new SluiceError('config', `no sync has the label "${label}" in ${project.displayFile}.`, {
      code: 'UNKNOWN_LABEL',
      hint: labels.length > 0 ? `Labels: ${labels.join(', ')}.` : 'No sync has labels yet.',
    })
  }
  return found
}
