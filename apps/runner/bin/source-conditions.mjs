// A module resolve hook: inside the repository, workspace packages resolve to their TypeScript source
// through the "@sluice/source" export condition (what `node --conditions=@sluice/source` does).
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, '@sluice/source'] })
}
