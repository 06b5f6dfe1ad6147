// `pnpm pack:local`: every publishable package packed into `.packed/` as `pnpm publish` would upload it,
// so a project outside this checkout can install them before they are on a registry
// (`sluice init --from <checkout>/.packed`, `sluice connectors add <name> --from …`).
import { mkdir, rm } from 'node:fs/promises'
import { relative, resolve } from 'node:path'
import { packAll, REPO } from './workspace.js'

const destination = resolve(
  process.env.INIT_CWD ?? process.cwd(),
  process.argv[2] ?? resolve(REPO, '.packed'),
)
// Only this run's tarballs: an older version left beside a newer one would be a second choice.
await rm(destination, { recursive: true, force: true })
await mkdir(destination, { recursive: true })
const tarballs = await packAll(destination)
for (const [name, file] of tarballs) process.stdout.write(`  ${name.padEnd(32)} ${relative(REPO, file)}\n`)
process.stdout.write(
  [
    '',
    `${tarballs.size} packages packed into ${destination}. A project anywhere on this machine:`,
    `  node ${resolve(REPO, 'apps/runner/bin/sluice.js')} init my-project --from ${destination}`,
    '  cd my-project && npm install',
    '',
  ].join('\n'),
)
