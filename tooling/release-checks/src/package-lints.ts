import { readFileSync } from 'node:fs'
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'

/** publint's findings for a packed tarball, warnings included (its `--strict`), one line each. */
export async function publintProblems(tarball: string): Promise<string[]> {
  const data = readFileSync(tarball)
  const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer
  const { messages, pkg } = await publint({ pack: { tarball: buffer }, strict: true, level: 'warning' })
  return messages.map(
    (message) => `${message.type}: ${formatMessage(message, pkg, { color: false }) ?? message.code}`,
  )
}

/**
 * "Are the types wrong" for a packed tarball, with the CLI's `esm-only` profile: these packages are
 * ESM only, so the node10 and require-from-CommonJS resolutions are not checked. One line per problem.
 */
export async function typesProblems(tarball: string): Promise<string[]> {
  const analysis = await checkPackage(createPackageFromTarballData(new Uint8Array(readFileSync(tarball))))
  if (!analysis.types) return ['the package ships no types']
  const ignored = new Set(['node10', 'node16-cjs'])
  return analysis.problems
    .filter((problem) => !('resolutionKind' in problem) || !ignored.has(problem.resolutionKind))
    .map((problem) =>
      [
        problem.kind,
        'entrypoint' in problem ? problem.entrypoint : undefined,
        'resolutionKind' in problem ? problem.resolutionKind : undefined,
      ]
        .filter(Boolean)
        .join(' '),
    )
}
