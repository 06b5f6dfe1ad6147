/**
 * What flows through a run: rows from a source, records to a destination, results back.
 */

/**
 * A value as a source hands it over. Every value of a BIGINT (int8, HUGEINT, UBIGINT) column is a
 * `bigint`, whatever its size, so a column has one type in every row (JSON request bodies of the HTTP
 * toolkit write it as an exact number); smaller integer and floating types are `number`; DECIMAL is an
 * exact decimal string; DATE is `YYYY-MM-DD`; TIMESTAMP and TIMESTAMPTZ are ISO-8601 strings (UTC for TIMESTAMPTZ);
 * JSON, STRUCT and MAP are objects; LIST and ARRAY are arrays.
 */
export type Value = null | boolean | number | bigint | string | Value[] | { [key: string]: Value }

/** One row of a model: column name → value. */
export type Row = Record<string, Value>

/** The six sync behaviours: what a sync does with added, changed and removed rows. */
export const BEHAVIOURS = ['upsert', 'update', 'create', 'mirror', 'append', 'delete'] as const
export type Behaviour = (typeof BEHAVIOURS)[number]

/** What mirror does with a row that left the model. */
export const DELETE_BEHAVIOURS = ['nothing', 'clear', 'delete'] as const
export type DeleteBehaviour = (typeof DELETE_BEHAVIOURS)[number]

/**
 * What is asked of the destination for one record. `clear` is mirror's "clear fields": every mapped
 * field set to empty on a record that left the model.
 */
export const OPERATIONS = ['upsert', 'update', 'create', 'append', 'delete', 'clear'] as const
export type Operation = (typeof OPERATIONS)[number]

/** One record sent to a destination. */
export interface OutboundRecord {
  /** the matching identifier's value, as text (the key in the snapshot and in tracking) */
  identifier: string
  /**
   * The mapped payload: destination field → value, nested where the mapping says so. It always holds
   * the identifier field. For `delete` it holds only the identifier; for `clear` every mapped field is
   * `null`.
   */
  fields: Record<string, Value>
  /**
   * Why the record is sent: the row is new to the sync, changed since the last run, or left the model.
   * Set by the engine; a file destination writes added, changed and removed rows apart with it.
   */
  change?: 'added' | 'changed' | 'removed'
}

/** A batch of records that all share one object and one operation. */
export interface WriteBatch {
  /** the destination object (a Salesforce sObject, Braze `users`, a sheet tab …) */
  object: string
  operation: Operation
  /** the destination field that matches records (the sync's identifier field) */
  identifierField: string
  records: OutboundRecord[]
}

/**
 * The destination's verdict on one record of a batch. `possiblyDuplicated` marks a record of an
 * operation that is not idempotent (append) whose request was sent again after an answer that was
 * lost or unreadable: the destination may hold it twice.
 */
export type RecordResult =
  | { status: 'succeeded'; possiblyDuplicated?: boolean }
  | { status: 'rejected'; reason: string }

export const succeeded: RecordResult = Object.freeze({ status: 'succeeded' })
export function rejected(reason: string): RecordResult {
  return { status: 'rejected', reason }
}
