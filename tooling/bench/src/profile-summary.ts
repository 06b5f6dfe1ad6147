/**
 * Summarises a `.cpuprofile`: self time by function and by package, the largest first.
 *
 *   node --import tsx src/profile-summary.ts <file.cpuprofile> [top=25]
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}

const file = process.argv[2]
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]')
const top = Number(process.argv[3] ?? 25)
const profile = JSON.parse(readFileSync(file, 'utf8')) as {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const byNode = new Map<number, number>()
for (const [i, id] of profile.samples.entries())
  byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
const total = [...byNode.values()].reduce((a, b) => a + b, 0)

const byFunction = new Map<string, number>()
const byPackage = new Map<string, number>()
for (const node of profile.nodes) {
  const micros = byNode.get(node.id) ?? 0
  if (micros === 0) continue
  const { functionName, url, lineNumber } = node.callFrame
  const where = url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/(packages|connectors|tooling|node_modules)\//, '$1/')
  const fn = `${functionName || '(anonymous)'}  ${where ? `${where}:${lineNumber + 1}` : ''}`.trim()
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros)
  const pkg = packageOf(url, functionName)
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros)
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)'
  const workspace = /\/(packages|connectors|tooling)\/([^/]+)\/src\/(?:([^/]+)\/)?/.exec(url)
  if (workspace) return `${workspace[1]}/${workspace[2]}${workspace[3] ? `/${workspace[3]}` : ''}`
  const dependency = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (dependency) return dependency[1]!
  if (url.startsWith('node:')) return url
  return url
}

const print = (title: string, entries: Map<string, number>) => {
  console.log(`\n${title} (self time, of ${(total / 1e6).toFixed(2)} s sampled)`)
  for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(
      `${((micros / total) * 100).toFixed(1).padStart(5)}%  ${(micros / 1e6).toFixed(2).padStart(6)} s  ${name}`,
    )
  }
}
print('by package', byPackage)
print('by function', byFunction)
