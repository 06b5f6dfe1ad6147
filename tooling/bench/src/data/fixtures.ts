import { copyFile, mkdtemp } from 'node:fs/promises'
import path from 'node:path'
import { secondsSince } from '../harness/stats.js'
import { generateUsers } from './users.js'

/**
 * Generated models shared by the figures of one invocation: each size is generated once, and a figure
 * that changes rows works on its own copy.
 */
export class Fixtures {
  readonly #models = new Map<number, Promise<string>>()
  readonly #synced = new Map<number, SyncedState[]>()

  constructor(
    readonly workDir: string,
    private readonly log: (message: string) => void,
  ) {}

  /** A DuckDB file holding the users model with `rows` rows. Do not change it: use `usersCopy`. */
  users(rows: number): Promise<string> {
    let model = this.#models.get(rows)
    if (!model) {
      const file = path.join(this.workDir, `users-${rows}.duckdb`)
      model = (async () => {
        const started = performance.now()
        await generateUsers(file, rows)
        this.log(`generated ${rows.toLocaleString('en-US')} users in ${secondsSince(started).toFixed(1)} s`)
        return file
      })()
      this.#models.set(rows, model)
    }
    return model
  }

  /** A private copy of the users model, for figures that change rows between runs. */
  async usersCopy(rows: number, name: string): Promise<string> {
    const copy = path.join(this.workDir, `users-${rows}-${name}.duckdb`)
    await copyFile(await this.users(rows), copy)
    return copy
  }

  /**
   * A model of the figure's own, to change as it likes: a copy of the shared one when it exists,
   * otherwise generated straight into the figure's file (a model no other figure uses is not worth
   * generating twice the disk for).
   */
  async usersOwn(rows: number, name: string): Promise<string> {
    if (this.#models.has(rows)) return this.usersCopy(rows, name)
    const file = path.join(this.workDir, `users-${rows}-${name}.duckdb`)
    const started = performance.now()
    await generateUsers(file, rows)
    this.log(`generated ${rows.toLocaleString('en-US')} users in ${secondsSince(started).toFixed(1)} s`)
    return file
  }

  /** Keeps the state of an initial sync of the shared `rows`-row model, for a figure that reruns it. */
  keepSynced(rows: number, state: SyncedState): void {
    this.#synced.set(rows, [...(this.#synced.get(rows) ?? []), state])
  }

  /** The initial syncs kept for `rows`, handed over once (the taker reruns, and so changes, them). */
  takeSynced(rows: number): SyncedState[] {
    const states = this.#synced.get(rows) ?? []
    this.#synced.delete(rows)
    return states
  }

  /** A new empty folder for one run's state or lake. */
  folder(prefix: string): Promise<string> {
    return mkdtemp(path.join(this.workDir, `${prefix}-`))
  }
}

/** A state store (and lake) after an initial sync of the shared users model, with that sync's time. */
export interface SyncedState {
  stateDir: string
  lakeDir: string
  initialSeconds: number
}
