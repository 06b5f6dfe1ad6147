import { describe, expect, it } from 'vitest'
import { silentLogger } from '../src/logger.js'
import { MemoryDestination, MemoryTracking } from '../src/testing/index.js'

const ctx = { signal: new AbortController().signal, log: silentLogger }
const batch = (operation: 'upsert' | 'update' | 'create' | 'delete', ids: string[], name = 'n') => ({
  object: 'contacts',
  operation,
  identifierField: 'id',
  records: ids.map((id) => ({ identifier: id, fields: { id, name } })),
})

describe('the in-memory test destination', () => {
  it('applies each operation as a destination would', async () => {
    const d = new MemoryDestination()
    await d.write(batch('update', ['1']), ctx)
    expect(d.records.size).toBe(0) // update creates nothing
    await d.write(batch('upsert', ['1', '2'], 'first'), ctx)
    await d.write(batch('create', ['2', '3'], 'second'), ctx)
    expect(d.records.get('2')).toEqual({ id: '2', name: 'first' }) // create leaves an existing record
    expect(d.records.get('3')).toEqual({ id: '3', name: 'second' })
    await d.write(batch('delete', ['1']), ctx)
    expect([...d.records.keys()].sort()).toEqual(['2', '3'])
    expect(d.ops()).toContain('delete:1')
  })

  it('rejects the records its hook picks, and fails a request when told', async () => {
    const d = new MemoryDestination()
    d.reject = (r) => (r.identifier === '2' ? 'no thanks' : undefined)
    const results = await d.write(batch('upsert', ['1', '2']), ctx)
    expect(results).toEqual([{ status: 'succeeded' }, { status: 'rejected', reason: 'no thanks' }])
    d.fail = () => new Error('down')
    await expect(d.write(batch('upsert', ['3']), ctx)).rejects.toThrow('down')
  })

  it('collects tracking batches', async () => {
    const t = new MemoryTracking()
    await t.write({
      org: 'o',
      sync: 's',
      runId: 'r',
      batchType: 'upsert',
      batchNumber: 1,
      startedAt: new Date(),
      endedAt: new Date(),
      records: [
        {
          identifier: '1',
          payload: '{}',
          operation: 'upsert',
          status: 'succeeded',
          message: null,
          hash: 'h',
        },
      ],
    })
    expect(t.rows()).toEqual([expect.objectContaining({ identifier: '1', batchType: 'upsert', runId: 'r' })])
  })
})
