import { DuckDBBitValue, type DuckDBConnection } from '@duckdb/node-api'
import { sqlStringList } from './sql.js'
import type { LakeEntry } from './storage.js'

/**
 * Bits in one file's filter. Each identifier sets two of them (two slices of DuckDB's 64-bit `hash`),
 * so a file of 5,000 identifiers answers "maybe" for about 2% of the identifiers it does not hold.
 */
const BITS = 65_536

/** Filters kept before the oldest are forgotten: 8 KB each, 16 MB in all (10M rows of 5,000-row files). */
const MAX_FILES = 2_000

const POSITIONS = (value: string) => `(${value} % ${BITS})::INTEGER, ((${value} >> 16) % ${BITS})::INTEGER`

/**
 * A Bloom filter of the identifiers in each batch file, built the first time a run is searched by
 * identifier: a search then reads only the files that may hold the identifier, not every file of
 * the run. Batch files never change, so a filter is kept as long as the file's path, size and time
 * are the same. The bits come from the lake's own DuckDB (`hash`), which also hashes what is searched.
 */
export class IdentifierFilters {
  readonly #known = new Map<string, DuckDBBitValue>()

  constructor(private readonly maxFiles = MAX_FILES) {}

  /** Which of `files` may hold `identifier` (every file that does, and rarely one that does not). */
  async filesThatMayHold(
    connection: DuckDBConnection,
    identifier: string,
    files: ReadonlyArray<{ entry: LakeEntry; readable: string }>,
  ): Promise<boolean[]> {
    const filters = files.map(({ entry }) => this.#known.get(keyOf(entry)))
    const missing = files.flatMap((_file, i) => (filters[i] ? [] : [i]))
    if (missing.length > 0) {
      const built = await build(
        connection,
        missing.map((i) => files[i]!.readable),
      )
      for (const i of missing) {
        // a file with no identifier at all (only NULL rows) has no bits set
        const filter = built.get(files[i]!.readable) ?? NOTHING
        this.#remember(keyOf(files[i]!.entry), filter)
        filters[i] = filter
      }
    }
    const [a, b] = (
      await connection.runAndReadAll(`SELECT ${POSITIONS('hash($1::VARCHAR)')}`, [identifier])
    ).getRows()[0]! as [number, number]
    return filters.map((filter) => isSet(filter!, a) && isSet(filter!, b))
  }

  get size(): number {
    return this.#known.size
  }

  #remember(key: string, filter: DuckDBBitValue): void {
    this.#known.set(key, filter)
    for (const oldest of this.#known.keys()) {
      if (this.#known.size <= this.maxFiles) break
      this.#known.delete(oldest)
    }
  }
}

/** The filter of a file with no identifier at all (only NULL rows). */
const NOTHING = DuckDBBitValue.fromLengthAndPredicate(BITS, () => false)

function isSet(filter: DuckDBBitValue, bit: number): boolean {
  return filter.getBit(bit) === 1
}

/** DuckDB sets the bits (`bitstring_agg`): one 8 KB value per file crosses into JS, not each bit. */
async function build(connection: DuckDBConnection, readable: readonly string[]) {
  const result = await connection.runAndReadAll(
    `SELECT filename, bitstring_agg(bit, 0, ${BITS - 1}) AS bits FROM (
       SELECT filename, unnest([${POSITIONS('hash(identifier)')}]) AS bit
       FROM read_parquet(${sqlStringList(readable)}, union_by_name = true, filename = true)
       WHERE identifier IS NOT NULL
     ) GROUP BY filename`,
  )
  const filters = new Map<string, DuckDBBitValue>()
  for (const [file, bits] of result.getRows()) {
    if (bits instanceof DuckDBBitValue) filters.set(String(file), bits)
  }
  return filters
}

function keyOf(file: LakeEntry): string {
  return `${file.path}\u0000${file.size}\u0000${file.modifiedAt.getTime()}`
}
