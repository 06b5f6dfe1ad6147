import {
  type Catalog,
  type ConfigIssue,
  type ConnectorContext,
  catalogProblems,
  type Problem,
  pointer,
  resolveModelSql,
  toIssue,
  toSluiceError,
} from '@sluice/core'
import { connectDestination, connectSource } from './connect.js'
import type { Project } from './project.js'

/**
 * What `sluice validate --online` and `sluice check` add to the offline checks: each sync against what
 * its destination and its model really have. A mapped field the destination does not know, a column
 * the model lacks or a table that is not there is a config problem with its JSON path, found before a
 * run where every row would be rejected.
 */
export async function onlineIssues(project: Project, ctx: ConnectorContext): Promise<ConfigIssue[]> {
  const problems = [...(await destinationProblems(project, ctx)), ...(await modelProblems(project, ctx))]
  return problems.map((problem) => toIssue(project.displayFile, problem))
}

async function destinationProblems(project: Project, ctx: ConnectorContext): Promise<Problem[]> {
  const syncs = Object.values(project.resolved.syncs)
  const problems: Problem[] = []
  for (const name of new Set(syncs.map((sync) => sync.destination))) {
    let catalog: Catalog | undefined
    const destination = connectDestination(project, name, ctx)
    try {
      if (!destination.discover) continue
      catalog = await destination.discover(ctx)
    } catch (error) {
      problems.push({
        path: pointer('/destinations', name),
        expected: 'a destination that answers discover',
        found: toSluiceError(error).message,
      })
      continue
    } finally {
      await destination.close?.()
    }
    for (const sync of syncs.filter((s) => s.destination === name)) {
      problems.push(...catalogProblems(sync, catalog))
    }
  }
  return problems
}

async function modelProblems(project: Project, ctx: ConnectorContext): Promise<Problem[]> {
  const { models, sources, syncs, dir } = project.resolved
  const problems: Problem[] = []
  const used = new Set(Object.values(syncs).map((sync) => sync.model))
  for (const name of used) {
    const model = models[name]!
    const connector = project.connectors.sources?.[sources[model.source]!.type]
    const source = connectSource(project, model.source, ctx)
    let columns: Set<string>
    try {
      const sql = resolveModelSql(model, { dialect: connector!.capabilities.dialect, projectDir: dir })
      columns = new Set((await source.describe(sql, ctx)).map((column) => column.name))
    } catch (error) {
      problems.push({
        path: pointer('/models', name),
        expected: 'a model its source can read',
        found: toSluiceError(error).message,
      })
      continue
    } finally {
      await source.close?.()
    }
    const has = (path: string) => columns.has(path) || columns.has(path.split('.')[0]!)
    const missing = (path: string, column: string) =>
      problems.push({
        path,
        expected: `a column of the model "${name}": ${[...columns].join(', ')}`,
        found: `"${column}", which it does not have`,
      })
    for (const sync of Object.values(syncs).filter((s) => s.model === name)) {
      const at = pointer('/syncs', sync.name)
      if (!has(sync.identifier.column)) {
        missing(pointer(pointer(at, 'identifier'), 'column'), sync.identifier.column)
      }
      sync.mappings.forEach((mapping, index) => {
        const path = pointer(pointer(at, 'mappings'), index)
        if ('from' in mapping && !has(mapping.from)) missing(pointer(path, 'from'), mapping.from)
        if ('array' in mapping && !has(mapping.array.from)) {
          missing(pointer(pointer(path, 'array'), 'from'), mapping.array.from)
        }
        if ('object' in mapping) {
          mapping.object.forEach((inner, i) => {
            if ('from' in inner && !has(inner.from)) {
              missing(pointer(pointer(pointer(path, 'object'), i), 'from'), inner.from)
            }
          })
        }
      })
    }
  }
  return problems
}
