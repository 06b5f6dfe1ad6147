/**
 * The soak at any size, by hand:
 *
 *   pnpm --filter @sluice/soak soak              20,000 rows, 3 kills (what the test runs in CI)
 *   pnpm --filter @sluice/soak soak --full       50,000 rows, 5 kills
 *   … --rows <n> --kills <n> --seed <n>
 */
import { parseArgs } from 'node:util'
import { soak } from './soak.js'

const { values } = parseArgs({
  options: {
    full: { type: 'boolean' },
    rows: { type: 'string' },
    kills: { type: 'string' },
    seed: { type: 'string' },
  },
})

soak({
  rows: Number(values.rows ?? (values.full ? 50_000 : 20_000)),
  kills: Number(values.kills ?? (values.full ? 5 : 3)),
  seed: Number(values.seed ?? Math.floor(Math.random() * 2 ** 31)),
}).then(
  ({ figures, failures }) => {
    process.stdout.write(`${figures.join('\n')}\n`)
    for (const failure of failures) process.stderr.write(`soak failed: ${failure}\n`)
    process.exit(failures.length === 0 ? 0 : 1)
  },
  (error: unknown) => {
    process.stderr.write(`soak failed: ${(error as Error).stack ?? error}\n`)
    process.exit(1)
  },
)
