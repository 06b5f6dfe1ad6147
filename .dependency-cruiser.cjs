// Import boundaries, checked in CI by `pnpm boundaries` (dependency-cruiser). Workspace packages
// resolve to their TypeScript source through the repository's `@sluice/source` export condition, so
// each rule sees the file an import really reaches.
const { readdirSync, readFileSync, existsSync } = require('node:fs')
const { join, normalize } = require('node:path')

const GROUPS = ['packages', 'connectors', 'apps', 'tooling']
const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Every file a workspace package's `exports` points at: its public entries, the only files others may import. */
function publicEntries() {
  const entries = []
  for (const group of GROUPS) {
    for (const name of readdirSync(join(__dirname, group))) {
      const file = join(__dirname, group, name, 'package.json')
      if (!existsSync(file)) continue
      const collect = (target) => {
        if (typeof target === 'string') entries.push(normalize(join(group, name, target)))
        else if (target && typeof target === 'object') Object.values(target).forEach(collect)
      }
      collect(JSON.parse(readFileSync(file, 'utf8')).exports)
    }
  }
  return entries
}

const ENTRY = `^(${publicEntries().map(escapeRegExp).join('|')})$`
/** The entries of `@sluice/core` a connector may use: the contract and the HTTP toolkit. */
const CORE_FOR_CONNECTORS = '^packages/core/src/(index|http/index|contract/index|contract)\\.ts$'
const WORKSPACE = '^(packages|connectors|apps|tooling)/'
/** The shared TypeScript and vitest settings every package's own config files use. */
const SHARED_SETTINGS = '^tooling/(tsconfig|vitest)/'

module.exports = {
  forbidden: [
    {
      name: 'core-depends-on-nothing-of-ours',
      comment: '@sluice/core is the root of the graph: it imports no other workspace package.',
      severity: 'error',
      from: { path: '^packages/core/' },
      to: { path: WORKSPACE, pathNot: ['^packages/core/', SHARED_SETTINGS] },
    },
    {
      name: 'no-package-internals',
      comment:
        "Across packages, only what a package's exports map offers may be imported (never @sluice/x/src/…).",
      severity: 'error',
      from: { path: '^(packages|connectors|apps|tooling)/([^/]+)/' },
      to: { path: WORKSPACE, pathNot: ['^$1/$2/', ENTRY] },
    },
    {
      name: 'connectors-use-only-the-contract',
      comment:
        "A connector's code uses @sluice/core's contract entries only (its fake may use the kit's fake host).",
      severity: 'error',
      from: { path: '^connectors/([^/]+)/src/', pathNot: '^connectors/[^/]+/src/fake/' },
      to: { path: '^(packages|apps|tooling)/', pathNot: CORE_FOR_CONNECTORS },
    },
    {
      name: 'connector-fakes-use-only-the-contract-and-the-fake-host',
      severity: 'error',
      from: { path: '^connectors/([^/]+)/src/fake/' },
      to: {
        path: '^(packages|apps|tooling)/',
        pathNot: [CORE_FOR_CONNECTORS, '^packages/conformance/src/fake\\.ts$'],
      },
    },
    {
      name: 'connectors-never-import-each-other',
      comment:
        "A connector's code never imports another connector (its end-to-end tests may read from a source).",
      severity: 'error',
      from: { path: '^connectors/([^/]+)/src/' },
      to: { path: '^connectors/', pathNot: '^connectors/$1/' },
    },
    {
      name: 'runner-imports-no-connector',
      comment:
        'The runner finds connectors in the project it runs; it bundles none, nor the demo or the kit.',
      severity: 'error',
      from: { path: '^apps/runner/' },
      to: { path: '^(connectors/|packages/conformance/|apps/demo/)' },
    },
    {
      name: 'resolvable',
      comment: 'An import of ours that does not resolve reaches past an exports map, or nowhere.',
      severity: 'error',
      from: { path: WORKSPACE },
      to: { couldNotResolve: true, path: '^(@sluice/|\\.)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|\\.turbo|\\.reports|coverage)/|__tmpl__$' },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['@sluice/source', 'import', 'require', 'node', 'default'],
      mainFields: ['main', 'types'],
    },
  },
}
