import { relative } from 'node:path'
import type { DamagedFile, DuckDBStateStore } from '@sluice/state-store'
import { EXIT } from '../exit-codes.js'
import type { CommandInput } from '../framework/spec.js'
import { paintFor, toJson } from '../output/format.js'
import { openProject } from '../project/project.js'
import { openState } from '../project/state.js'

const KINDS: Record<DamagedFile['kind'], string> = {
  ledger: 'run ledger file',
  'snapshot-base': 'snapshot (compacted base)',
  'snapshot-delta': 'snapshot delta (one commit)',
  cursor: 'cursor',
}

export default async function run({ values, global }: CommandInput): Promise<number> {
  // Only the state is read: no connector, no credential.
  const project = await openProject(global, { connect: false })
  const store = await openState(project)
  const out = paintFor(process.stdout)
  const shown = (path: string) => relative(global.cwd, path) || path
  try {
    if (!isEmbedded(store)) {
      const message =
        'The postgres state backend keeps its state in tables, each change in a transaction: there are no state files to check.'
      process.stdout.write(global.json ? `${toJson({ backend: 'postgres', damaged: [] })}\n` : `${message}\n`)
      return EXIT.ok
    }
    const damaged = await store.examine()
    const repair = values.repair === true
    if (repair && damaged.length > 0 && values.yes !== true) {
      report(damaged, shown, out)
      process.stderr.write(
        `${paintFor(process.stderr).yellow('⚠')} --repair moves these files into the state folder's quarantine. ` +
          'Check no run of these syncs is going on elsewhere, then run "sluice doctor --repair --yes".\n',
      )
      return EXIT.failed
    }
    if (!repair || damaged.length === 0) {
      if (global.json) {
        process.stdout.write(`${toJson({ damaged: damaged.map((d) => ({ ...d, path: shown(d.path) })) })}\n`)
      } else if (damaged.length === 0) {
        process.stdout.write(`${out.green('✔')} every state file of ${project.displayFile} reads back.\n`)
      } else {
        report(damaged, shown, out)
        process.stdout.write('Run "sluice doctor --repair --yes" to quarantine them.\n')
      }
      return damaged.length === 0 ? EXIT.ok : EXIT.failed
    }
    const moved = await store.quarantine(damaged)
    if (global.json) {
      process.stdout.write(
        `${toJson({ quarantined: moved.map((m) => ({ ...m, path: shown(m.path), movedTo: shown(m.movedTo) })) })}\n`,
      )
      return EXIT.ok
    }
    for (const file of moved) {
      process.stdout.write(`${out.green('✔')} ${file.sync}: ${shown(file.path)} → ${shown(file.movedTo)}\n`)
      process.stdout.write(`    ${file.consequence}\n`)
    }
    return EXIT.ok
  } finally {
    await store.close()
  }
}

function report(
  damaged: readonly DamagedFile[],
  shown: (path: string) => string,
  out: ReturnType<typeof paintFor>,
) {
  const count = damaged.length
  process.stdout.write(`${out.red('✖')} ${count} state file${count === 1 ? '' : 's'} cannot be read:\n`)
  for (const file of damaged) {
    process.stdout.write(
      `  ${out.bold(shown(file.path))}  ${out.cyan(`${file.sync}, ${KINDS[file.kind]}`)}\n`,
    )
    process.stdout.write(`      ${file.problem}\n`)
    process.stdout.write(`      repair: ${file.consequence}\n`)
  }
}

function isEmbedded(store: object): store is DuckDBStateStore {
  return 'examine' in store && typeof store.examine === 'function' && 'quarantine' in store
}
