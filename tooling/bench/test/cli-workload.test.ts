import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createCliProject,
  installRunner,
  loadedScripts,
  syncNames,
  timeSpawn,
} from '../src/workloads/cli-project.js'

describe('the command-line workload', () => {
  const dir = mkdtemp(path.join(os.tmpdir(), 'bench-cli-'))
  afterAll(async () => rm(await dir, { recursive: true, force: true }))

  it('runs the compiled runner, as installed, in a project whose status lists every sync', async () => {
    const root = await dir
    const bin = await installRunner(path.join(root, 'runner'))
    const project = path.join(root, 'project')
    await mkdir(project)
    await createCliProject(project, { syncs: 3, runsPerSync: 2, runnerDir: path.dirname(bin) })

    const scripts = await loadedScripts(bin, ['status'], {
      cwd: project,
      coverageDir: path.join(root, 'cov'),
    })
    expect(scripts.some((url) => url.endsWith('/dist/cli.js'))).toBe(true)
    expect(scripts.filter((url) => url.endsWith('.ts'))).toEqual([])

    const status = await timeSpawn(process.execPath, [bin, 'status', '--json'], { cwd: project })
    expect(status.code).toBe(0)
    const overview = JSON.parse(status.stdout) as Array<{ sync: string; health: string; lastRun?: unknown }>
    expect(overview.map((s) => s.sync)).toEqual(syncNames(3))
    for (const sync of overview) expect(sync.lastRun, sync.sync).toBeDefined()
  }, 120_000)
})
