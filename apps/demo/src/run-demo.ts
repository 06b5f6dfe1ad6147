import { existsSync, readdirSync, realpathSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { type RunRecord, SluiceError } from '@sluice/core'
import {
  type CommandInput,
  duration,
  EXIT,
  executeSync,
  loadInstalledConnectors,
  n,
  openProject,
  paintFor,
  reporterFor,
} from '@sluice/runner'
import { startDemoDestinations } from './destinations.js'
import { installDemoConnectors } from './install-connectors.js'
import {
  DEMO_DESTINATIONS,
  DEMO_EXPORTS,
  DEMO_SCHEDULE,
  DEMO_SHEET,
  DEMO_SYNCS,
  demoConfig,
} from './project.js'
import { changeDemoWarehouse, createDemoWarehouse } from './warehouse.js'

const DEMO_NAME = 'sluice-demo'
/** What the fake spreadsheet's sheet holds after the demo, since nobody can open it in Google Sheets. */
const FAKE_SHEET_FILE = 'fake-sheet.csv'
/** Written by `--serve` while the fakes run: the variables that point a shell at them. */
const FAKE_ENV_FILE = 'fake-apis.env'

/** The folder a newcomer expects: `.sluice-demo` where they ran the command (pnpm runs scripts elsewhere). */
function defaultDir(): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), '.sluice-demo')
}

/** Starts clean each time, but never deletes a folder the demo did not create. */
async function prepareDir(dir: string): Promise<void> {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    const config = join(dir, 'sluice.json')
    const ours =
      existsSync(config) &&
      (JSON.parse(await readFile(config, 'utf8')) as { name?: string }).name === DEMO_NAME
    if (!ours) {
      throw new SluiceError('config', `${dir} exists and is not a Sluice demo folder; nothing was changed.`, {
        code: 'DEMO_DIR_IN_USE',
        hint: 'Give the demo another folder: sluice demo <dir>.',
      })
    }
    await rm(join(dir, '.sluice'), { recursive: true, force: true })
    await rm(join(dir, 'warehouse.duckdb'), { force: true })
    await rm(join(dir, 'warehouse.duckdb.wal'), { force: true })
    await rm(join(dir, DEMO_EXPORTS), { recursive: true, force: true })
    await rm(join(dir, FAKE_SHEET_FILE), { force: true })
  }
  await mkdir(dir, { recursive: true })
}

/** RFC 4180 rows, every value quoted: what a spreadsheet exports. */
function toCsv(rows: unknown[][]): string {
  const field = (value: unknown) => `"${String(value ?? '').replaceAll('"', '""')}"`
  // The fake leaves a row's trailing empty cells out, as the API does: every line gets every column.
  const width = Math.max(0, ...rows.map((row) => row.length))
  return rows.map((row) => `${Array.from({ length: width }, (_, i) => field(row[i])).join(',')}\r\n`).join('')
}

const clip = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text)

/** The Census query, run over the demo's lake: rejected identifiers grouped by reason. */
function censusQuery(lake: string, separator = ' '): string {
  return [
    'SELECT status_reason, ARRAY_AGG(identifier)',
    `FROM read_parquet('${lake}/sync_tracking_datasets/*/*/*/*.parquet', union_by_name=True)`,
    "WHERE status = 'rejected' GROUP BY 1",
  ].join(separator)
}

async function topRejections(
  lake: string,
): Promise<Array<{ message: string; count: number; examples: string[] }>> {
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  try {
    const reader = await connection.runAndReadAll(
      `SELECT status_reason AS message, len(ids)::INTEGER AS count, list_slice(list_sort(list_distinct(ids)), 1, 3) AS examples
       FROM (${censusQuery(lake)}) AS t(status_reason, ids) ORDER BY count DESC, message LIMIT 5`,
    )
    return reader.getRowObjectsJson() as Array<{ message: string; count: number; examples: string[] }>
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

/** `sluice demo [dir] [--customers <n>] [--serve]`: the runner finds this package and calls it. */
export async function runDemo({ positionals, values }: CommandInput): Promise<number> {
  const started = Date.now()
  const customers = values.customers === undefined ? 25_000 : Number(values.customers)
  if (!Number.isInteger(customers) || customers < 100) {
    throw new SluiceError(
      'config',
      `--customers must be a whole number ≥ 100, found "${values.customers}".`,
      {
        code: 'BAD_USAGE',
      },
    )
  }
  const callerDir = process.env.INIT_CWD ?? process.cwd()
  const dir = positionals[0] === undefined ? defaultDir() : resolve(process.cwd(), positionals[0])
  const shown = (path: string) => relative(callerDir, path) || '.'
  const paint = paintFor(process.stdout)
  const say = (text = '') => process.stdout.write(`${text}\n`)
  const step = (number: number, text: string) =>
    say(`\n${paint.bold(paint.cyan(`${number}.`))} ${paint.bold(text)}`)

  say(`${paint.bold('Sluice demo')}  ${paint.dim(`project folder: ${dir}`)}`)
  await prepareDir(dir)

  step(1, 'A warehouse with realistic, imperfect data')
  const warehouse = join(dir, 'warehouse.duckdb')
  const facts = await createDemoWarehouse(warehouse, customers)
  say(`   ${shown(warehouse)}: ${n(facts.customers)} customers and ${n(facts.events)} events (DuckDB)`)
  say(
    paint.dim(
      '   with missing and duplicated customer ids, malformed emails, over-long company names and missing last names',
    ),
  )

  step(2, 'Destinations')
  // The demo project uses the connectors this package depends on, linked into its node_modules as an
  // install would put them there, so every sluice command run in the folder later finds them too.
  await installDemoConnectors(dir)
  // Each destination whose connector is installed and usable; the demo says why it skips one.
  const configFile = join(dir, 'sluice.json')
  const { list: installed, loaded } = await loadInstalledConnectors(configFile)
  const usable = DEMO_DESTINATIONS.filter((name) => loaded.destinations?.[name] !== undefined)
  for (const name of DEMO_DESTINATIONS.filter((d) => !usable.includes(d))) {
    const found = installed.find((c) => c.type === name || c.package === `@sluice/destination-${name}`)
    const why = found ? `not usable: ${found.problems.join('; ')}` : 'its connector is not installed'
    say(`   ${name.padEnd(10)} ${paint.yellow(`skipped, ${why}`)}`)
  }
  if (usable.length === 0) {
    throw new SluiceError(
      'config',
      'no demo destination is usable: none of the Braze, Salesforce, Google Sheets and S3 connectors loads (see above).',
      {
        code: 'CONNECTOR_NOT_INSTALLED',
      },
    )
  }
  const syncs = usable.map((name) => DEMO_SYNCS[name])
  const apis = await startDemoDestinations(usable)
  try {
    for (const d of apis.destinations) {
      say(
        d.kind === 'fake'
          ? `   ${d.name.padEnd(10)} fake API on ${d.url} ${paint.dim('(no credentials needed)')}`
          : d.kind === 'folder'
            ? `   ${d.name.padEnd(10)} local folder ${shown(join(dir, DEMO_EXPORTS))} ${paint.dim('(the same writer as a bucket)')}`
            : `   ${d.name.padEnd(10)} ${paint.yellow(`your account at ${d.url}`)} ${paint.dim('(from the environment)')}`,
      )
    }
    await writeFile(configFile, `${JSON.stringify(demoConfig(usable), null, 2)}\n`)
    await writeFile(join(dir, '.gitignore'), '*\n')
    say(`   project config: ${shown(configFile)}`)

    const project = await openProject({ config: configFile, cwd: dir, json: false })
    const reporter = reporterFor(false)
    const runAll = async () => {
      const runs: RunRecord[] = []
      for (const sync of syncs) {
        const { run } = await executeSync(project, sync, {
          mode: 'incremental',
          dryRun: false,
          signal: new AbortController().signal,
          onProgress: (view) => reporter.progress(view),
        })
        reporter.finished(run)
        runs.push(run)
      }
      return runs
    }

    step(3, 'First run: every customer is new')
    const first = await runAll()

    step(4, 'The warehouse changes')
    const change = await changeDemoWarehouse(warehouse)
    say(
      `   ${n(change.inserted)} new customers, ${n(change.updated)} changed plans, ${n(change.deleted)} customers left, ${n(change.fixedEmails)} broken emails fixed`,
    )

    step(5, 'Second run: only what changed is sent')
    const second = await runAll()

    const lake = project.resolved.settings.lake
    const lakePath = 'path' in lake ? lake.path : undefined
    const state = project.resolved.settings.state
    step(6, 'Where things are')
    say(`   project config   ${shown(configFile)}`)
    say(`   warehouse        ${shown(warehouse)}`)
    if (state.backend === 'duckdb') say(`   state and runs   ${shown(state.path)}`)
    if (lakePath) say(`   tracking lake    ${shown(lakePath)} ${paint.dim('(parquet, one file per batch)')}`)
    const sheet = apis.destinations.find((d) => d.name === 'sheets')
    if (sheet?.kind === 'real') say(`   sheet            ${sheet.url} ${paint.dim(`(tab ${DEMO_SHEET})`)}`)
    if (sheet?.kind === 'fake' && apis.fakeSheet) {
      // Nobody can open the fake's spreadsheet: what it holds is written out next to the project.
      const file = join(dir, FAKE_SHEET_FILE)
      await writeFile(file, toCsv(apis.fakeSheet()))
      say(
        `   sheet            ${shown(file)} ${paint.dim(`(tab ${DEMO_SHEET} of the fake spreadsheet, as CSV)`)}`,
      )
    }
    if (apis.destinations.some((d) => d.name === 's3')) {
      const files = join(dir, DEMO_EXPORTS)
      say(
        `   files            ${shown(files)} ${paint.dim('(parquet: added, changed and removed rows of each run, and its manifest.json)')}`,
      )
      say(paint.dim(`   SELECT * FROM read_parquet('${files}/customers_to_s3/*/*/removed-*.parquet')`))
    }

    if (lakePath) {
      say('\n   Rejected rows of both runs by reason, straight from the lake with DuckDB:')
      say(paint.dim(`   ${censusQuery(lakePath, '\n   ')}`))
      for (const row of await topRejections(lakePath)) {
        say(
          `   ${paint.yellow(n(row.count).padStart(6))}  ${clip(row.message, 72)}  ${paint.dim(`e.g. ${row.examples.join(', ')}`)}`,
        )
      }
    }

    const latest = second.find((r) => r.status !== 'succeeded') ?? second[0]!
    // the runner's own bin/sluice.js, wherever the command was started from
    const bin = process.argv[1] ? realpathSync(process.argv[1]) : 'sluice'
    const inRepo = !bin.includes(`${join('node_modules', '')}`)
    say(`\n${paint.bold('Try it yourself')}`)
    if (inRepo) say(`   alias sluice='node ${bin}'`)
    say(`   cd ${shown(dir)}`)
    say('   sluice status')
    say('   sluice runs')
    say(`   sluice runs show ${latest.id}`)
    say(`   sluice records ${latest.id} --status rejected --sample`)
    if (apis.destinations.some((d) => d.kind === 'fake') && !values.serve) {
      say(
        paint.dim(
          '   The fake APIs stop with the demo: sluice demo --serve keeps them up to try run and test-row.',
        ),
      )
      say(
        paint.dim(
          '   Your own accounts: set BRAZE_API_KEY and BRAZE_INSTANCE_URL (Salesforce: SALESFORCE_LOGIN_URL,',
        ),
      )
      say(
        paint.dim('   SALESFORCE_CLIENT_ID, SALESFORCE_REFRESH_TOKEN; Google Sheets: SHEETS_SPREADSHEET_ID,'),
      )
      say(
        paint.dim('   SHEETS_CLIENT_ID, SHEETS_CLIENT_SECRET, SHEETS_REFRESH_TOKEN) and run the demo again.'),
      )
    }

    const all = [...first, ...second]
    const failed = all.filter(
      (r) => r.status === 'failed' || r.status === 'cancelled' || r.status === 'incomplete',
    )
    say(
      `\n${failed.length === 0 ? paint.green('✔') : paint.red('✖')} demo finished in ${duration(Date.now() - started)}`,
    )
    if (values.serve && Object.keys(apis.fakeEnv).length > 0) {
      // The fakes' credentials are read through ${env:} like real ones, so they are masked in output;
      // a file in the demo folder carries them to another terminal instead.
      const envFile = join(dir, FAKE_ENV_FILE)
      const exports = Object.entries(apis.fakeEnv).map(([name, value]) => `export ${name}='${value}'`)
      await writeFile(envFile, `${exports.join('\n')}\n`)
      say(`\n${paint.bold('The fake APIs keep running until Ctrl-C.')} In another terminal:`)
      say(`   cd ${shown(dir)}`)
      say(`   . ./${FAKE_ENV_FILE}`)
      say(`   sluice test-row ${syncs[0]} --id cus_0000001`)
      say(`   sluice run ${syncs.join(' ')}`)
      say(
        `   sluice serve   ${paint.dim(`# ${syncs[0]} every ${DEMO_SCHEDULE.every}, the others after it; the REST API on 127.0.0.1:8080`)}`,
      )
      await new Promise<void>((done) => {
        process.once('SIGINT', () => done())
        process.once('SIGTERM', () => done())
      })
      await rm(envFile, { force: true })
    }
    return failed.length === 0 ? EXIT.ok : EXIT.failed
  } finally {
    await apis.close()
  }
}
