import { readFile, writeFile } from 'node:fs/promises'
import { expect, it } from 'vitest'
import type { LakeStorage } from '../src/index.js'

/**
 * What every lake storage must do. A storage's test file calls this with a factory for an empty
 * storage; an object-store storage later runs the same checks.
 */
export function testLakeStorage(create: () => Promise<LakeStorage>) {
  async function stage(storage: LakeStorage, path: string, text: string) {
    const local = await storage.stagingFile(path)
    await writeFile(local, text)
    return local
  }

  it('moves a staged file into place and lists it with its size and time', async () => {
    const storage = await create()
    const local = await stage(storage, 'a/b/one.parquet', 'hello')
    // A staged file is not listed: readers never see unfinished files.
    expect(await storage.list('a/')).toEqual([])
    const before = Date.now()
    await storage.put('a/b/one.parquet', local)
    const listed = await storage.list('a/')
    expect(listed).toEqual([{ path: 'a/b/one.parquet', size: 5, modifiedAt: expect.any(Date) }])
    expect(Math.abs(listed[0]!.modifiedAt.getTime() - before)).toBeLessThan(60_000)
    const [readable] = await storage.readable(['a/b/one.parquet'])
    expect(await readFile(readable!, 'utf8')).toBe('hello')
  })

  it('replaces a file whole', async () => {
    const storage = await create()
    await storage.put('x.parquet', await stage(storage, 'x.parquet', 'first version'))
    await storage.put('x.parquet', await stage(storage, 'x.parquet', 'second'))
    expect(await storage.list('')).toEqual([{ path: 'x.parquet', size: 6, modifiedAt: expect.any(Date) }])
  })

  it('discards a staged file', async () => {
    const storage = await create()
    const local = await stage(storage, 'd/gone.parquet', 'x')
    await storage.discard(local)
    await storage.put('d/kept.parquet', await stage(storage, 'd/kept.parquet', 'y'))
    expect((await storage.list('d/')).map((entry) => entry.path)).toEqual(['d/kept.parquet'])
  })

  it('writes and reads small text files', async () => {
    const storage = await create()
    expect(await storage.readText('notes/n.json')).toBeUndefined()
    await storage.writeText('notes/n.json', '{"a":"Zoë"}')
    expect(await storage.readText('notes/n.json')).toBe('{"a":"Zoë"}')
  })

  it('lists recursively under a prefix, and nothing for a missing one', async () => {
    const storage = await create()
    for (const path of ['p/1/a.parquet', 'p/1/b.parquet', 'p/2/c.parquet', 'q/d.parquet']) {
      await storage.put(path, await stage(storage, path, path))
    }
    expect((await storage.list('p/')).map((entry) => entry.path).sort()).toEqual([
      'p/1/a.parquet',
      'p/1/b.parquet',
      'p/2/c.parquet',
    ])
    expect(await storage.list('missing/')).toEqual([])
  })

  it('removes a file, or a folder with everything in it', async () => {
    const storage = await create()
    for (const path of ['r/1/a.parquet', 'r/1/b.parquet', 'r/2/c.parquet']) {
      await storage.put(path, await stage(storage, path, path))
    }
    await storage.remove('r/2/c.parquet')
    expect((await storage.list('r/')).map((entry) => entry.path).sort()).toEqual([
      'r/1/a.parquet',
      'r/1/b.parquet',
    ])
    await storage.remove('r/1/')
    expect(await storage.list('r/')).toEqual([])
    await storage.remove('r/never/')
  })
}
