import { EXIT } from '../exit-codes.js'
import type { CommandInput } from '../framework/spec.js'
import { paintFor, table, toJson } from '../output/format.js'
import { connectDestination, connectorContext } from '../project/connect.js'
import { openProject } from '../project/project.js'

export default async function run({ positionals, values, global }: CommandInput): Promise<number> {
  const project = await openProject(global)
  const ctx = connectorContext(AbortSignal.timeout(120_000))
  const destination = connectDestination(project, positionals[0]!, ctx)
  try {
    const catalog = await destination.discover(ctx)
    const only = values.object as string | undefined
    const objects = only
      ? catalog.objects.filter((o) => o.name.toLowerCase() === only.toLowerCase())
      : catalog.objects
    if (only && objects.length === 0) {
      process.stderr.write(
        `no object "${only}" in ${positionals[0]}: there are ${catalog.objects.map((o) => o.name).join(', ')}\n`,
      )
      return EXIT.failed
    }
    if (global.json) {
      process.stdout.write(`${toJson({ objects }, 2)}\n`)
      return EXIT.ok
    }
    const paint = paintFor(process.stdout)
    const yes = (flag: boolean | undefined) => (flag ? 'yes' : '')
    for (const object of objects) {
      const behaviours = object.behaviours ? paint.dim(`  behaviours: ${object.behaviours.join(', ')}`) : ''
      process.stdout.write(
        `${paint.bold(object.name)}${object.label ? ` (${object.label})` : ''}${behaviours}\n`,
      )
      const rows = object.fields.map((f) => [
        `  ${f.name}`,
        f.type + (f.length ? `(${f.length})` : ''),
        f.identifier ? paint.green('yes') : '',
        yes(f.createable),
        yes(f.updateable),
        [
          f.required ? 'required' : '',
          f.custom ? 'custom' : '',
          f.values ? `values: ${f.values.join(' | ')}` : '',
        ]
          .filter(Boolean)
          .join(', '),
      ])
      process.stdout.write(
        `${table(['  field', 'type', 'identifier', 'createable', 'updateable', ''], rows)}\n\n`,
      )
    }
    return EXIT.ok
  } finally {
    await destination.close?.()
  }
}
