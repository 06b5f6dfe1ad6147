import { defineProject, mergeConfig } from 'vitest/config'

/**
 * The vitest project every package uses. It resolves workspace packages to their TypeScript source
 * (the `@sluice/source` condition); each package's `test` script adds the JSON report `.ci/run` counts.
 * Plain JavaScript, because vitest loads config files' workspace imports without transpiling them.
 *
 * @param {string} name
 * @param {import('vitest/config').UserWorkspaceConfig} [overrides]
 * @returns {import('vitest/config').UserWorkspaceConfig}
 */
export function sluiceProject(name, overrides = {}) {
  const base = defineProject({
    resolve: { conditions: ['@sluice/source'] },
    ssr: { resolve: { conditions: ['@sluice/source'] } },
    test: {
      name,
      environment: 'node',
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  })
  return mergeConfig(base, overrides)
}
