import {
  type DuckDBArrayValue,
  type DuckDBBlobValue,
  type DuckDBDecimalValue,
  type DuckDBListValue,
  type DuckDBMapValue,
  type DuckDBStructValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
} from '@duckdb/node-api'
import type { Value } from '@sluice/core/contract'

/**
 * Converts DuckDB values into Sluice's `Value` (see `contract/records.ts`): exact where JSON is not
 * (every BIGINT, UBIGINT, HUGEINT value is a `bigint`, whatever its size, so a column has one type in
 * every row; DECIMAL becomes an exact decimal string), and text for every temporal type so payloads are the same whichever warehouse a model comes from.
 */
/**
 * A converter for one column, chosen once per result: types that already arrive as the right JS value
 * skip the per-value dispatch, which is most of the cost of reading wide, simple models.
 */
export function columnConverter(type: DuckDBType): (value: DuckDBValue) => Value {
  switch (type.typeId) {
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.BOOLEAN:
      return (value) => (value ?? null) as Value
    case DuckDBTypeId.VARCHAR:
      if (type.alias !== 'JSON') return (value) => (value ?? null) as Value
      return (value) => toValue(value, type)
    case DuckDBTypeId.BIGINT:
      return (value) => (typeof value === 'bigint' ? value : null)
    default:
      return (value) => toValue(value, type)
  }
}

export function toValue(value: DuckDBValue, type: DuckDBType): Value {
  if (value === null || value === undefined) return null
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return Boolean(value)
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return value as number
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return typeof value === 'bigint' ? value : BigInt(String(value))
    case DuckDBTypeId.DECIMAL:
      return (value as DuckDBDecimalValue).toString()
    case DuckDBTypeId.VARCHAR:
      return type.alias === 'JSON' ? parseJsonColumn(value as string) : (value as string)
    case DuckDBTypeId.DATE:
      return String(value)
    case DuckDBTypeId.TIMESTAMP_TZ:
      return isoTimestamp(value as unknown as { micros: bigint; isFinite: boolean }, 1n, 'Z', value)
    case DuckDBTypeId.TIMESTAMP:
      return isoTimestamp(value as unknown as { micros: bigint; isFinite: boolean }, 1n, '', value)
    case DuckDBTypeId.TIMESTAMP_MS:
      return isoTimestamp({ micros: (value as unknown as { millis: bigint }).millis }, 1000n, '', value)
    case DuckDBTypeId.TIMESTAMP_S:
      return isoTimestamp(
        { micros: (value as unknown as { seconds: bigint }).seconds },
        1_000_000n,
        '',
        value,
      )
    case DuckDBTypeId.LIST:
      return (value as DuckDBListValue).items.map((item) => toValue(item, type.valueType))
    case DuckDBTypeId.ARRAY:
      return (value as DuckDBArrayValue).items.map((item) => toValue(item, type.valueType))
    case DuckDBTypeId.STRUCT: {
      const entries = (value as DuckDBStructValue).entries
      const out: Record<string, Value> = {}
      type.entryNames.forEach((name, i) => {
        out[name] = toValue(entries[name] ?? null, type.entryTypes[i] as DuckDBType)
      })
      return out
    }
    case DuckDBTypeId.MAP: {
      const out: Record<string, Value> = {}
      for (const entry of (value as DuckDBMapValue).entries) {
        const key = toValue(entry.key, type.keyType)
        out[typeof key === 'string' ? key : JSON.stringify(key, bigintAsText)] = toValue(
          entry.value,
          type.valueType,
        )
      }
      return out
    }
    case DuckDBTypeId.BLOB:
      return Buffer.from((value as DuckDBBlobValue).bytes).toString('base64')
    default:
      // UUID, ENUM, TIME, INTERVAL, UNION, BIT …: DuckDB's own text form is what a user would type.
      return String(value)
  }
}

function parseJsonColumn(text: string): Value {
  try {
    return JSON.parse(text) as Value
  } catch {
    return text
  }
}

/** ISO-8601 from a count of `unit` microseconds: milliseconds when exact, microseconds when not. */
function isoTimestamp(
  ts: { micros: bigint; isFinite?: boolean },
  unit: bigint,
  zone: 'Z' | '',
  original: DuckDBValue,
): string {
  if (ts.isFinite === false) return String(original)
  const micros = ts.micros * unit
  // Within ±285 years of 1970 a double holds the microseconds exactly: skip the bigint arithmetic.
  const exact = micros > -SAFE_MICROS && micros < SAFE_MICROS
  const millis = exact ? Math.floor(Number(micros) / 1000) : Number(floorDiv(micros, 1000n))
  const subMillis = exact ? Number(micros) - millis * 1000 : Number(micros - floorDiv(micros, 1000n) * 1000n)
  const iso = isoFromMillis(millis)
  if (subMillis === 0) return `${iso}${zone}`
  return `${iso}${String(subMillis).padStart(3, '0')}${zone}`
}

const DAY_MS = 86_400_000

/**
 * `YYYY-MM-DDTHH:MM:SS.mmm` from milliseconds since 1970, by integer arithmetic (Howard Hinnant's
 * civil-from-days): several times faster than `new Date(ms).toISOString()`, which matters at one call
 * per timestamp per row. Years outside 0–9999 fall back to Date's extended form.
 */
function isoFromMillis(ms: number): string {
  const days = Math.floor(ms / DAY_MS)
  let rest = ms - days * DAY_MS
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0)
  if (year < 0 || year > 9999) return new Date(ms).toISOString().slice(0, -1)
  const hours = Math.floor(rest / 3_600_000)
  rest -= hours * 3_600_000
  const minutes = Math.floor(rest / 60_000)
  rest -= minutes * 60_000
  const seconds = Math.floor(rest / 1000)
  const millis = rest - seconds * 1000
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(millis, 3)}`
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0')
}

const SAFE_MICROS = BigInt(Number.MAX_SAFE_INTEGER)

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b
  return a % b < 0n ? q - 1n : q
}

function bigintAsText(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}
