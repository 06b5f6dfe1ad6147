import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { SluiceError } from '@sluice/core'
import type { Location, ResolvedS3Config } from './config.js'

/**
 * Where the files go. The writer above it is the same for a bucket and a local folder; only these few
 * calls differ. Keys are `/`-separated and relative to the configured URL.
 */
export interface ObjectStore {
  /** the URL, for messages */
  readonly location: string
  /** can list and write under the URL (writes and removes a small probe object) */
  check(signal: AbortSignal): Promise<void>
  /** stores a finished local file under `key`: readers see the whole object or nothing */
  upload(key: string, localFile: string, signal: AbortSignal): Promise<void>
  putText(key: string, text: string, signal: AbortSignal): Promise<void>
  /** the text of an object, or undefined when there is none */
  getText(key: string): Promise<string | undefined>
  /** the bytes of an object (for readers and tests) */
  getBytes(key: string): Promise<Buffer>
  /** every object under a key prefix */
  list(prefix: string): Promise<Array<{ key: string; size: number }>>
}

export interface ObjectStoreOptions {
  /** an S3 client of your own (credentials, a proxy, tests); made from the config otherwise */
  client?: S3Client
}

const PROBE = '.sluice-write-check'

export function createObjectStore(config: ResolvedS3Config, options: ObjectStoreOptions = {}): ObjectStore {
  return config.location.kind === 'folder'
    ? folderStore(config.location.path)
    : s3Store(config.location, config, options.client)
}

/** An S3 client: credentials from the AWS chain, path-style and plain checksums for a custom endpoint. */
export function s3Client(config: Pick<ResolvedS3Config, 'region' | 'endpoint'>): S3Client {
  const options: S3ClientConfig = {
    region: config.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    // S3 answers bursts with 503 SlowDown and asks for retries with backoff: the SDK's 3 attempts give
    // up within a second, before a dropped connection and two refusals in a row have passed.
    maxAttempts: 5,
  }
  if (config.endpoint) {
    options.endpoint = config.endpoint
    options.forcePathStyle = true
    // S3-compatible stores rarely accept the checksums the SDK adds by default since 2025.
    options.requestChecksumCalculation = 'WHEN_REQUIRED'
    options.responseChecksumValidation = 'WHEN_REQUIRED'
  }
  return new S3Client(options)
}

function s3Store(
  location: Extract<Location, { kind: 's3' }>,
  config: ResolvedS3Config,
  given: S3Client | undefined,
): ObjectStore {
  const { bucket, prefix } = location
  let client = given
  const s3 = () => {
    client ??= s3Client(config)
    return client
  }
  const url = `s3://${bucket}/${prefix}`
  const key = (k: string) => `${prefix}${k}`
  const fail = (error: unknown, action: string) => s3Failure(error, action, url)

  return {
    location: url,

    async check(signal) {
      try {
        await s3().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }), {
          abortSignal: signal,
        })
      } catch (error) {
        throw fail(error, 'list the objects')
      }
      try {
        await s3().send(new PutObjectCommand({ Bucket: bucket, Key: key(PROBE), Body: '' }), {
          abortSignal: signal,
        })
      } catch (error) {
        throw fail(error, 'write an object')
      }
      // Removing the probe may be refused to a writer without s3:DeleteObject: writing is what matters.
      await s3()
        .send(new DeleteObjectCommand({ Bucket: bucket, Key: key(PROBE) }))
        .catch(() => {})
    },

    async upload(k, localFile, signal) {
      // lib-storage sends one PutObject below the part size and a multipart upload above it; either
      // way the object exists only once the upload is complete.
      const upload = new Upload({
        client: s3(),
        params: { Bucket: bucket, Key: key(k), Body: createReadStream(localFile) },
        partSize: config.partSizeBytes,
        queueSize: 4,
        leavePartsOnError: false,
      })
      const abort = () => void upload.abort().catch(() => {})
      signal.addEventListener('abort', abort, { once: true })
      try {
        await upload.done()
      } catch (error) {
        throw fail(error, `upload ${k}`)
      } finally {
        signal.removeEventListener('abort', abort)
      }
    },

    async putText(k, text, signal) {
      try {
        await s3().send(
          new PutObjectCommand({ Bucket: bucket, Key: key(k), Body: text, ContentType: 'application/json' }),
          { abortSignal: signal },
        )
      } catch (error) {
        throw fail(error, `write ${k}`)
      }
    },

    async getText(k) {
      try {
        const answer = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key(k) }))
        return (await answer.Body?.transformToString('utf8')) ?? ''
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return undefined
        throw fail(error, `read ${k}`)
      }
    },

    async getBytes(k) {
      try {
        const answer = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key(k) }))
        return Buffer.from((await answer.Body?.transformToByteArray()) ?? [])
      } catch (error) {
        throw fail(error, `read ${k}`)
      }
    },

    async list(p) {
      const found: Array<{ key: string; size: number }> = []
      let token: string | undefined
      do {
        const page = await s3()
          .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key(p), ContinuationToken: token }))
          .catch((error: unknown) => {
            throw fail(error, `list ${p || '/'}`)
          })
        for (const object of page.Contents ?? [])
          if (object.Key) found.push({ key: object.Key.slice(prefix.length), size: object.Size ?? 0 })
        token = page.IsTruncated ? page.NextContinuationToken : undefined
      } while (token)
      return found
    },
  }
}

/**
 * A local folder, the embedded default. A file is copied next to its final name under a hidden name
 * and renamed into place, which is atomic on one filesystem, as an S3 upload is.
 */
function folderStore(folder: string): ObjectStore {
  const path = (key: string) => join(folder, ...key.split('/'))
  const place = async (key: string, write: (staged: string) => Promise<void>) => {
    const target = path(key)
    await mkdir(dirname(target), { recursive: true })
    const staged = join(dirname(target), `.${randomBytes(6).toString('hex')}.tmp`)
    try {
      await write(staged)
      await rename(staged, target)
    } catch (error) {
      await rm(staged, { force: true })
      throw folderFailure(error, `write ${key}`, folder)
    }
  }
  return {
    location: `file://${folder}`,
    async check() {
      await place(PROBE, (staged) => writeFile(staged, ''))
      await rm(path(PROBE), { force: true })
    },
    upload: (key, localFile) => place(key, (staged) => copyFile(localFile, staged)),
    putText: (key, text) => place(key, (staged) => writeFile(staged, text)),
    async getText(key) {
      return readFile(path(key), 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined
        throw error
      })
    },
    getBytes: (key) => readFile(path(key)),
    async list(prefix) {
      const names = (await readdir(folder, { recursive: true }).catch(() => [])) as string[]
      const found: Array<{ key: string; size: number }> = []
      for (const name of names) {
        const key = name.split(sep).join('/')
        if (!key.startsWith(prefix) || key.split('/').some((part) => part.startsWith('.'))) continue
        const info = await stat(join(folder, name))
        if (info.isFile())
          found.push({ key: relative(folder, join(folder, name)).split(sep).join('/'), size: info.size })
      }
      return found
    },
  }
}

function folderFailure(error: unknown, action: string, folder: string): SluiceError {
  const code = (error as NodeJS.ErrnoException).code
  return new SluiceError(
    code === 'EACCES' || code === 'EPERM' ? 'auth' : 'config',
    `cannot ${action} in ${folder}: ${(error as Error).message}`,
    { component: 's3', code: 'FOLDER_NOT_WRITABLE', cause: error },
  )
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode
}

/** Maps the SDK's errors onto Sluice's categories, with what to fix; never the credentials. */
export function s3Failure(error: unknown, action: string, url: string): SluiceError {
  if (error instanceof SluiceError) return error
  const name = (error as { name?: string })?.name ?? 'Error'
  const status = statusOf(error)
  // An answer the SDK could not parse (a proxy's HTML or JSON page) says nothing more than its status.
  const message = (error as Error)?.message ?? String(error)
  const detail = /Deserialization error/.test(message) ? 'an answer that is not S3 XML' : message
  const common = { component: 's3', cause: error, details: { status, code: name } }
  if (name === 'AbortError') return new SluiceError('cancelled', `${action} was cancelled`, common)
  if (
    name === 'InvalidAccessKeyId' ||
    name === 'SignatureDoesNotMatch' ||
    name === 'AccessDenied' ||
    name === 'CredentialsProviderError' ||
    status === 403
  ) {
    return new SluiceError('auth', `S3 refused to ${action} in ${url}: ${name} (${detail})`, {
      ...common,
      code: 'S3_ACCESS_DENIED',
      hint:
        'Check the AWS credentials (AWS_ACCESS_KEY_ID, AWS_PROFILE or the role) and that their policy allows ' +
        's3:ListBucket and s3:PutObject on this bucket and prefix.',
    })
  }
  if (name === 'NoSuchBucket') {
    return new SluiceError('config', `the bucket of ${url} does not exist`, {
      ...common,
      code: 'S3_NO_SUCH_BUCKET',
      hint: 'Create it, or fix the url (and region).',
    })
  }
  if (status === undefined) {
    return new SluiceError('connection', `cannot reach S3 to ${action} in ${url}: ${detail}`, {
      ...common,
      code: 'S3_UNREACHABLE',
      hint: 'Check the endpoint, the region and the network.',
    })
  }
  return new SluiceError(
    status >= 500 || status === 429 ? 'transient' : 'internal',
    `S3 could not ${action} in ${url}: ${name} (${status}) ${detail}`,
    { ...common, code: 'S3_ERROR' },
  )
}
