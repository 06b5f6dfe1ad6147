import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { emptyCounts } from '@sluice/core'
import { createStateStore } from '@sluice/state-store'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sluice, tempDir } from './helpers/cli.js'

/** `sluice doctor` on a project whose state holds a torn snapshot delta and a torn ledger file. */
let dir: Awaited<ReturnType<typeof tempDir>>
let state: string
let delta: string
let ledgerFile: string

const config = {
  name: 'acme',
  sources: { warehouse: { type: 'duckdb', config: { path: 'warehouse.duckdb' } } },
  destinations: { braze: { type: 'braze', config: { apiKey: '${env:BRAZE_API_KEY}' } } },
  models: { users: { source: 'warehouse', table: 'users' } },
  syncs: {
    users_to_braze: {
      model: 'users',
      destination: 'braze',
      object: 'users',
      behaviour: 'upsert',
      identifier: { column: 'id', field: 'external_id' },
    },
  },
}

beforeEach(async () => {
  dir = await tempDir('sluice-doctor-')
  await writeFile(join(dir.path, 'sluice.json'), JSON.stringify(config))
  state = join(dir.path, '.sluice', 'state')
  // Real state files, written by the state store as a run writes them.
  const store = createStateStore({ path: state })
  try {
    const session = await store.openDiff('users_to_braze')
    await session.commit({
      put: [{ identifier: '1', hash: 'c4ca4238a0b923820dcc509a6f75849b' }],
      remove: [],
      reject: [],
    })
    await session.commit({
      put: [{ identifier: '2', hash: 'c81e728d9d4c2f636f067f89cc14862c' }],
      remove: [],
      reject: [],
    })
    for (const [id, day] of [
      ['20260301T000000000Z-aaaaaa', '01'],
      ['20260302T000000000Z-bbbbbb', '02'],
    ] as const) {
      await store.saveRun({
        id,
        sync: 'users_to_braze',
        status: 'succeeded',
        mode: 'incremental',
        startedAt: `2026-03-${day}T00:00:00.000Z`,
        counts: emptyCounts(),
      })
    }
  } finally {
    await store.close()
  }
  const snapshot = join(state, 'syncs', 'users_to_braze', 'snapshot')
  delta = join(snapshot, readdirSync(snapshot).find((name) => name.startsWith('delta.')) as string)
  writeFileSync(delta, 'PAR1 torn')
  ledgerFile = join(state, 'syncs', 'users_to_braze', 'runs', '20260302T000000000Z-bbbbbb.json')
  writeFileSync(ledgerFile, '{"id": "20260302T0')
})
afterEach(() => dir.remove())

describe('sluice doctor', () => {
  it('names each state file that cannot be read, with what its repair does', async () => {
    const result = await sluice(['doctor'], { cwd: dir.path })
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('2 state files cannot be read')
    expect(result.stdout).toContain(
      join('.sluice', 'state', 'syncs', 'users_to_braze', 'runs', '20260302T000000000Z-bbbbbb.json'),
    )
    expect(result.stdout).toContain(delta.slice(dir.path.length + 1))
    expect(result.stdout).toMatch(
      /snapshot delta \(one commit\)\n.*\n\s+repair: the rows this commit recorded .* sends them again/,
    )
    expect(result.stdout).toContain('sluice doctor --repair --yes')
    // The history still shows the readable run.
    const status = await sluice(['runs', '--json'], { cwd: dir.path })
    expect(status.code).toBe(0)
    expect(status.stdout).toContain('20260301T000000000Z-aaaaaa')
  })

  it('repairs only when confirmed, into the quarantine, and then finds nothing', async () => {
    const unconfirmed = await sluice(['doctor', '--repair'], { cwd: dir.path })
    expect(unconfirmed.code).toBe(1)
    expect(unconfirmed.stderr).toContain('--repair --yes')
    expect(existsSync(delta)).toBe(true)

    const repaired = await sluice(['doctor', '--repair', '--yes', '--json'], { cwd: dir.path })
    expect(repaired.code).toBe(0)
    const { quarantined } = JSON.parse(repaired.stdout) as {
      quarantined: Array<{ kind: string; path: string; movedTo: string }>
    }
    expect(quarantined.map((q) => q.kind).sort()).toEqual(['ledger', 'snapshot-delta'])
    expect(existsSync(delta)).toBe(false)
    expect(existsSync(ledgerFile)).toBe(false)
    for (const q of quarantined) {
      expect(q.movedTo.startsWith(join('.sluice', 'state', 'quarantine'))).toBe(true)
      expect(existsSync(join(dir.path, q.movedTo))).toBe(true)
    }
    const again = await sluice(['doctor'], { cwd: dir.path })
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('every state file of sluice.json reads back')
    // The snapshot now holds only the row of the intact commit: the other is sent again next run.
    const store = createStateStore({ path: state })
    try {
      expect((await store.snapshotEntries('users_to_braze')).map((e) => e.identifier)).toHaveLength(1)
    } finally {
      await store.close()
    }
  })

  it('says all is well on a project without state', async () => {
    const fresh = await tempDir('sluice-doctor-empty-')
    try {
      await mkdir(fresh.path, { recursive: true })
      await writeFile(join(fresh.path, 'sluice.json'), JSON.stringify(config))
      const result = await sluice(['doctor', '--json'], { cwd: fresh.path })
      expect(result.code).toBe(0)
      expect(JSON.parse(result.stdout)).toEqual({ damaged: [] })
    } finally {
      await fresh.remove()
    }
  })
})
