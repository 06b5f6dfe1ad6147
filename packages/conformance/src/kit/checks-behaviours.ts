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
      await expectStored(h, created)
      const updated = changed(h, created, 100)
      expectAllSucceeded(await h.write(destination, 'upsert', updated))
      await expectStored(h, updated)
      expect(await h.storedCount()).toBe(COUNT)
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
      const first = structuredClone([...(await h.records())])
      expectAllSucceeded(await h.write(destination, 'upsert', records))
      expect([...(await h.records())]).toEqual(first)
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
      await expectStored(h, updated)
    },
  },
  {
    group: 'behaviours',
    title: 'update: creates nothing',
    skip: requires('update'),
    async run(h) {
      const destination = h.connect()
      await h.write(destination, 'update', samples(h, 0, COUNT))
      expect(await h.storedCount()).toBe(0)
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
      const first = structuredClone([...(await h.records())])
      expectAllSucceeded(await h.write(destination, 'update', updated))
      expect([...(await h.records())]).toEqual(first)
    },
  },
  {
    group: 'behaviours',
    title: 'create: creates records',
    skip: requires('create'),
    async run(h) {
      const records = samples(h, 0, COUNT)
      expectAllSucceeded(await h.write(h.connect(), 'create', records))
      await expectStored(h, records)
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
      await expectStored(h, original)
      expect(await h.storedCount()).toBe(COUNT)
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
      for (const r of records.slice(0, 3)) expect(await h.storedRecord(r)).toBeUndefined()
      await expectStored(h, records.slice(3))
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
      expect(await h.storedCount()).toBe(0)
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
      await expectStored(h, records)
      const first = structuredClone([...(await h.records())])
      expectAllSucceeded(await h.write(destination, 'upsert', records))
      expect([...(await h.records())]).toEqual(first)
    },
  },
  {
    group: 'behaviours',
    title: 'mirror: clear empties mapped fields',
    skip: (h) =>
      requires('mirror')(h) ??
      ((h.options.capabilities.deleteBehaviours ?? ['clear']).includes('clear')
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
        const stored = (await h.storedRecord(record)) ?? {}
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
    title: 'mirror: rows gone from the model are removed',
    skip: (h) =>
      requires('mirror')(h) ??
      ((h.options.capabilities.deleteBehaviours ?? []).includes('delete')
        ? undefined
        : 'not declared: mirror cannot delete rows'),
    async run(h) {
      const destination = h.connect()
      const records = samples(h, 0, COUNT)
      expectAllSucceeded(await h.write(destination, 'upsert', records))
      await h.finishRun()
      const [gone, kept] = [records.slice(0, 2), records.slice(2)]
      // A destination that holds a whole copy per run is sent every row left; the others, the deletions.
      if (destination.wantsEveryRow) expectAllSucceeded(await h.write(destination, 'upsert', kept))
      else expectAllSucceeded(await h.write(destination, 'delete', gone))
      for (const r of gone)
        expect(
          await h.storedRecord(r),
          `${String(r[h.options.identifierField])} is still there`,
        ).toBeUndefined()
      await expectStored(h, kept)
      expect(await h.storedCount()).toBe(kept.length)
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
      await expectStored(h, records)
      expectAllSucceeded(await h.write(destination, 'append', records))
      expect(await h.storedCount()).toBe(2 * COUNT)
    },
  },
]
