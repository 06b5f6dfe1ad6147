import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3'
import { SluiceError } from '@sluice/core'
import type { LakeEntry, LakeStorage } from './storage.js'

export interface S3StorageOptions {
  bucket: string
  /** a key prefix inside the bucket (`tracking/`); the lake's paths go below it */
  prefix?: string
  region?: string
  /** an S3-compatible endpoint (MinIO, R2, a test server); addressed path-style */
  endpoint?: string
  /** a client of your own (credentials, retries, a proxy); made from the options above otherwise */
  client?: S3Client
  /** where downloaded files are kept for DuckDB to read; a folder under the OS temp dir otherwise */
  cacheDir?: string
}

/** At most this many downloads or deletes at once. */
const PARALLEL = 8
/** DeleteObjects takes at most 1000 keys per request. */
const DELETE_PAGE = 1000

/**
 * The lake in an S3 bucket. A file is staged locally and uploaded in one PutObject, which S3 makes
 * visible whole or not at all: a reader never sees half a file. DuckDB here cannot read S3 (no httpfs),
 * so `readable` downloads the files to a local cache first; a cached copy is revalidated with its ETag
 * and downloaded again only when the object changed. Credentials come from the standard AWS chain.
 */
export function s3Storage(options: S3StorageOptions): LakeStorage {
  const { bucket } = options
  const root = normalisePrefix(options.prefix)
  const client = options.client ?? s3Client(options)
  const cacheRoot =
    options.cacheDir ??
    join(
      tmpdir(),
      'sluice-lake-cache',
      createHash('sha256')
        .update(`${options.endpoint ?? ''}|${bucket}|${root}`)
        .digest('hex')
        .slice(0, 16),
    )
  const etags = new Map<string, string>()
  let staging: Promise<string> | undefined
  const key = (path: string) => `${root}${path}`
  const fail = (error: unknown, action: string) => s3Failure(error, action, `s3://${bucket}/${root}`)

  return {
    location: `s3://${bucket}/${root}`,

    async stagingFile(path) {
      staging ??= mkdtemp(join(tmpdir(), 'sluice-lake-staging-'))
      const name = path.split('/').pop() ?? 'file'
      return join(await staging, `${randomBytes(8).toString('hex')}.${name}`)
    },

    async put(path, localFile) {
      const { size } = await stat(localFile)
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key(path),
            Body: createReadStream(localFile),
            ContentLength: size,
          }),
        )
      } catch (error) {
        throw fail(error, `upload ${path}`)
      }
      await rm(localFile, { force: true })
    },

    async discard(localFile) {
      await rm(localFile, { force: true })
    },

    async writeText(path, text) {
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key(path), Body: text }))
      } catch (error) {
        throw fail(error, `write ${path}`)
      }
    },

    async readText(path) {
      try {
        const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key(path) }))
        return (await answer.Body?.transformToString('utf8')) ?? ''
      } catch (error) {
        if (isMissingKey(error)) return undefined
        throw fail(error, `read ${path}`)
      }
    },

    async list(prefix) {
      const entries: LakeEntry[] = []
      let token: string | undefined
      do {
        let page: ListObjectsV2CommandOutput
        try {
          page = await client.send(
            new ListObjectsV2Command({ Bucket: bucket, Prefix: key(prefix), ContinuationToken: token }),
          )
        } catch (error) {
          throw fail(error, `list ${prefix || '/'}`)
        }
        for (const object of page.Contents ?? []) {
          if (!object.Key) continue
          entries.push({
            path: object.Key.slice(root.length),
            size: object.Size ?? 0,
            modifiedAt: object.LastModified ?? new Date(0),
          })
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined
      } while (token)
      return entries
    },

    async remove(path) {
      // The cached copies go too: a purged run must not stay readable from the cache.
      await rm(join(cacheRoot, ...path.replace(/\/+$/, '').split('/')), { recursive: true, force: true })
      try {
        if (!path.endsWith('/')) {
          await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key(path) }))
          return
        }
        const keys = (await this.list(path)).map((entry) => key(entry.path))
        for (let start = 0; start < keys.length; start += DELETE_PAGE) {
          const page = keys.slice(start, start + DELETE_PAGE)
          const answer = await client.send(
            new DeleteObjectsCommand({
              Bucket: bucket,
              Delete: { Objects: page.map((Key) => ({ Key })), Quiet: true },
            }),
          )
          const refused = answer.Errors ?? []
          if (refused.length > 0) {
            const first = refused[0]
            throw new SluiceError(
              'transient',
              `could not remove ${refused.length} files under ${path} (${first?.Key}: ${first?.Code} ${first?.Message})`,
              { component: 'tracking', code: 'S3_DELETE_FAILED' },
            )
          }
        }
      } catch (error) {
        throw fail(error, `remove ${path}`)
      }
    },

    async readable(paths) {
      const local = paths.map((path) => join(cacheRoot, ...path.split('/')))
      for (let start = 0; start < paths.length; start += PARALLEL) {
        await Promise.all(
          paths.slice(start, start + PARALLEL).map(async (path, i) => {
            try {
              await download(path, local[start + i] as string)
            } catch (error) {
              throw fail(error, `download ${path}`)
            }
          }),
        )
      }
      return local
    },
  }

  /** Fetches one object into the cache, unless the cached copy still has the object's ETag. */
  async function download(path: string, target: string): Promise<void> {
    const known = etags.get(target)
    const cached = known !== undefined && (await exists(target))
    let answer: GetObjectCommandOutput
    try {
      answer = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key(path), ...(cached ? { IfNoneMatch: known } : {}) }),
      )
    } catch (error) {
      if (cached && statusOf(error) === 304) return
      throw error
    }
    await mkdir(dirname(target), { recursive: true })
    const partial = `${target}.${randomBytes(6).toString('hex')}.part`
    try {
      await pipeline(answer.Body as Readable, createWriteStream(partial))
      await rename(partial, target)
    } catch (error) {
      await rm(partial, { force: true })
      throw error
    }
    if (answer.ETag) etags.set(target, answer.ETag)
  }
}

/** An S3 client for the options: credentials from the AWS chain, path-style for a custom endpoint. */
export function s3Client(options: Pick<S3StorageOptions, 'region' | 'endpoint'>): S3Client {
  const config: S3ClientConfig = {
    region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
  }
  if (options.endpoint) {
    config.endpoint = options.endpoint
    config.forcePathStyle = true
    // S3-compatible stores rarely accept the checksums the SDK adds by default since 2025.
    config.requestChecksumCalculation = 'WHEN_REQUIRED'
    config.responseChecksumValidation = 'WHEN_REQUIRED'
  }
  return new S3Client(config)
}

function normalisePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+/, '').replace(/\/+$/, '')
  return trimmed ? `${trimmed}/` : ''
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode
}

function isMissingKey(error: unknown): boolean {
  const name = (error as { name?: string })?.name
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(error) === 404
}

/** Maps the SDK's errors onto Sluice's categories, with what to fix; never the credentials. */
function s3Failure(error: unknown, action: string, location: string): SluiceError {
  if (error instanceof SluiceError) return error
  const name = (error as { name?: string; Code?: string })?.name ?? 'Error'
  const status = statusOf(error)
  const detail = (error as Error)?.message ?? String(error)
  const options = { component: 'tracking', cause: error, details: { status, code: name } }
  if (
    name === 'InvalidAccessKeyId' ||
    name === 'SignatureDoesNotMatch' ||
    name === 'AccessDenied' ||
    status === 403
  ) {
    return new SluiceError('auth', `S3 refused to ${action} in ${location}: ${name} (${detail})`, {
      ...options,
      code: 'S3_ACCESS_DENIED',
      hint: 'Check the AWS credentials (AWS_ACCESS_KEY_ID / AWS_PROFILE) and that their policy allows s3:PutObject, s3:GetObject, s3:ListBucket and s3:DeleteObject on the bucket.',
    })
  }
  if (name === 'NoSuchBucket') {
    return new SluiceError('config', `the lake's bucket does not exist: ${location}`, {
      ...options,
      code: 'S3_NO_SUCH_BUCKET',
      hint: 'Create the bucket or fix settings.lake.s3.bucket.',
    })
  }
  if (status === undefined) {
    return new SluiceError('connection', `cannot reach S3 to ${action} in ${location}: ${detail}`, {
      ...options,
      code: 'S3_UNREACHABLE',
      hint: 'Check settings.lake.s3.endpoint / region and the network.',
    })
  }
  return new SluiceError(
    status >= 500 || status === 429 ? 'transient' : 'internal',
    `S3 could not ${action} in ${location}: ${name} (${status}) ${detail}`,
    { ...options, code: 'S3_ERROR' },
  )
}
