import { expect, test } from 'vitest'
import { soak } from '../src/soak.js'

// 20,000 rows and 3 kills at a random seed: the seed is in the figures, so a failure can be replayed
// with `pnpm --filter @sluice/soak soak --seed <n>`.
test('a mirror killed three times amid injected faults converges: no row lost, none written too often, every failure with a reason', async () => {
  const seed = Math.floor(Math.random() * 2 ** 31)
  const result = await soak({ rows: 20_000, kills: 3, seed })
  console.log(result.figures.join('\n'))
  expect(result.failures, result.figures.join('\n')).toEqual([])
  expect(result.rowsLost).toBe(0)
}, 600_000)
