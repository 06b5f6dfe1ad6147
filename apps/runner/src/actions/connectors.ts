import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { isAbsolute, join, resolve } from 'node:path'
import { SluiceError } from '@sluice/core'
import { EXIT } from '../exit-codes.js'
import type { CommandInput } from '../framework/spec.js'
import { closest } from '../framework/suggest.js'
import { paintFor, table, toJson } from '../output/format.js'
import { type CatalogEntry, readCatalog } from '../project/catalog.js'
import { findConfigFile } from '../project/config-file.js'
import { loadInstalledConnectors } from '../project/connectors.js'
import { detectPackageManager } from '../project/package-manager.js'
import { tarballFor } from '../project/tarballs.js'

/** The project's folder when there is a project, else the current folder. */
function projectDir(input: CommandInput): string {
  try {
    return resolve(findConfigFile(input.global.cwd, input.global.config), '..')
  } catch {
    return input.global.cwd
  }
}

export async function list(input: CommandInput): Promise<number> {
  const dir = projectDir(input)
  const [{ list: installed }, catalog] = await Promise.all([
    loadInstalledConnectors(join(dir, 'sluice.config.ts')),
    readCatalog(),
  ])
  const installedNames = new Set(installed.map((c) => c.package))
  const available = catalog.entries.filter((e) => !installedNames.has(e.package))
  if (input.global.json) {
    process.stdout.write(`${toJson({ installed, available, catalog: catalog.file ?? null }, 2)}\n`)
    return EXIT.ok
  }
  const paint = paintFor(process.stdout)
  process.stdout.write(`${paint.bold('Installed')}\n`)
  if (installed.length === 0) process.stdout.write('  none\n')
  else {
    const rows = installed.map((c) => [
      `  ${c.type}`,
      c.kind,
      `${c.package}@${c.version}`,
      c.origin === 'runner' ? paint.dim('next to the runner') : 'project',
      c.problems.length > 0 ? paint.red(`not a valid connector: ${c.problems.join('; ')}`) : c.description,
    ])
    process.stdout.write(`${table(['  type', 'kind', 'package', 'from', ''], rows)}\n`)
  }
  process.stdout.write(
    `\n${paint.bold('Available')}${catalog.file ? paint.dim(` (catalog: ${catalog.file})`) : ''}\n`,
  )
  if (available.length === 0) {
    process.stdout.write(
      catalog.file ? '  every connector in the catalog is installed\n' : '  no catalog found\n',
    )
  } else {
    const rows = available.map((e) => [
      `  ${e.type}`,
      e.kind,
      e.package,
      e.conformance ? `conformance ${e.conformance}` : '',
      e.description,
    ])
    process.stdout.write(`${table(['  type', 'kind', 'package', '', ''], rows)}\n`)
    process.stdout.write(paint.dim(`\nsluice connectors add <type> installs one.\n`))
  }
  const broken = installed.filter((c) => c.problems.length > 0)
  return broken.length > 0 ? EXIT.failed : EXIT.ok
}

/** `braze`, `destination-braze`, `@sluice/destination-braze`, or a path to a package folder. */
function packageFor(name: string, catalog: CatalogEntry[], cwd: string): string {
  if (name.startsWith('.') || name.startsWith('/')) return resolve(cwd, name)
  const entry = catalog.find(
    (e) =>
      e.package === name ||
      e.type === name ||
      e.package.endsWith(`/${name}`) ||
      `${e.kind}-${e.type}` === name,
  )
  if (entry) return entry.package
  if (name.includes('/') || name.startsWith('@')) return name
  const guess = closest(
    name,
    catalog.map((e) => e.type),
  )
  throw new SluiceError(
    'config',
    `no connector "${name}" in the catalog.${guess ? ` Did you mean "${guess}"?` : ''}`,
    {
      code: 'UNKNOWN_CONNECTOR',
      hint: 'Run "sluice connectors" for the list, or give the npm package name.',
    },
  )
}

export async function add(input: CommandInput, name: string): Promise<number> {
  const dir = projectDir(input)
  const [catalog, { list: known }] = await Promise.all([
    readCatalog(),
    loadInstalledConnectors(join(dir, 'sluice.config.ts')),
  ])
  // Without a catalog, the connectors already installed still name their official packages.
  const entries: CatalogEntry[] = [...catalog.entries, ...known.filter((c) => c.problems.length === 0)]
  const pkg = packageFor(name, entries, input.global.cwd)
  const from = input.values.from as string | undefined
  const spec =
    from !== undefined && !isAbsolute(pkg)
      ? tarballFor(pkg.replace(/(?<=.)@[^/]*$/, ''), resolve(input.global.cwd, from))
      : pkg
  const manager = detectPackageManager(dir)
  const [command, ...args] = manager.add([spec])
  const paint = paintFor(process.stdout)
  const how = manager.lockfile ? `found ${manager.lockfile}` : 'no lockfile, so npm'
  process.stdout.write(`${paint.dim(`${how}:`)} ${[command, ...args].join(' ')}\n`)
  if (input.values['dry-run']) return EXIT.ok
  const code = await new Promise<number>((done, fail) => {
    const child = spawn(command!, args, { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'], shell: false })
    child.on('error', fail)
    child.on('close', (exit) => done(exit ?? 1))
  })
  if (code !== 0) {
    process.stderr.write(`${paint.red(`✖ ${command} exited with ${code}`)}\n`)
    return EXIT.failed
  }
  // a folder installs under the name in its own package.json
  const installedName = isAbsolute(pkg)
    ? (JSON.parse(await readFile(join(pkg, 'package.json'), 'utf8')) as { name: string }).name
    : pkg.replace(/(?<=.)@[^/]*$/, '')
  const { list: installed } = await loadInstalledConnectors(join(dir, 'sluice.config.ts'))
  const found = installed.find((c) => c.origin === 'project' && c.package === installedName)
  if (!found) {
    process.stderr.write(
      `${paint.red('✖')} installed, but no connector with a sluice manifest was found in node_modules.\n`,
    )
    return EXIT.failed
  }
  if (found.problems.length > 0) {
    process.stderr.write(
      `${paint.red('✖')} ${found.package} is not a valid connector: ${found.problems.join('; ')}\n`,
    )
    return EXIT.failed
  }
  process.stdout.write(
    `${paint.green('✔')} ${found.package}@${found.version}: use type "${found.type}" in your ${found.kind}s\n`,
  )
  return EXIT.ok
}
