/**
 * One initial sync of the users model in this process, for a CPU profile of where a run's time goes:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/sluice-profiles --import tsx --conditions=@sluice/source \
 *     src/profile-engine.ts [rows=1000000] [null|null-untracked]
 *   node --import tsx src/profile-summary.ts /tmp/sluice-profiles/<file>.cpuprofile
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { generateUsers } from './data/users.js'
import { engineRun, formatPhases } from './workloads/engine-run.js'
import { formatParts } from './workloads/timed-parts.js'

const rows = Number(process.argv[2] ?? 1_000_000)
const tracked = (process.argv[3] ?? 'null') !== 'null-untracked'
const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-profile-'))
try {
  const modelDb = path.join(dir, 'users.duckdb')
  await generateUsers(modelDb, rows)
  const output = await engineRun({
    modelDb,
    stateDir: path.join(dir, 'state'),
    lakeDir: tracked ? path.join(dir, 'lake') : null,
    destination: { kind: 'null' },
  })
  console.log(
    `${rows} rows ${tracked ? 'with' : 'without'} tracking: ${output.seconds.toFixed(2)} s, ${output.status}\n` +
      `  phases: ${formatPhases(output.phases)}\n  inside: ${formatParts(output.parts)}`,
  )
} finally {
  await rm(dir, { recursive: true, force: true })
}
