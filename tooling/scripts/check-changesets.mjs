// Every changeset in .changeset/ must parse as `changeset version` will read it (with changesets' own
// parser) and name only packages of this workspace that are published, with a major, minor or patch
// bump and a summary. Prints each problem with its file; exits non-zero when there is one.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

// changesets' parser, as the CLI installed at the root resolves it
const requireFromCli = createRequire(createRequire(import.meta.url).resolve('@changesets/cli/package.json'))
const parse = requireFromCli('@changesets/parse').default ?? requireFromCli('@changesets/parse')

const config = JSON.parse(readFileSync('.changeset/config.json', 'utf8'))
const ignored = new Set(config.ignore ?? [])
const published = new Map()
for (const group of ['packages', 'connectors', 'apps', 'tooling']) {
  if (!existsSync(group)) continue
  for (const name of readdirSync(group)) {
    const file = join(group, name, 'package.json')
    if (!existsSync(file)) continue
    const manifest = JSON.parse(readFileSync(file, 'utf8'))
    published.set(manifest.name, manifest.private !== true && !ignored.has(manifest.name))
  }
}

const problems = []
const files = readdirSync('.changeset').filter((file) => file.endsWith('.md') && file !== 'README.md')
for (const file of files) {
  const path = join('.changeset', file)
  const text = readFileSync(path, 'utf8')
  let parsed
  try {
    parsed = parse(text)
  } catch (error) {
    problems.push(`${path}: does not parse: ${error.message.split('\n')[0]}`)
    continue
  }
  if (parsed.releases.length === 0)
    problems.push(`${path}: names no package (front matter between two --- lines)`)
  for (const { name, type } of parsed.releases) {
    if (!published.has(name)) problems.push(`${path}: "${name}" is not a package of this workspace`)
    else if (!published.get(name))
      problems.push(`${path}: "${name}" is private or ignored: it is never released`)
    if (!['major', 'minor', 'patch'].includes(type))
      problems.push(`${path}: "${name}": ${type} is not major, minor or patch`)
  }
  if (parsed.summary.trim() === '') problems.push(`${path}: has no summary for the changelog`)
}

for (const problem of problems) console.log(problem)
console.log(`${files.length} changesets, ${problems.length} problems`)
process.exit(problems.length === 0 ? 0 : 1)
