/**
 * The soak: a mirror of a DuckDB model, run by the real `sluice run` in child processes against a
 * loopback fake that injects faults (5% 5xx, 1% dropped connections, 1% answers lost after the write
 * was applied, 2% 429, 2% malformed 2xx), with runs SIGKILLed at random moments (each once the fake
 * has received a random number of requests from it, never after a fixed sleep). Then:
 * the destination equals the model; each record was written at most (kills + 2) times; every row that
 * did not succeed has a reason in the tracking lake; the ledger shows every killed run as incomplete.
 *
 * `soak()` returns its figures and the checks that failed: `test/soak.test.ts` runs it in CI, and
 * `src/cli.ts` runs it by hand at any size.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DuckDBInstance } from '@duckdb/node-api'
import { FaultyFake, seeded } from './fake.js'

const REPO = fileURLToPath(new URL('../../../', import.meta.url))
const BIN = join(REPO, 'apps/runner/bin/sluice.js')
export const SYNC = 'soak_mirror'
const REJECT_EVERY = 997
const BATCH = 100

interface RunJson {
  runId: string
  status: string
  counts: { succeeded: Record<string, number>; rejected: Record<string, number> }
}

export interface SoakOptions {
  rows: number
  kills: number
  seed: number
}

export interface SoakResult {
  /** What the soak measured, one line each, for people. */
  figures: string[]
  /** Each check that did not hold; empty when the soak passed. */
  failures: string[]
  rowsLost: number
}

export async function soak({ rows, kills, seed }: SoakOptions): Promise<SoakResult> {
  const random = seeded(seed)
  const dir = await mkdtemp(join(tmpdir(), 'sluice-soak-'))
  const fake = new FaultyFake(seeded(seed ^ 0x5eed), REJECT_EVERY)
  const url = await fake.start()
  // Opened for each statement only: a DuckDB file open for writing here could not be read by a run.
  const sql = async (statement: string) => {
    const warehouse = await DuckDBInstance.create(join(dir, 'warehouse.duckdb'))
    const connection = await warehouse.connect()
    try {
      return (await connection.runAndReadAll(statement)).getRows()
    } finally {
      connection.closeSync()
      warehouse.closeSync()
    }
  }
  try {
    await sql(`CREATE TABLE people AS
      SELECT range AS id, 'user' || range || '@example.com' AS email, 'name ' || range AS name,
             (range % 1000)::INTEGER AS score
      FROM range(1, ${rows + 1})
      UNION ALL SELECT NULL, 'nobody@example.com', 'no id', 0`)
    await project(dir, url)
    const started = Date.now()
    const killed: string[] = []
    let runs = 0
    let changed = false
    let last: RunJson | undefined
    // The runs that are killed: each once the fake has had a random share of a run's requests.
    while (killed.length < kills) {
      if (runs >= kills * 4)
        throw new Error(`only ${killed.length} of ${kills} runs could be killed in ${runs} runs`)
      if (killed.length === Math.ceil(kills / 2) && !changed) {
        // A record a killed run wrote but did not commit is unknown to the snapshot: were it removed
        // from the model before a run committed it, mirror could not delete it (see docs/guarantees.md).
        // So the model changes after a run that finished.
        runs++
        await startRun(dir).done
        await changeModel(sql)
        changed = true
      }
      const requestsBefore = fake.requests
      // The first killed run loads the model; each later one is given fresh work (a fifth of the rows
      // change), so it is still sending when the fake has had the random number of its requests.
      let work = rows
      if (killed.length > 0) {
        await sql(`UPDATE people SET score = score + 1 WHERE id % 5 = ${killed.length % 5}`)
        work = rows / 5
      }
      const target = 1 + Math.floor(random() * (work / BATCH) * 0.8)
      const child = startRun(dir)
      runs++
      const outcome = await Promise.race([
        child.done.then(() => 'finished' as const),
        fake.received(requestsBefore + target).then(() => 'progress' as const),
      ])
      if (outcome === 'finished') {
        const { stdout, stderr } = await child.done
        if (!/"status":"(succeeded|partially_succeeded|failed)"/.test(stdout))
          throw new Error(`a run ended before it could be killed, without a result:\n${stdout}\n${stderr}`)
      }
      if (outcome === 'progress' && child.process.exitCode === null) {
        child.process.kill('SIGKILL')
        await child.done
        killed.push(await newestRunId(dir))
      }
    }
    // Then runs until one converges (each may fail if the fake's faults outlast the retry budget).
    for (let attempt = 0; attempt < 6; attempt++) {
      runs++
      const child = startRun(dir)
      const { stdout } = await child.done
      last = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as RunJson)
        .at(-1)
      if (last && (last.status === 'succeeded' || last.status === 'partially_succeeded')) break
    }
    const seconds = (Date.now() - started) / 1000

    // The checks.
    const model = new Map<string, Record<string, unknown>>()
    for (const [id, email, name, score] of await sql(
      'SELECT id, email, name, score FROM people WHERE id IS NOT NULL',
    ))
      model.set(String(id), { external_id: Number(id), email, name, score })
    let lost = 0
    let refused = 0
    for (const [id, fields] of model) {
      if (Number(id) % REJECT_EVERY === 0) {
        refused++
        continue
      }
      const held = fake.records.get(id)
      if (!held || JSON.stringify(held) !== JSON.stringify(fields)) lost++
    }
    const extra = [...fake.records.keys()].filter((id) => !model.has(id)).length
    const maxWrites = Math.max(0, ...fake.writes.values())
    const lake = join(dir, '.sluice/lake/sync_tracking_datasets/*/*/*/*.parquet')
    const [[withoutReason]] = (await sql(
      `SELECT count(*) FROM read_parquet('${lake}', union_by_name=true)
       WHERE status <> 'succeeded' AND coalesce(status_message, '') = ''`,
    )) as [[bigint]]
    const ledger = await ledgerRuns(dir, 1000)
    const notIncomplete = killed.filter((id) => ledger.find((r) => r.runId === id)?.status !== 'incomplete')

    const injected = Object.values(fake.injected).reduce((a, b) => a + b, 0)
    const figures = [
      `soak: ${rows.toLocaleString('en')} rows mirrored, seed ${seed}, ${seconds.toFixed(0)} s`,
      `  runs: ${runs} (${killed.length} SIGKILLed), final run ${last?.status ?? 'missing'}`,
      `  faults injected: ${injected} (${Object.entries(fake.injected)
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ', ',
        )}) in ${fake.requests} requests; survived: ${last && lost === 0 ? injected + killed.length : 0}`,
      `  rows lost: ${lost} (must be 0); records the destination holds that the model does not: ${extra}`,
      `  most writes of one record with the same data: ${maxWrites} (at most kills + 2 = ${killed.length + 2})`,
      `  rows refused by the fake: ${refused}; rows not succeeded without a reason: ${withoutReason}`,
      `  killed runs not shown incomplete in the ledger: ${notIncomplete.length}`,
    ]
    const failures = [
      ...(last?.status === 'partially_succeeded' || last?.status === 'succeeded'
        ? []
        : ['the last run did not converge']),
      ...(lost === 0 ? [] : [`${lost} rows lost`]),
      ...(extra === 0 ? [] : [`${extra} records the model does not have`]),
      ...(maxWrites <= killed.length + 2 ? [] : [`a record was written ${maxWrites} times`]),
      ...(Number(withoutReason) === 0 ? [] : [`${withoutReason} rows without a reason`]),
      ...(notIncomplete.length === 0 ? [] : [`killed runs not incomplete: ${notIncomplete.join(', ')}`]),
      ...(killed.length === kills ? [] : ['fewer kills than asked']),
    ]
    return { figures, failures, rowsLost: lost }
  } finally {
    await fake.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

/** Between the kills the model changes: 5% of rows change, 1% leave it (the mirror deletes them). */
async function changeModel(sql: (s: string) => Promise<unknown>) {
  await sql("UPDATE people SET name = name || ' (changed)' WHERE id % 20 = 3")
  await sql('DELETE FROM people WHERE id % 100 = 7')
}

/** A project in `dir` that mirrors the warehouse's `people` table to the fake at `url`. */
export async function project(dir: string, url: string) {
  const modules = join(dir, 'node_modules')
  await mkdir(join(modules, '@sluice'), { recursive: true })
  await mkdir(join(modules, '@sluice-soak'), { recursive: true })
  await symlink(join(REPO, 'connectors/source-duckdb'), join(modules, '@sluice/source-duckdb'), 'junction')
  await symlink(
    fileURLToPath(new URL('../connector', import.meta.url)),
    join(modules, '@sluice-soak/destination-soak'),
    'junction',
  )
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'soak-project', private: true, type: 'module' }),
  )
  await writeFile(
    join(dir, 'sluice.json'),
    JSON.stringify({
      name: 'soak',
      sources: { warehouse: { type: 'duckdb', config: { path: 'warehouse.duckdb', readOnly: true } } },
      destinations: { fake: { type: 'soak', config: { url } } },
      models: { people: { source: 'warehouse', table: 'people' } },
      syncs: {
        [SYNC]: {
          model: 'people',
          destination: 'fake',
          object: 'records',
          behaviour: 'mirror',
          deleteBehaviour: 'delete',
          identifier: { column: 'id', field: 'external_id' },
          mappings: [
            { from: 'email', to: 'email' },
            { from: 'name', to: 'name' },
            { from: 'score', to: 'score' },
          ],
        },
      },
    }),
  )
}

/** `sluice <args>` in the project, as a child process; `done` once it has exited. */
export function sluice(
  dir: string,
  args: string[],
): { process: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d
  })
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d
  })
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  )
  return { process: child, done }
}

/** `sluice run` of the soak's sync, printing its result as JSON. */
export function startRun(dir: string): ReturnType<typeof sluice> {
  return sluice(dir, ['run', SYNC, '--json'])
}

/** The runs `sluice runs --json` lists (one JSON object a line), newest first. */
export async function ledgerRuns(
  dir: string,
  limit: number,
): Promise<Array<{ runId: string; status: string }>> {
  const { stdout } = await sluice(dir, ['runs', SYNC, '--json', '--limit', String(limit)]).done
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { runId: string; status: string })
}

/** The newest run of the sync in the ledger (the one just killed). */
async function newestRunId(dir: string): Promise<string> {
  const [run] = await ledgerRuns(dir, 1)
  return run?.runId ?? 'none'
}
