import { type FileHandle, mkdir, open, readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { AckJournal } from '@sluice/core'
import { isMissing } from './files.js'

const SEGMENT = /^([A-Za-z0-9][A-Za-z0-9_.-]*)\.(\d+)\.jsonl$/

/**
 * The acknowledgement journal as append-only files, one per run and segment:
 * `<dir>/<run id>.<segment>.jsonl`. An append is flushed to disk (fdatasync) before it resolves.
 *
 * A segment's file stays open from its first append until it is dropped (or the journal is closed):
 * an append is then one write and one flush, not also a folder check, an open and a close, and each of
 * those is a round trip through Node's thread pool that the request waiting on the append pays for.
 */
export function journalFiles(dir: string): AckJournal {
  const file = (runId: string, segment: number) => {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(runId)) throw new Error(`"${runId}" is not a run id`)
    return join(dir, `${runId}.${Math.floor(segment)}.jsonl`)
  }
  const handles = new Map<string, Promise<FileHandle>>()
  let folder: Promise<unknown> | undefined
  const handleOf = (path: string): Promise<FileHandle> => {
    let handle = handles.get(path)
    if (!handle) {
      folder ??= mkdir(dir, { recursive: true })
      handle = folder.then(() => open(path, 'a'))
      // a failed open is not kept: the next append tries again
      handle.catch(() => handles.delete(path))
      handles.set(path, handle)
    }
    return handle
  }
  const release = async (path: string) => {
    const handle = handles.get(path)
    handles.delete(path)
    if (handle) await handle.then((h) => h.close()).catch(() => {})
  }
  return {
    async append(runId, segment, lines) {
      if (lines.length === 0) return
      const path = file(runId, segment)
      try {
        const handle = await handleOf(path)
        await handle.writeFile(`${lines.join('\n')}\n`)
        await handle.datasync()
      } catch (error) {
        // the folder may have been removed under a long-lived store: look again next time
        folder = undefined
        await release(path)
        throw error
      }
    },
    async drop(runId, segment) {
      const path = file(runId, segment)
      await release(path)
      await rm(path, { force: true })
    },
    async close() {
      await Promise.all([...handles.keys()].map(release))
    },
    async left() {
      let names: string[]
      try {
        names = await readdir(dir)
      } catch (error) {
        if (isMissing(error)) return []
        throw error
      }
      const segments = []
      for (const name of names) {
        const match = SEGMENT.exec(name)
        if (!match) continue
        const text = await readFile(join(dir, name), 'utf8')
        const lines = text.split('\n').filter((line) => line.length > 0)
        segments.push({ runId: match[1] as string, segment: Number(match[2]), lines })
      }
      return segments
    },
  }
}
