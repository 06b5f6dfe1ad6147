import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { SluiceError } from '@sluice/core'

/**
 * The newest packed tarball of a package in a folder: `pnpm pack` and `npm pack` name it
 * `<scope>-<name>-<version>.tgz` (`@sluice/destination-braze` → `sluice-destination-braze-0.1.0.tgz`).
 */
export function tarballFor(pkg: string, folder: string): string {
  const stem = pkg.replace(/^@/, '').replace('/', '-')
  const versionOf = (file: string) =>
    file
      .slice(stem.length + 1, -'.tgz'.length)
      .split(/[.-]/)
      .map((part) => (/^\d+$/.test(part) ? part.padStart(8, '0') : part))
      .join('.')
  const files = existsSync(folder)
    ? readdirSync(folder).filter(
        (file) => file.startsWith(`${stem}-`) && /^\d/.test(file.slice(stem.length + 1)),
      )
    : []
  const tarballs = files.filter((file) => file.endsWith('.tgz'))
  tarballs.sort((a, b) => versionOf(a).localeCompare(versionOf(b)))
  const newest = tarballs.at(-1)
  if (!newest) {
    throw new SluiceError('config', `no packed tarball of ${pkg} (${stem}-<version>.tgz) in ${folder}.`, {
      code: 'CONNECTOR_NOT_PACKED',
      hint: `Pack it there first: pnpm pack --pack-destination ${folder} (or npm pack), in the package's folder.`,
    })
  }
  return join(folder, newest)
}

/**
 * The `@sluice/*` packages packed in a folder, each with its newest tarball: what a project installs
 * from a checkout before the packages are on a registry (`sluice init --from`).
 */
export function packedPackages(folder: string): Map<string, string> {
  const names = new Set<string>()
  for (const file of existsSync(folder) ? readdirSync(folder) : []) {
    const match = /^sluice-(.+?)-\d+\.\d+\.\d+.*\.tgz$/.exec(file)
    if (match) names.add(`@sluice/${match[1]}`)
  }
  return new Map([...names].sort().map((name) => [name, tarballFor(name, folder)]))
}
