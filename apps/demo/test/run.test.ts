import type { ChildProcess } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sluice } from './helpers/cli.js'
import { type Fakes, runsOf, sampleProject, startFakes } from './helpers/project.js'

let fakes: Fakes
let project: Awaited<ReturnType<typeof sampleProject>>
beforeEach(async () => {
  fakes = await startFakes()
  project = await sampleProject(1200)
})
afterEach(async () => {
  await fakes.close()
  await project.remove()
})

const run = (args: string[], env: Record<string, string | undefined> = {}, cwd = project.path) =>
  sluice(['run', ...args], { cwd, env: { ...fakes.env, ...env } })

describe('sluice run', () => {
  it('prints one JSON object per run and exits 2 when some rows were rejected', async () => {
    const result = await run(['customers_to_braze', 'contacts_to_salesforce', '--json'])
    expect(result.code).toBe(2)
    const runs = runsOf(result.stdout)
    expect(runs.map((r) => r.sync)).toEqual(['customers_to_braze', 'contacts_to_salesforce'])
    const [braze] = runs
    expect(braze!.status).toBe('partially_succeeded')
    expect(braze!.runId).toMatch(/\S+/)
    expect(braze!.error).toBeNull()
    expect(braze!.counts.queried).toBe(1200)
    expect(braze!.counts.added + braze!.counts.invalid).toBe(1200)
    expect(braze!.counts.succeeded + braze!.counts.rejected).toBe(braze!.counts.added)
    // what the fake Braze holds is exactly what succeeded
    expect(fakes.braze.users()).toHaveLength(braze!.counts.succeeded)
    // stdout carries only the JSON; progress lines went to stderr
    expect(result.stdout.trim().split('\n')).toHaveLength(2)
    expect(result.stderr).toContain('customers_to_braze: querying')

    // nothing changed: only the rejected rows are retried, and they are rejected again
    const again = runsOf((await run(['customers_to_braze', '--json'])).stdout)[0]!
    expect(again.counts.changed).toBe(0)
    expect(again.counts.removed).toBe(0)
    expect(again.counts.added).toBe(braze!.counts.rejected)
    expect(again.counts.succeeded).toBe(0)
  })

  it('shows progress as plain lines and a summary when not on a terminal', async () => {
    const result = await run(['customers_to_braze'])
    expect(result.code).toBe(2)
    expect(result.stdout).toContain('customers_to_braze: querying')
    expect(result.stdout).toContain('customers_to_braze: sending')
    expect(result.stdout).toMatch(/▲ customers_to_braze {2}partially succeeded in [\d.]+m?s {2}run \S+/)
    expect(result.stdout).toMatch(/queried 1,200 · invalid \d+ \(NULL \d+, DUPLICATE \d+, other 0\)/)
    expect(result.stdout).toMatch(/succeeded [\d,]+ \(upsert [\d,]+\) · rejected \d+ \(upsert \d+\)/)
  })

  it('refuses a disabled sync unless --force, and --select leaves it out', async () => {
    const file = join(project.path, 'sluice.json')
    const config = JSON.parse(await readFile(file, 'utf8'))
    config.syncs.customers_to_braze.enabled = false
    config.syncs.customers_to_braze.labels = ['crm']
    config.syncs.contacts_to_salesforce.labels = ['crm']
    await writeFile(file, JSON.stringify(config))

    const refused = await run(['customers_to_braze'])
    expect(refused.code).toBe(1)
    expect(refused.stderr + refused.stdout).toContain('sync "customers_to_braze" is disabled')
    expect(fakes.braze.users()).toHaveLength(0)

    const selected = await run(['--select', 'label:crm', '--dry-run', '--json'])
    expect(runsOf(selected.stdout).map((r) => r.sync)).toEqual(['contacts_to_salesforce'])
    expect(selected.stderr).toContain('skipped customers_to_braze: disabled')

    const forced = await run(['customers_to_braze', '--force', '--dry-run', '--json'])
    expect(runsOf(forced.stdout).map((r) => r.sync)).toEqual(['customers_to_braze'])
  })

  it('plans without sending or committing with --dry-run', async () => {
    const result = await run(['customers_to_braze', '--dry-run'])
    // the plan already shows invalid rows: a partial success
    expect(result.code).toBe(2)
    expect(result.stdout).toContain('dry run: nothing sent, nothing committed')
    expect(result.stdout).toMatch(/would send: upsert 1,1\d\d/)
    expect(result.stdout).toMatch(/upsert \{.*"external_id":"cus_\d+"/)
    expect(fakes.braze.stats.requests).toBe(0)
    // nothing was committed: a real run afterwards still sends everything
    const real = runsOf((await run(['customers_to_braze', '--json'])).stdout)[0]!
    expect(real.counts.added + real.counts.invalid).toBe(1200)
  })

  it('fails with exit 1 and the reason when the destination refuses the credentials, without printing them', async () => {
    const result = await run(['customers_to_braze', '--json'], { BRAZE_API_KEY: 'wrong-key-0123456789' })
    expect(result.code).toBe(1)
    const [failed] = runsOf(result.stdout)
    expect(failed!.status).toBe('failed')
    expect(failed!.error!.message).toMatch(/braze/i)
    expect(result.stdout + result.stderr).not.toContain('wrong-key-0123456789')
  })

  it('refuses unknown syncs and contradictory flags before doing anything', async () => {
    const unknown = await run(['customers_to_braz'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain(
      'no sync "customers_to_braz" in sluice.json. Did you mean "customers_to_braze"?',
    )
    const both = await run(['customers_to_braze', '--full-resync', '--reset-cdc'])
    expect(both.code).toBe(1)
    expect(both.stderr).toContain('cannot be combined')
    expect(fakes.braze.stats.requests).toBe(0)
  })

  it('resends every row with --full-resync and sends nothing after --reset-cdc', async () => {
    const first = runsOf((await run(['customers_to_braze', '--json'])).stdout)[0]!
    const full = runsOf((await run(['customers_to_braze', '--full-resync', '--json'])).stdout)[0]!
    expect(full.counts.added + full.counts.invalid).toBe(1200)
    expect(full.counts.succeeded).toBe(first.counts.succeeded)
    const requests = fakes.braze.stats.requests
    const cdc = await run(['customers_to_braze', '--reset-cdc', '--json'])
    expect(runsOf(cdc.stdout)[0]!.counts.succeeded).toBe(0)
    expect(fakes.braze.stats.requests).toBe(requests)
    const after = runsOf((await run(['customers_to_braze', '--json'])).stdout)[0]!
    expect(after.counts.added + after.counts.changed + after.counts.removed).toBe(0)
    expect(fakes.braze.stats.requests).toBe(requests)
  })
})

describe('Ctrl-C during sluice run', () => {
  it('cancels cleanly, keeping what was committed', async () => {
    // larger than one commit (5,000 records), so some work is committed before the interrupt
    const big = await sampleProject(12_000, 'sluice-cancel-')
    try {
      fakes.brazeHost.faults.slowMs = 100
      let sent = false
      const result = await sluice(['run', 'customers_to_braze', '--json'], {
        cwd: big.path,
        env: fakes.env,
        onSpawn: (child) => {
          // interrupt once the fake holds more than the first commit's records
          const poll = setInterval(() => {
            if (fakes.braze.users().length > 5_500) {
              clearInterval(poll)
              sent = true
              child.kill('SIGINT')
            }
          }, 20)
          child.on('close', () => clearInterval(poll))
        },
      })
      expect(sent).toBe(true)
      expect(result.code).toBe(130)
      const [cancelled] = runsOf(result.stdout)
      expect(cancelled!.status).toBe('cancelled')
      expect(result.stderr).toContain('cancelling')
      expect(cancelled!.counts.succeeded).toBeGreaterThanOrEqual(5_000)
      expect(fakes.braze.users().length).toBeLessThan(cancelled!.counts.added)

      fakes.brazeHost.faults.slowMs = 0
      const listed = runsOf(
        (await sluice(['runs', '--status', 'cancelled', '--json'], { cwd: big.path })).stdout,
      )
      expect(listed.map((r) => r.runId)).toEqual([cancelled!.runId])
      // the next run does not send again what the cancelled one committed
      const next = runsOf((await run(['customers_to_braze', '--json'], {}, big.path)).stdout)[0]!
      // (the first commit's rows are in the snapshot, except the few Braze rejected, which are retried)
      expect(next.counts.unchanged).toBeGreaterThan(4_500)
      expect(next.counts.added + next.counts.unchanged).toBe(cancelled!.counts.added)
    } finally {
      await big.remove()
    }
  })

  it('lets other commands read while a run is in progress, and refuses a second run of the sync', async () => {
    const big = await sampleProject(12_000, 'sluice-concurrent-')
    try {
      // the destination answers nothing until the other commands have looked at the run in flight
      let release = () => {}
      fakes.brazeHost.faults.hold = new Promise<void>((resolve) => {
        release = resolve
      })
      let child: ChildProcess | undefined
      const first = sluice(['run', 'customers_to_braze', '--json'], {
        cwd: big.path,
        env: fakes.env,
        onSpawn: (spawned) => {
          child = spawned
        },
      })
      await until(() => fakes.brazeHost.traffic.received > 0, 120_000)

      const status = await sluice(['status'], { cwd: big.path })
      expect(status.code).toBe(0)
      expect(status.stdout).toMatch(/customers_to_braze +in progress/)
      const second = await run(['customers_to_braze', '--json'], {}, big.path)
      expect(second.code).toBe(1)
      const [refused] = runsOf(second.stdout)
      expect(refused!.runId).toBeNull()
      expect(refused!.error!.message).toMatch(/in progress|running/)

      child!.kill('SIGINT')
      release()
      const ended = await first
      expect(ended.code).toBe(130)
      expect(refused!.error!.message).toContain(runsOf(ended.stdout)[0]!.runId)
    } finally {
      fakes.brazeHost.faults.hold = undefined
      await big.remove()
    }
  }, 900_000)
})

async function until(condition: () => boolean, timeoutMs = 600_000): Promise<void> {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
