import { mkdir, open, readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { AckJournal } from '@sluice/core'
import { isMissing } from './files.js'

const SEGMENT = /^([A-Za-z0-9][A-Za-z0-9_.-]*)\.(\d+)\.jsonl$/

/**
 * The acknowledgement journal as append-only files, one per run and segment:
 * `<dir>/<run id>.<segment>.jsonl`. An append is flushed to disk (fsync) before it resolves.
 */
export function journalFiles(dir: string): AckJournal {
  const file = (runId: string, segment: number) => {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(runId)) throw new Error(`"${runId}" is not a run id`)
    return join(dir, `${runId}.${Math.floor(segment)}.jsonl`)
  }
  return {
    async append(runId, segment, lines) {
      if (lines.length === 0) return
      await mkdir(dir, { recursive: true })
      const handle = await open(file(runId, segment), 'a')
      try {
        await handle.writeFile(`${lines.join('\n')}\n`)
        await handle.datasync()
      } finally {
        await handle.close()
      }
    },
    async drop(runId, segment) {
      await rm(file(runId, segment), { force: true })
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
