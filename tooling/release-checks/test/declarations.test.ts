import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { declarationProblems, importedSpecifiers } from '../src/declarations.js'

let dir: string | undefined
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
  dir = undefined
})

async function fakePackage(files: Record<string, string>): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'sluice-dts-'))
  for (const [file, text] of Object.entries(files)) {
    await mkdir(join(dir, file, '..'), { recursive: true })
    await writeFile(join(dir, file), text)
  }
  return dir
}

const manifest = {
  name: '@acme/destination',
  version: '1.0.0',
  exports: {
    '.': { types: './dist/index.d.ts', default: './dist/index.js' },
    './fake': { types: './dist/fake/index.d.ts', default: './dist/fake/index.js' },
  },
  dependencies: { '@sluice/core': '^0.1.0' },
  peerDependencies: { msw: '^2.15.0' },
  peerDependenciesMeta: { msw: { optional: true } },
}

describe('the declaration check', () => {
  it('reads every form of import a declaration file has', () => {
    expect(
      importedSpecifiers(
        [
          "import type { A } from '@sluice/core'",
          'export { B } from "./b.js"',
          "export * from './c.js'",
          "type D = import('msw').HttpHandler",
          "import 'side-effect'",
        ].join('\n'),
      ),
    ).toEqual(['@sluice/core', './b.js', './c.js', 'msw', 'side-effect'])
  })

  it('accepts a main entry on declared dependencies and a fake on its optional peer', async () => {
    const pkg = await fakePackage({
      'dist/index.d.ts': "export * from './connector.js'\nimport type { Readable } from 'node:stream'\n",
      'dist/connector.d.ts': "import type { DestinationConnector } from '@sluice/core'\n",
      'dist/fake/index.d.ts': "import type { RequestHandler } from 'msw'\n",
    })
    expect(declarationProblems(pkg, manifest)).toEqual([])
  })

  it('names an undeclared package and an optional peer the main entry reaches', async () => {
    const pkg = await fakePackage({
      'dist/index.d.ts': "export * from './connector.js'\nexport * from './util/index.js'\n",
      'dist/connector.d.ts': "import type { Faults } from '@sluice/conformance/fake'\n",
      'dist/util/index.d.ts': "import type { RequestHandler } from 'msw'\n",
      'dist/fake/index.d.ts': "import type { RequestHandler } from 'msw'\n",
    })
    expect(declarationProblems(pkg, manifest)).toEqual([
      'dist/connector.d.ts imports types from "@sluice/conformance/fake", which package.json does not declare',
      `the main entry's types reach "msw" (in dist/util/index.d.ts), an optional peer dependency`,
    ])
  })
})
