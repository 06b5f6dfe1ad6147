// Builds the web UI that `sluice serve` serves: the browser modules compiled by tsc into dist/ui, beside
// the page and its style sheet. Nothing is bundled or fetched: the browser loads these files from the
// server itself.
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const noEmit = process.argv.includes('--noEmit')
execFileSync(
  process.execPath,
  [tsc, '-p', join(root, 'src/ui/tsconfig.json'), ...(noEmit ? ['--noEmit'] : [])],
  {
    stdio: 'inherit',
  },
)
if (!noEmit) {
  mkdirSync(join(root, 'dist/ui'), { recursive: true })
  for (const file of ['index.html', 'style.css'])
    copyFileSync(join(root, 'src/ui', file), join(root, 'dist/ui', file))
}
