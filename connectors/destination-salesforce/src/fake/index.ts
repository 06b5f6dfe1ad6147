import {
  clearFaults,
  createFakeStats,
  createFaults,
  type DestinationFake,
  rejectionFor,
  resetFakeStats,
} from '@sluice/conformance/fake'
import type { SObjectDescribe } from '../describe.js'
import { bulkHandlers, type FakeJob } from './bulk.js'
import type { FakeContext, FakeTuning } from './context.js'
import { type FakeOAuthOptions, oauthHandlers } from './oauth.js'
import { FakeOrg, type InputValues, type SaveResult, type StoredValue } from './org.js'
import { restHandlers } from './rest.js'
import { defaultObjects } from './schema.js'
import { Sessions } from './sessions.js'

export type { FakeJob, JobState } from './bulk.js'
export { makeId, toId15, toId18 } from './ids.js'
export type { RecordError, SaveResult, StoredValue } from './org.js'
export { defaultObjects } from './schema.js'

export interface FakeSalesforceOptions extends FakeOAuthOptions, FakeTuning {
  /** the org's objects; default Contact, Lead, Account and `Subscription__c` (see `defaultObjects()`) */
  objects?: SObjectDescribe[]
  /** the daily API request allocation; default 100,000 */
  dailyApiRequests?: number
  /** how long an access token lives; default 2 hours */
  sessionTtlMs?: number
}

/** A fake Salesforce org: the conformance contract plus what tests need to look inside. */
export interface FakeSalesforce extends DestinationFake {
  /** API requests counted against the daily allocation, as `Sforce-Limit-Info` reports them */
  readonly apiUsage: { used: number; max: number }
  /** sets the allocation's usage (to make it run out) */
  setApiUsage(used: number, max?: number): void
  /** access tokens issued so far, by either grant */
  readonly tokensIssued: number
  /** every live record of an object, with its 18-character `Id` and the org's own fields */
  rows(object: string): Array<Record<string, StoredValue>>
  /** a record by any field's value (`Id`, an external ID …) */
  find(object: string, field: string, value: string): Record<string, StoredValue> | undefined
  /** creates a record directly, as another user of the org would */
  insert(object: string, values: InputValues): SaveResult
  /** Bulk API 2.0 jobs, oldest first */
  jobs(): FakeJob[]
}

/** An Enterprise Edition org's base daily allocation is larger; this is plenty for tests. */
const DAILY_API_REQUESTS = 100_000

/** Fields the org maintains itself, left out of `records()`. */
const SYSTEM_FIELDS = ['CreatedDate', 'LastModifiedDate']

/**
 * Creates the fake org. Its handlers match any origin (`*\/services/…`), so the fake host's loopback
 * URL serves as the login host and, through the token response's `instance_url`, as the instance.
 */
export function createFakeSalesforce(options: FakeSalesforceOptions = {}): FakeSalesforce {
  const faults = createFaults()
  const stats = createFakeStats()
  const describes = options.objects ?? defaultObjects()
  const org = new FakeOrg(describes, (record) => rejectionFor(faults, record))
  const jobs = new Map<string, FakeJob>()
  const ctx: FakeContext = {
    org,
    sessions: new Sessions(options.sessionTtlMs ?? 2 * 60 * 60 * 1000),
    faults,
    stats,
    usage: { used: 0, max: options.dailyApiRequests ?? DAILY_API_REQUESTS },
    options: {
      bulkPollsUntilComplete: options.bulkPollsUntilComplete ?? 1,
      maxUploadBytes: options.maxUploadBytes ?? 100 * 1024 * 1024,
      seed: options.seed ?? 1,
    },
  }
  const identifierOf = (object: string) =>
    org.describe(object)?.fields.find((f) => f.externalId)?.name ?? 'Id'

  return {
    handlers: [...oauthHandlers(ctx, options), ...restHandlers(ctx), ...bulkHandlers(ctx, jobs)],
    faults,
    stats,
    /**
     * Records keyed by the object's first external-ID field (`Id` when it has none), with the fields
     * a user can write: what a sync matching on that field reads back.
     */
    records(object) {
      const key = identifierOf(object)
      const out = new Map<string, Record<string, unknown>>()
      for (const row of org.rows(object)) {
        const identifier = row[key]
        if (identifier === null || identifier === undefined) continue
        const fields: Record<string, unknown> = { ...row }
        for (const name of SYSTEM_FIELDS) delete fields[name]
        out.set(String(identifier), fields)
      }
      return out
    },
    reset() {
      org.reset()
      jobs.clear()
      resetFakeStats(stats)
      ctx.usage.used = 0
      ctx.usage.max = options.dailyApiRequests ?? DAILY_API_REQUESTS
      clearFaults(faults)
    },
    get apiUsage() {
      return { ...ctx.usage }
    },
    setApiUsage(used, max) {
      ctx.usage.used = used
      if (max !== undefined) ctx.usage.max = max
    },
    get tokensIssued() {
      return ctx.sessions.issued
    },
    rows: (object) => [...org.rows(object)],
    find: (object, field, value) => org.findBy(object, field, value),
    insert: (object, values) => org.insert(object, values),
    jobs: () => [...jobs.values()],
  }
}
