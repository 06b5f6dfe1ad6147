import { type ConnectorContext, toSluiceError } from '@sluice/core'
import { EXIT } from '../exit-codes.js'
import type { CommandInput } from '../framework/spec.js'
import { closest } from '../framework/suggest.js'
import { UsageError } from '../framework/usage-error.js'
import { duration, paintFor, toJson } from '../output/format.js'
import { connectDestination, connectorContext, connectSource } from '../project/connect.js'
import { onlineIssues } from '../project/online-checks.js'
import { openProject } from '../project/project.js'

interface Outcome {
  /** `config`: a sync that does not fit what its destination or model has */
  kind: 'source' | 'destination' | 'config'
  name: string
  type: string
  ok: boolean
  ms: number
  error?: { category: string; code: string; message: string }
}

export default async function run({ positionals, global }: CommandInput): Promise<number> {
  const project = await openProject(global)
  const targets: Array<{ kind: 'source' | 'destination'; name: string; type: string }> = [
    ...Object.values(project.resolved.sources).map((s) => ({
      kind: 'source' as const,
      name: s.name,
      type: s.type,
    })),
    ...Object.values(project.resolved.destinations).map((d) => ({
      kind: 'destination' as const,
      name: d.name,
      type: d.type,
    })),
  ]
  const wanted = positionals[0]
  const chosen = wanted === undefined ? targets : targets.filter((t) => t.name === wanted)
  if (wanted !== undefined && chosen.length === 0) {
    const guess = closest(
      wanted,
      targets.map((t) => t.name),
    )
    throw new UsageError(
      `no source or destination "${wanted}".${guess ? ` Did you mean "${guess}"?` : ''} There are: ${targets.map((t) => t.name).join(', ')}.`,
      'check',
    )
  }
  const paint = paintFor(process.stdout)
  const width = Math.max(...chosen.map((t) => `${t.name} (${t.type})`.length))
  const outcomes: Outcome[] = []
  for (const target of chosen) {
    const started = Date.now()
    const ctx = connectorContext(AbortSignal.timeout(60_000))
    let connected: { check(ctx: ConnectorContext): Promise<void>; close?(): Promise<void> } | undefined
    let outcome: Outcome
    try {
      connected =
        target.kind === 'source'
          ? connectSource(project, target.name, ctx)
          : connectDestination(project, target.name, ctx)
      await connected.check(ctx)
      outcome = { ...target, ok: true, ms: Date.now() - started }
    } catch (error) {
      const e = toSluiceError(error, target.type)
      outcome = {
        ...target,
        ok: false,
        ms: Date.now() - started,
        error: { category: e.category, code: e.code, message: e.message },
      }
    } finally {
      await connected?.close?.()
    }
    outcomes.push(outcome)
    if (global.json) continue
    const label = `${target.name} (${target.type})`.padEnd(width)
    const kind = paint.dim(target.kind.padEnd(11))
    process.stdout.write(
      outcome.ok
        ? `${paint.green('✔')} ${kind} ${label}  ok ${paint.dim(duration(outcome.ms))}\n`
        : `${paint.red('✖')} ${kind} ${label}  ${paint.red(`${outcome.error!.category}: ${outcome.error!.message}`)}\n`,
    )
  }
  // With every connection working, each sync against what its destination and model really have:
  // one more line per problem, in the same table.
  if (wanted === undefined && outcomes.every((o) => o.ok)) {
    for (const issue of await onlineIssues(project, connectorContext(AbortSignal.timeout(120_000)))) {
      const message = `${issue.path}: expected ${issue.expected}, found ${issue.found}`
      outcomes.push({
        kind: 'config',
        name: issue.path,
        type: 'mapping',
        ok: false,
        ms: 0,
        error: { category: 'config', code: 'DOES_NOT_FIT_DESTINATION', message },
      })
      if (!global.json) {
        process.stdout.write(`${paint.red('✖')} ${paint.dim('config'.padEnd(11))} ${paint.red(message)}\n`)
      }
    }
  }
  if (global.json) process.stdout.write(`${toJson(outcomes)}\n`)
  return outcomes.every((o) => o.ok) ? EXIT.ok : EXIT.failed
}
