import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import type { LakeEntry, LakeStorage } from './storage.js'

/**
 * The lake as a local folder. Files are staged next to their final name (hidden, `.tmp`) and renamed
 * into place, which is atomic on one filesystem: a reader never sees half a parquet file.
 */
export function localFolderStorage(folder: string): LakeStorage {
  const root = resolve(folder)
  const abs = (path: string) => join(root, ...path.split('/'))

  return {
    location: root,

    async stagingFile(path) {
      const target = abs(path)
      await mkdir(dirname(target), { recursive: true })
      const name = target.slice(dirname(target).length + 1)
      return join(dirname(target), `.${name}.${randomBytes(6).toString('hex')}.tmp`)
    },

    async put(path, localFile) {
      const target = abs(path)
      await mkdir(dirname(target), { recursive: true })
      // Flushed before it is renamed into place, and the folder after: the engine commits the
      // snapshot delta that depends on this batch once put resolves, so a power cut must not keep
      // the delta and lose the batch.
      await fsync(localFile)
      await rename(localFile, target)
      await fsync(dirname(target)).catch(() => {})
    },

    async discard(localFile) {
      await rm(localFile, { force: true })
    },

    async writeText(path, text) {
      const staged = await this.stagingFile(path)
      await writeFile(staged, text)
      await this.put(path, staged)
    },

    async readText(path) {
      try {
        return await readFile(abs(path), 'utf8')
      } catch (error) {
        if (isMissing(error)) return undefined
        throw error
      }
    },

    async list(prefix) {
      const base = abs(prefix.replace(/\/+$/, ''))
      const entries: LakeEntry[] = []
      const names = await readdirRecursive(base)
      if (!names) return entries
      // Hidden files are staged writes that are not finished yet.
      const visible = names.filter((name) => !name.split(sep).some((part) => part.startsWith('.')))
      // Stat a few files at a time: a lake of many runs holds many thousands of files.
      for (let start = 0; start < visible.length; start += STAT_CONCURRENCY) {
        const stats = await Promise.all(
          visible.slice(start, start + STAT_CONCURRENCY).map((name) => statFile(base, name)),
        )
        for (const found of stats) {
          if (!found) continue
          const relative = found.name.split(sep).join('/')
          entries.push({
            path: prefix ? `${prefix.replace(/\/+$/, '')}/${relative}` : relative,
            size: found.size,
            modifiedAt: found.modifiedAt,
          })
        }
      }
      return entries
    },

    async remove(path) {
      await rm(abs(path.replace(/\/+$/, '')), { recursive: path.endsWith('/'), force: true })
    },

    async readable(paths) {
      return paths.map(abs)
    },
  }
}

const STAT_CONCURRENCY = 64

/**
 * Every name under a folder, or undefined when the folder does not exist. A purge removing a run
 * folder during the walk fails it with ENOENT although the lake is there: walk again.
 */
async function readdirRecursive(base: string, attempts = 3): Promise<string[] | undefined> {
  try {
    return (await readdir(base, { recursive: true })) as string[]
  } catch (error) {
    if (!isMissing(error)) throw error
    const exists = await stat(base).then(
      () => true,
      () => false,
    )
    if (!exists) return undefined
    if (attempts <= 1) throw error
    return readdirRecursive(base, attempts - 1)
  }
}

/** A file's size and time; undefined for a folder or a file removed since it was listed. */
async function statFile(base: string, name: string) {
  try {
    const info = await stat(join(base, name))
    return info.isFile() ? { name, size: info.size, modifiedAt: info.mtime } : undefined
  } catch (error) {
    // Removed by a concurrent purge between readdir and stat.
    if (isMissing(error)) return undefined
    throw error
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
}

async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
