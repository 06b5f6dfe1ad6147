// The `connector` generator: `pnpm new:connector <name>` writes connectors/destination-<name>/, a working
// destination for a simple JSON REST API with its fake, conformance test, README and a changeset.
// CommonJS, because nx loads generator factories with require() on Node 20.
const { execFileSync } = require('node:child_process')
const path = require('node:path')
const { generateFiles, joinPathFragments } = require('@nx/devkit')

const NAME = /^[a-z][a-z0-9-]*$/

/** The spellings of a connector name the templates use. */
function names(name, displayName) {
  const words = name.split('-').filter(Boolean)
  const title = words.map((w) => w[0].toUpperCase() + w.slice(1))
  return {
    name,
    displayName: displayName || title.join(' '),
    className: title.join(''),
    camelName: words[0] + title.slice(1).join(''),
    constantName: words.join('_').toUpperCase(),
    packageName: `@sluice/destination-${name}`,
  }
}

async function connectorGenerator(tree, options) {
  if (!NAME.test(options.name ?? '')) {
    throw new Error(
      `[sluice] "${options.name}" is not a valid connector name: use lower case letters, digits and dashes, starting with a letter (e.g. "acme").`,
    )
  }
  const vars = names(options.name, options.displayName)
  const target = joinPathFragments(options.directory ?? 'connectors', `destination-${vars.name}`)
  if (tree.exists(target)) {
    throw new Error(`[sluice] ${target} already exists: pick another name or remove it first.`)
  }
  generateFiles(tree, path.join(__dirname, 'files'), target, { ...vars, tmpl: '' })
  tree.write(
    `.changeset/destination-${vars.name}.md`,
    `---\n"${vars.packageName}": minor\n---\n\nAdd the ${vars.displayName} destination.\n`,
  )

  return () => {
    if (!options.skipInstall) install(tree.root)
    console.log(
      [
        '',
        `Created ${target}. Next:`,
        `  cd ${target}`,
        '  pnpm conformance        # the fresh connector passes the conformance kit',
        '  then replace the Records API in src/ with your service (see README.md)',
      ].join('\n'),
    )
  }
}

/**
 * The command that runs the pnpm which started this script (npm_execpath), or the pinned one through
 * npx. pnpm 12 is a native executable; older versions are a script for node.
 */
function pnpmCommand(execPath = process.env.npm_execpath) {
  if (!execPath || !/pnpm/.test(execPath)) return ['npx', ['-y', 'pnpm@12.4.2']]
  return /\.[cm]?js$/.test(execPath) ? [process.execPath, [execPath]] : [execPath, []]
}

/** Links the new package into the workspace. */
function install(root) {
  const [command, args] = pnpmCommand()
  try {
    execFileSync(command, [...args, 'install', '--prefer-offline'], { cwd: root, stdio: 'inherit' })
  } catch {
    console.log('Could not run pnpm install: run it yourself to link the new package.')
  }
}

module.exports = connectorGenerator
module.exports.default = connectorGenerator
module.exports.names = names
module.exports.pnpmCommand = pnpmCommand
