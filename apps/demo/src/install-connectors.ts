import { realpathSync } from 'node:fs'
import { mkdir, rm, symlink } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** The connectors the demo's project uses: this package depends on each of them. */
export const DEMO_CONNECTORS = [
  '@sluice/source-duckdb',
  '@sluice/destination-braze',
  '@sluice/destination-salesforce',
  '@sluice/destination-sheets',
  '@sluice/destination-s3',
  '@sluice/destination-http',
] as const

const require = createRequire(import.meta.url)

/**
 * Links the demo's connectors into `<dir>/node_modules`, where the runner looks for a project's
 * connectors (it bundles none). Links, not copies: each stays the package this one installed, with its
 * own dependencies.
 */
export async function installDemoConnectors(dir: string): Promise<void> {
  for (const name of DEMO_CONNECTORS) {
    const installed = dirname(realpathSync(require.resolve(`${name}/package.json`)))
    const link = join(dir, 'node_modules', ...name.split('/'))
    await mkdir(dirname(link), { recursive: true })
    await rm(link, { recursive: true, force: true })
    // a junction on Windows needs no privileges; elsewhere the type is ignored
    await symlink(installed, link, 'junction')
  }
}
