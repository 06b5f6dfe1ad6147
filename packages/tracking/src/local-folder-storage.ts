import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
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
      await rename(localFile, target)
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
      let names: string[]
      try {
        names = (await readdir(base, { recursive: true })) as string[]
      } catch (error) {
        if (isMissing(error)) return entries
        throw error
      }
      for (const name of names) {
        // Hidden files are staged writes that are not finished yet.
        if (name.split(sep).some((part) => part.startsWith('.'))) continue
        let info: Awaited<ReturnType<typeof stat>>
        try {
          info = await stat(join(base, name))
        } catch (error) {
          // Removed by a concurrent purge between readdir and stat.
          if (isMissing(error)) continue
          throw error
        }
        if (!info.isFile()) continue
        const relative = name.split(sep).join('/')
        entries.push({
          path: prefix ? `${prefix.replace(/\/+$/, '')}/${relative}` : relative,
          size: info.size,
          modifiedAt: info.mtime,
        })
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

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
}
