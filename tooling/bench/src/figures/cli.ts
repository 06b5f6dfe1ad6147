import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { Figure } from '../harness/figure.js'
import { median, percentile } from '../harness/stats.js'
import {
  createCliProject,
  installRunner,
  loadedScripts,
  syncNames,
  timeSpawn,
} from '../workloads/cli-project.js'
import { below } from './targets.js'

const SYNCS = 50
const RUNS_PER_SYNC = 3

/** Spawns per command: enough for a p90 at full scale, a few seconds in all at `--quick`. */
export function cliSpawns(scale: number): { help: number; status: number } {
  return scale >= 1 ? { help: 20, status: 10 } : { help: 5, status: 3 }
}

/**
 * Figure 9: how soon the command line answers, from the compiled runner laid out as an install leaves
 * it: `sluice --help`, and `sluice status` in a project of 50 syncs with history. Each spawn is a new
 * process timed from spawn to exit, as a person at a terminal waits for it. Bare `node -e 0` is
 * measured alongside: on a shared machine it says how much of the time is the machine's.
 */
export const cliFigure: Figure = {
  id: 'cli',
  title: 'command-line start-up',
  specs(scale) {
    const spawns = cliSpawns(scale)
    const status = `sluice status, ${SYNCS} syncs`
    return [
      {
        key: 'cli_help_p50_ms',
        label: `sluice --help: wall time p50 (${spawns.help} spawns)`,
        unit: 'ms',
        target: below(300, 'ms', true),
      },
      { key: 'cli_help_p90_ms', label: 'sluice --help: wall time p90', unit: 'ms' },
      {
        key: 'cli_status_p50_ms',
        label: `${status}: wall time p50 (${spawns.status} spawns)`,
        unit: 'ms',
        target: below(1000, 'ms', true),
      },
      { key: 'cli_status_p90_ms', label: `${status}: wall time p90`, unit: 'ms' },
      { key: 'node_start_p50_ms', label: `node -e 0: wall time p50 (${spawns.help} spawns)`, unit: 'ms' },
    ]
  },
  async run(ctx) {
    const spawns = cliSpawns(ctx.scale)
    const root = path.join(ctx.workDir, 'cli')
    const bin = await installRunner(path.join(root, 'runner'))
    const project = path.join(root, 'project')
    await mkdir(project, { recursive: true })
    await createCliProject(project, {
      syncs: SYNCS,
      runsPerSync: RUNS_PER_SYNC,
      runnerDir: path.dirname(bin),
    })

    // The layout must take the published path: the compiled CLI, and no TypeScript at all (the project's
    // config is sluice.json), where inside the repository the binary runs the workspace's source.
    const scripts = await loadedScripts(bin, ['status'], {
      cwd: project,
      coverageDir: path.join(root, 'coverage'),
    })
    const typescript = scripts.filter((url) => url.endsWith('.ts'))
    if (!scripts.some((url) => url.endsWith('/dist/cli.js')) || typescript.length > 0) {
      throw new Error(`bin/sluice.js did not run the compiled CLI: ${typescript.slice(0, 3).join(', ')}`)
    }
    const loaded = (name: string) => scripts.some((url) => url.includes(`/node_modules/${name}/`))
    ctx.log(
      `  status loaded ${scripts.length} scripts; tsx ${loaded('tsx') ? 'yes' : 'no'}, ` +
        `DuckDB ${loaded('@duckdb/node-api') ? 'yes' : 'no'}, pg ${loaded('pg') ? 'yes' : 'no'}`,
    )

    /** One spawn's wall time, once it has exited 0 and printed what it should. */
    const timed = async (what: string, args: string[], check: (stdout: string) => string | undefined) => {
      const spawned = await timeSpawn(process.execPath, args, { cwd: project })
      if (spawned.code !== 0) throw new Error(`${what} exited ${spawned.code}: ${spawned.stderr.trim()}`)
      const wrong = check(spawned.stdout)
      if (wrong) throw new Error(`${what} ${wrong}:\n${spawned.stdout}`)
      return spawned.ms
    }
    const names = syncNames(SYNCS)
    const helpWrong = (stdout: string) => (stdout.includes('status') ? undefined : 'printed no command list')
    const statusWrong = (stdout: string) =>
      names.every((name) => stdout.includes(name)) && !/\bnever\b/.test(stdout)
        ? undefined
        : 'did not show every sync with its last run'
    // One spawn of each in turn, so a burst of load elsewhere falls on all three alike.
    const node: number[] = []
    const help: number[] = []
    const status: number[] = []
    for (let i = 0; i < Math.max(spawns.help, spawns.status); i++) {
      node.push(await timed('node -e 0', ['-e', '0'], () => undefined))
      if (i < spawns.help) help.push(await timed('sluice --help', [bin, '--help'], helpWrong))
      if (i < spawns.status) status.push(await timed('sluice status', [bin, 'status'], statusWrong))
    }
    const ms = (values: number[]) => Math.round(values.reduce((a, b) => a + b, 0) / values.length)
    ctx.log(
      `  node -e 0 mean ${ms(node)} ms; --help mean ${ms(help)} ms, max ${Math.round(Math.max(...help))} ms; ` +
        `status mean ${ms(status)} ms, max ${Math.round(Math.max(...status))} ms`,
    )
    return {
      cli_help_p50_ms: {
        value: median(help),
        note: `node -e 0 alone took ${Math.round(median(node))} ms at p50 in the same run`,
      },
      cli_help_p90_ms: percentile(help, 90),
      cli_status_p50_ms: {
        value: median(status),
        note: `${SYNCS} syncs, ${RUNS_PER_SYNC} runs each in the ledger, sluice.json`,
      },
      cli_status_p90_ms: percentile(status, 90),
      node_start_p50_ms: median(node),
    }
  },
}
