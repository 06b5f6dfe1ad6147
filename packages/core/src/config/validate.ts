import { connectorProblems, type LoadedConnectors } from './connectors.js'
import { type ConfigIssue, describeValue, type Problem, pointer, toIssue } from './errors.js'
import { explain, type ShowValue } from './explain.js'
import { referenceProblems } from './references.js'
import { type ModelConfig, ProjectConfig } from './schema.js'
import { syncProblems } from './syncs.js'

export interface ValidateOptions {
  /** how the file is named in every issue; `sluice.json` when absent */
  file?: string
  /** the loaded connectors, to check connector types, their config blocks and destination capabilities */
  connectors?: LoadedConnectors
  /**
   * Strings that held `${env:…}` references, by JSON pointer, as written. A problem with such a value
   * shows the reference, never the resolved value.
   */
  references?: ReadonlyMap<string, string>
}

/**
 * Every problem in a project config: the schema's, then the rules across entries (references,
 * sequences, cron, mappings, behaviours and what the destinations support). Empty when it is valid.
 * It never throws for a bad config; `loadProject` turns the issues into a `ConfigError`.
 */
export function validateConfig(config: unknown, options: ValidateOptions = {}): ConfigIssue[] {
  const file = options.file ?? 'sluice.json'
  return dedupe(configProblems(config, options)).map((problem) => toIssue(file, problem))
}

export function configProblems(config: unknown, options: Omit<ValidateOptions, 'file'> = {}): Problem[] {
  const references = options.references ?? new Map<string, string>()
  const show: ShowValue = (path, value) => {
    const written = references.get(path)
    return written === undefined
      ? describeValue(value)
      : `${JSON.stringify(written)} (resolved value not shown)`
  }
  const problems = explain(ProjectConfig, config, '', show)
  if (!hasUsableShape(config)) return problems

  // Entries with schema problems are left out of the later rules, which assume the schema holds.
  const soundness = soundnessOf([...problems])
  const { sound, intact } = soundness
  const project = config as ProjectConfig
  problems.push(...referenceProblems(project, sound))
  for (const [name, sync] of Object.entries(project.syncs)) {
    const path = pointer('/syncs', name)
    if (!isRecord(sync) || !intact(path)) continue
    const model = Object.hasOwn(project.models, sync.model) ? project.models[sync.model] : undefined
    const soundModel = model && sound(pointer('/models', sync.model)) ? (model as ModelConfig) : undefined
    problems.push(
      ...syncProblems(sync, path, soundModel, sound, isRecord(project.settings?.smtp), (at) =>
        references.has(at),
      ),
    )
  }
  const settings = project.settings
  if (isRecord(settings?.workers) && sound('/settings') && settings?.state?.backend !== 'postgres') {
    problems.push({
      path: '/settings/workers',
      expected:
        'settings.state.backend "postgres": workers share the runs, their state and their queue there',
      found: `the ${settings?.state?.backend ?? 'duckdb'} state, which only one machine can use`,
    })
  }
  if (options.connectors) problems.push(...connectorProblems(project, options.connectors, soundness, show))
  return problems
}

export interface Soundness {
  /** nothing wrong at, above or inside this path: the rules may trust everything there */
  sound(path: string): boolean
  /** nothing wrong at or above this path: it exists with the right kind, though parts inside may not */
  intact(path: string): boolean
}

function soundnessOf(problems: readonly Problem[]): Soundness {
  const above = (p: Problem, path: string) =>
    p.path === '' || p.path === path || path.startsWith(`${p.path}/`)
  return {
    sound: (path) => !problems.some((p) => above(p, path) || p.path.startsWith(`${path}/`)),
    intact: (path) => !problems.some((p) => above(p, path)),
  }
}

/** The four maps are objects: enough structure for the rules across entries to walk them. */
function hasUsableShape(config: unknown): boolean {
  if (!isRecord(config)) return false
  return ['sources', 'destinations', 'models', 'syncs'].every((key) => isRecord(config[key]))
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>()
  return problems.filter((p) => {
    const key = `${p.path}\0${p.expected}\0${p.found}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
