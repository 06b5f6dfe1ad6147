import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import {
  type ConnectorContext,
  type RecordResult,
  type RunInfo,
  SluiceError,
  succeeded,
  type Value,
  type WriteBatch,
} from '@sluice/core'
import type { ObjectStore } from './api.js'
import type { Mode, ResolvedS3Config } from './config.js'
import { encodeParquet, extension, type LocalFile, writeEncodedParquet, writeTextFiles } from './files.js'

/** One stored file, as the manifest lists it. */
export interface ManifestFile {
  /** relative to the destination's URL */
  key: string
  /** upsert, append …; added, changed or removed in diff mode; snapshot in snapshot mode */
  operation: string
  part: number
  rows: number
  bytes: number
  sha256: string
}

/** What a reader trusts: written last, after every file of the run is stored. */
export interface Manifest {
  version: 1
  location: string
  sync: string
  object: string
  run: string
  startedAt: string
  finishedAt: string
  mode: Mode
  format: string
  compression: 'gzip' | null
  rows: number
  files: ManifestFile[]
}

interface RunFiles {
  run: RunInfo
  object: string | undefined
  nextPart: number
  files: ManifestFile[]
}

/**
 * Writes a run's batches as files and, when the run succeeds, its manifest. A batch's rows are
 * acknowledged only once every file holding them is stored, so the engine commits nothing that is not
 * in the bucket; a run that fails never gets a manifest, and its files sit under its own run id.
 */
export class RunWriter {
  private readonly runs = new Map<string, RunFiles>()
  private scratch: Promise<string> | undefined
  private duckdb: Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> | undefined
  private parquetWrites: Promise<unknown> = Promise.resolve()
  private standalone: RunInfo | undefined

  constructor(
    private readonly config: ResolvedS3Config,
    private readonly store: ObjectStore,
  ) {}

  async write(batch: WriteBatch, ctx: ConnectorContext): Promise<RecordResult[]> {
    const runFiles = this.runFor(ctx, batch.object)
    const groups = new Map<string, Array<Record<string, Value>>>()
    // A batch's records share an operation, so their file group follows from their change alone.
    const byChange = new Map<string | undefined, Array<Record<string, Value>>>()
    for (const record of batch.records) {
      let group = byChange.get(record.change)
      if (!group) {
        const operation = this.fileOperation(batch, record.change)
        group = groups.get(operation)
        if (!group) {
          group = []
          groups.set(operation, group)
        }
        byChange.set(record.change, group)
      }
      group.push(record.fields)
    }
    for (const [operation, records] of groups) {
      // Writes run concurrently: each file group gets a scratch folder of its own.
      const dir = join(await this.scratchDir(), `${operation}-${randomBytes(6).toString('hex')}`)
      await mkdir(dir, { recursive: true })
      try {
        const local = await this.writeLocal(records, dir)
        // Parts are numbered before any upload starts, so concurrent writes never share a key.
        const numbered = local.map((file) => ({ file, part: runFiles.nextPart++ }))
        for (const { file, part } of numbered) {
          const key = this.key(runFiles, operation, part)
          ctx.signal.throwIfAborted()
          await this.store.upload(key, file.path, ctx.signal)
          runFiles.files.push({
            key,
            operation,
            part,
            rows: file.rows,
            bytes: file.bytes,
            sha256: file.sha256,
          })
        }
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    }
    return batch.records.map(() => succeeded)
  }

  /** Writes the run's manifest, listing every file it stored: readers now see the run, and all of it. */
  async finishRun(ctx: ConnectorContext): Promise<Manifest | undefined> {
    const runFiles = this.runFor(ctx, undefined)
    const files = [...runFiles.files].sort((a, b) => a.part - b.part)
    const manifest: Manifest = {
      version: 1,
      location: this.store.location,
      sync: runFiles.run.sync,
      object: runFiles.object ?? '',
      run: runFiles.run.id,
      startedAt: runFiles.run.startedAt,
      finishedAt: new Date().toISOString(),
      mode: this.config.mode,
      format: this.config.format,
      compression: this.config.gzip ? 'gzip' : null,
      rows: files.reduce((sum, f) => sum + f.rows, 0),
      files,
    }
    await this.store.putText(
      render(this.config.manifestKey, runFiles, {}),
      `${JSON.stringify(manifest, null, 2)}\n`,
      ctx.signal,
    )
    this.runs.delete(runFiles.run.id)
    return manifest
  }

  async close(): Promise<void> {
    this.runs.clear()
    const db = await this.duckdb?.catch(() => undefined)
    db?.connection.closeSync()
    db?.instance.closeSync()
    const dir = await this.scratch?.catch(() => undefined)
    if (dir) await rm(dir, { recursive: true, force: true })
  }

  private runFor(ctx: ConnectorContext, object: string | undefined): RunFiles {
    // Outside a run (a test row, a direct call) the connected instance is its own run, named after
    // the object: its files are stored, but only a run that finishes gets a manifest.
    this.standalone ??= {
      id: `${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`,
      sync: object ?? 'files',
      startedAt: new Date().toISOString(),
    }
    const run = ctx.run ?? this.standalone
    let runFiles = this.runs.get(run.id)
    if (!runFiles) {
      runFiles = { run, object, nextPart: 1, files: [] }
      this.runs.set(run.id, runFiles)
    }
    runFiles.object ??= object
    return runFiles
  }

  /** The name of a record's file group: its operation, or in diff mode, what happened to the row. */
  private fileOperation(batch: WriteBatch, change: 'added' | 'changed' | 'removed' | undefined): string {
    const { mode } = this.config
    const { operation } = batch
    const refuse = (why: string) => {
      throw new SluiceError('config', `mode "${mode}" cannot write "${operation}" records: ${why}`, {
        component: 's3',
        code: 'MODE_MISMATCH',
      })
    }
    if (mode === 'snapshot') {
      if (operation !== 'upsert')
        refuse('a snapshot holds the whole model; use the behaviour mirror or upsert')
      return 'snapshot'
    }
    if (mode === 'diff') {
      if (operation === 'upsert') return change === 'changed' ? 'changed' : 'added'
      if (operation === 'delete') return 'removed'
      refuse(
        'diff mode writes added, changed and removed rows; use the behaviour mirror with deleteBehaviour "delete"',
      )
    }
    if (operation === 'delete' || operation === 'clear')
      refuse('changes mode writes added and changed rows; choose mode "diff" to write removed rows too')
    return operation
  }

  private async writeLocal(records: Array<Record<string, Value>>, dir: string): Promise<LocalFile[]> {
    const spec = {
      format: this.config.format,
      gzip: this.config.gzip,
      maxFileBytes: this.config.maxFileBytes,
      columns: this.config.columns,
    }
    if (spec.format !== 'parquet')
      return writeTextFiles(records, spec, dir, (i) => `part-${i}${extension(spec)}`)
    // One DuckDB connection, one COPY at a time: DuckDB parallelises each COPY itself.
    const { connection } = await this.database()
    // Encoding the rows is JavaScript's part: it runs while DuckDB writes the files of another write.
    const encoded = encodeParquet(records, spec)
    const written = this.parquetWrites.then(() => writeEncodedParquet(connection, encoded, join(dir, 'out')))
    this.parquetWrites = written.catch(() => {})
    return written
  }

  private key(runFiles: RunFiles, operation: string, part: number): string {
    return `${render(this.config.key, runFiles, { operation, part })}${extension(this.config)}`
  }

  private scratchDir(): Promise<string> {
    this.scratch ??= mkdtemp(join(tmpdir(), 'sluice-s3-'))
    return this.scratch
  }

  private database() {
    this.duckdb ??= DuckDBInstance.create(':memory:').then(async (instance) => ({
      instance,
      connection: await instance.connect(),
    }))
    return this.duckdb
  }
}

/** Fills a key template; every value is made safe as one path segment. */
export function render(
  template: string,
  runFiles: Pick<RunFiles, 'run' | 'object'>,
  values: { operation?: string; part?: number },
): string {
  const started = runFiles.run.startedAt
  const filled: Record<string, string> = {
    sync: runFiles.run.sync,
    object: runFiles.object ?? '',
    run: runFiles.run.id,
    date: started.slice(0, 10),
    time: started.slice(11, 19).replaceAll(':', ''),
    operation: values.operation ?? '',
    part: values.part === undefined ? '' : String(values.part).padStart(5, '0'),
  }
  return template.replace(/\{([a-z]+)\}/g, (_, name: string) => segment(filled[name] ?? ''))
}

function segment(value: string): string {
  return value.replace(/[^A-Za-z0-9._=-]/g, '_')
}
