/**
 * Where the lake's files live. The writer and the queries only ever go through this interface, so the
 * local folder used today and an object store later are interchangeable. Paths are relative, `/`
 * separated, and never start with `/`.
 */
export interface LakeEntry {
  path: string
  size: number
  modifiedAt: Date
}

export interface LakeStorage {
  /** where the lake is, for messages: a folder, a bucket URL */
  readonly location: string
  /** a local file to write a new file to before `put` moves it into place */
  stagingFile(path: string): Promise<string>
  /** moves a finished local file to `path` in one step: readers see the whole file or nothing */
  put(path: string, localFile: string): Promise<void>
  /** discards a staged file that will not be put (after a failed write) */
  discard(localFile: string): Promise<void>
  writeText(path: string, text: string): Promise<void>
  /** the text of a file, or undefined when there is none */
  readText(path: string): Promise<string | undefined>
  /** every finished file under a folder prefix, recursively; nothing when the folder does not exist */
  list(prefix: string): Promise<LakeEntry[]>
  /** removes one file, or a whole folder when `path` ends in `/` */
  remove(path: string): Promise<void>
  /** where DuckDB can read these files (local paths or URLs), in the same order */
  readable(paths: readonly string[]): Promise<string[]>
}
