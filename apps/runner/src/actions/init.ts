import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { basename, join, relative, resolve } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { SluiceError } from '@sluice/core'
import { EXIT } from '../exit-codes.js'
import type { CommandInput } from '../framework/spec.js'
import {
  CONFIG_TS,
  ENV_EXAMPLE,
  GITIGNORE,
  MODEL_SQL,
  PROJECT_PACKAGES,
  packageJson,
  SEED_SQL,
} from '../init/templates.js'
import { paintFor } from '../output/format.js'
import { packedPackages } from '../project/tarballs.js'

const runnerVersion = async () =>
  (JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
    .version

/** The tarballs `--from` names, refused with what is missing before anything is written. */
function packedFrom(folder: string): Map<string, string> {
  const packed = packedPackages(folder)
  const missing = PROJECT_PACKAGES.filter((pkg) => !packed.has(pkg))
  if (missing.length > 0) {
    throw new SluiceError(
      'config',
      `${folder} has no packed tarball of ${missing.join(', ')}; nothing was written.`,
      {
        code: 'NOT_PACKED',
        hint: 'In a checkout of Sluice, `pnpm pack:local` builds and packs every package into .packed/.',
      },
    )
  }
  return packed
}

export default async function run({ positionals, values, global }: CommandInput): Promise<number> {
  const dir = resolve(global.cwd, positionals[0] ?? '.')
  const force = values.force === true
  const packed = typeof values.from === 'string' ? packedFrom(resolve(global.cwd, values.from)) : undefined
  const paint = paintFor(process.stdout)
  const files: Array<[string, string]> = [
    ['sluice.config.ts', CONFIG_TS],
    ['models/customers.sql', MODEL_SQL],
    ['warehouse/seed.sql', SEED_SQL],
    ['.env.example', ENV_EXAMPLE],
    ['.gitignore', GITIGNORE],
    [
      'package.json',
      packageJson(
        basename(dir)
          .toLowerCase()
          .replace(/[^a-z0-9-]/g, '-'),
        await runnerVersion(),
        packed,
      ),
    ],
  ]
  const clashes = files.filter(([file]) => file !== 'package.json' && existsSync(join(dir, file)))
  if (clashes.length > 0 && !force) {
    throw new SluiceError(
      'config',
      `${relative(global.cwd, dir) || '.'} already has ${clashes.map(([f]) => f).join(', ')}; nothing was written.`,
      { code: 'PROJECT_EXISTS', hint: 'Use --force to overwrite them.' },
    )
  }
  const written: string[] = []
  for (const [file, text] of files) {
    const path = join(dir, file)
    // a package.json of the user's own is kept, unless --from must point it at the tarballs
    if (file === 'package.json' && existsSync(path) && !(packed && force)) continue
    await mkdir(join(path, '..'), { recursive: true })
    await writeFile(path, text)
    written.push(file)
  }
  const seed = await DuckDBInstance.create(join(dir, 'warehouse.duckdb'))
  const connection = await seed.connect()
  await connection.run(SEED_SQL)
  connection.closeSync()
  seed.closeSync()
  written.push('warehouse.duckdb (100 sample customers)')

  const where = relative(global.cwd, dir) || '.'
  process.stdout.write(
    [
      `${paint.green('✔')} created a Sluice project in ${paint.bold(where)}`,
      ...written.map((f) => `    ${f}`),
      '',
      'Next:',
      ...(where === '.' ? [] : [`  cd ${where}`]),
      '  npm install                 # the runner and the connectors in package.json',
      '  cp .env.example .env        # then fill in your Braze key and instance URL',
      '  sluice validate             # the config, with every problem named',
      '  sluice check                # the warehouse and Braze, one line each',
      '  sluice run customers_to_braze --dry-run',
      ...(typeof values.from === 'string'
        ? [`  sluice connectors add <name> --from ${resolve(global.cwd, values.from)}   # another connector`]
        : []),
      '',
    ].join('\n'),
  )
  return EXIT.ok
}
