/**
 * tsx's loader, registered the first time a command imports code of the project (a config other than
 * sluice.json, a connector, the demo) rather than when the process starts: registering it starts a
 * loader thread and costs about as much as Node's own start-up, which `sluice --help` and `status` on a
 * sluice.json project never need.
 */
let registered: Promise<void> | undefined

/** Registers tsx's ESM and CommonJS hooks once; later calls wait for the first. */
export function loadTypeScript(): Promise<void> {
  registered ??= register()
  return registered
}

async function register(): Promise<void> {
  // Running from TypeScript source (inside the repository, or under the test runner), a loader is
  // registered already: bin/sluice.js did it before importing this file.
  if (import.meta.url.endsWith('.ts')) return
  const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')])
  esm.register()
  // Both loaders: a config in a folder whose package.json has no "type": "module" is CommonJS to Node,
  // and tsx's ESM hooks hand such a file to the CommonJS loader.
  cjs.register()
}
