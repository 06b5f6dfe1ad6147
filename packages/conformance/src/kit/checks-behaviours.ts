import { expect } from 'vitest'
import { expectAllSucceeded, expectStored } from './assertions.js'
import { both, type Check, changed, needsSeed, requires, samples } from './check.js'

/** Records sent by each behaviour check. */
const COUNT = 5

export const behaviourChecks: Check[] = [
  {
    group: 'behaviours',
    title: 'upsert: records arrive as mapped',
    skip: requires('upsert'),
    async run(h) {
      const destination = h.connect()
      const created = samples(h, 0, COUNT)
      expectAllSucceeded(await h.write(destination, 'upsert', created))
      expectStored(h, created)
      const updated = changed(h, created, 100)
      expectAllSucceeded(await h.write(destination, 'upsert', updated))
      expectStored(h, updated)
      expect(h.storedCount()).toBe(COUNT)
    },
  },
  {
    group: 'behaviours',
    title: 'upsert: a second identical write is idempotent',
    skip: requires('upsert'),
    async run(h) {
      const destination = h.connect()
      const records = samples(h, 0, COUNT)
      expectAllSucceeded(await h.write(destination, 'upsert', records))
      const first = structuredClone([...h.fake.records(h.options.object)])
      expectAllSucceeded(await h.write(destination, 'upsert', records))
      expect([...h.fake.records(h.options.object)]).toEqual(first)
    },
  },
  {
    group: 'behaviours',
    title: 'update: changes existing records',
    skip: both(requires('update'), needsSeed),
    async run(h) {
      const destination = h.connect()
      const existing = samples(h, 0, COUNT)
      expectAllSucceeded(await h.write(destination, h.seedOperation!, existing))
      const updated = changed(h, existing, 100)
      expectAllSucceeded(await h.write(destination, 'update', updated))
      expectStored(h, updated)
    },
  },
  {
    group: 'behaviours',
    title: 'update: creates nothing',
    skip: requires('update'),
    async run(h) {
      const destination = h.connect()
      await h.write(destination, 'update', samples(h, 0, COUNT))
      expect(h.storedCount()).toBe(0)
    },
  },
  {
    group: 'behaviours',
    title: 'update: a second identical write is idempotent',
    skip: both(requires('update'), needsSeed),
    async run(h) {
      const destination = h.connect()
      const existing = samples(h, 0, COUNT)
      expectAllSucceeded(await h.write(destination, h.seedOperation!, existing))
      const updated = changed(h, existing, 100)
      expectAllSucceeded(await h.write(destination, 'update', updated))
      const first = structuredClone([...h.fake.records(h.options.object)])
      expectAllSucceeded(await h.write(destination, 'update', updated))
      expect([...h.fake.records(h.options.object)]).toEqual(first)
    },
  },
  {
    group: 'behaviours',
    title: 'create: creates records',
    skip: requires('create'),
    async run(h) {
      const records = samples(h, 0, COUNT)
      expectAllSucceeded(await h.write(h.connect(), 'create', records))
      expectStored(h, records)
    },
  },
  {
    group: 'behaviours',
    title: 'create: updates nothing',
    skip: requires('create'),
    async run(h) {
      const destination = h.connect()
      const original = samples(h, 0, COUNT)
      expectAllSucceeded(await h.write(destination, 'create', original))
      await h.write(destination, 'create', changed(h, original, 100))
      expectStored(h, original)
      expect(h.storedCount()).toBe(COUNT)
    },
  },
  {
    group: 'behaviours',
    title: 'delete: removes records',
    skip: both(requires('delete'), needsSeed),
    async run(h) {
      const destination = h.connect()
      const records = samples(h, 0, COUNT)
      expectAllSucceeded(await h.write(destination, h.seedOperation!, records))
      expectAllSucceeded(await h.write(destination, 'delete', records.slice(0, 3)))
      for (const r of records.slice(0, 3)) expect(h.storedRecord(r)).toBeUndefined()
      expectStored(h, records.slice(3))
    },
  },
  {
    group: 'behaviours',
    title: 'delete: a second identical delete is idempotent',
    skip: both(requires('delete'), needsSeed),
    async run(h) {
      const destination = h.connect()
      const records = samples(h, 0, COUNT)
      expectAllSucceeded(await h.write(destination, h.seedOperation!, records))
      expectAllSucceeded(await h.write(destination, 'delete', records))
      const results = await h.write(destination, 'delete', records)
      expect(results.every((r) => r.status === 'succeeded' || r.reason.length > 0)).toBe(true)
      expect(h.storedCount()).toBe(0)
    },
  },
  {
    group: 'behaviours',
    title: 'mirror: upserts are idempotent',
    skip: requires('mirror'),
    async run(h) {
      const destination = h.connect()
      const records = samples(h, 0, COUNT)
      expectAllSucceeded(await h.write(destination, 'upsert', records))
      expectStored(h, records)
      const first = structuredClone([...h.fake.records(h.options.object)])
      expectAllSucceeded(await h.write(destination, 'upsert', records))
      expect([...h.fake.records(h.options.object)]).toEqual(first)
    },
  },
  {
    group: 'behaviours',
    title: 'mirror: clear empties mapped fields',
    skip: (h) =>
      requires('mirror')(h) ??
      ((h.options.connector.capabilities.deleteBehaviours ?? ['clear']).includes('clear')
        ? undefined
        : 'not declared: mirror cannot clear fields'),
    async run(h) {
      const destination = h.connect()
      const records = samples(h, 0, COUNT)
      expectAllSucceeded(await h.write(destination, 'upsert', records))
      const id = h.options.identifierField
      const cleared = records.map((r) => ({
        [id]: r[id]!,
        ...Object.fromEntries(h.options.clearableFields.map((f) => [f, null])),
      }))
      expectAllSucceeded(await h.write(destination, 'clear', cleared))
      for (const record of records) {
        const stored = h.storedRecord(record) ?? {}
        for (const field of h.options.clearableFields) {
          expect([null, undefined, ''], `${field} of ${String(record[id])} was not cleared`).toContain(
            stored[field],
          )
        }
      }
    },
  },
  {
    group: 'behaviours',
    title: 'append: adds every record',
    skip: requires('append'),
    async run(h) {
      const destination = h.connect()
      const records = samples(h, 0, COUNT)
      expectAllSucceeded(await h.write(destination, 'append', records))
      expectStored(h, records)
      expectAllSucceeded(await h.write(destination, 'append', records))
      expect(h.storedCount()).toBe(2 * COUNT)
    },
  },
]
