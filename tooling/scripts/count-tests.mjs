// Counts what vitest itself reported in every package's `.reports/vitest.json` and prints the line CI
// reads: `N passed, N failed`. A package with a test script but no report counts as one failure.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const groups = ['packages', 'connectors', 'apps', 'tooling']
let passed = 0
let failed = 0
for (const group of groups) {
  if (!existsSync(group)) continue
  for (const name of readdirSync(group)) {
    const dir = join(group, name)
    const manifest = join(dir, 'package.json')
    if (!existsSync(manifest) || !JSON.parse(readFileSync(manifest, 'utf8')).scripts?.test) continue
    const report = join(dir, '.reports', 'vitest.json')
    if (!existsSync(report)) {
      console.log(`${dir}: no test report (the test task did not finish)`)
      failed += 1
      continue
    }
    const r = JSON.parse(readFileSync(report, 'utf8'))
    // A connector whose test task runs its conformance suite as a task of its own (so the suite runs
    // once) has those results in `.reports/conformance.json`: they count too.
    const conformance = join(dir, '.reports', 'conformance.json')
    const covered = (r.testResults ?? []).some((f) => /conformance\.test\.ts$/.test(f.name ?? ''))
    if (!covered && existsSync(conformance)) {
      const c = JSON.parse(readFileSync(conformance, 'utf8'))
      for (const key of ['numPassedTests', 'numFailedTests', 'numPendingTests', 'numTodoTests'])
        r[key] = (r[key] ?? 0) + (c[key] ?? 0)
      r.testResults = [...(r.testResults ?? []), ...(c.testResults ?? [])]
    }
    // A test file that fails to load reports no failed test, only a failed suite: count it.
    const brokenFiles = (r.testResults ?? []).filter(
      (f) => f.status === 'failed' && f.assertionResults.every((a) => a.status !== 'failed'),
    ).length
    passed += r.numPassedTests
    failed += r.numFailedTests + brokenFiles
    console.log(
      `${dir}: ${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed, ${r.numPendingTests + r.numTodoTests} skipped`,
    )
  }
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 && passed > 0 ? 0 : 1)
