export interface BenchArgs {
  /** 1/10 scale: what CI runs to prove every figure still runs */
  quick: boolean
  /** figure ids to run; all when empty */
  only: string[]
}

/** Parses `--quick` and `--only=diff,engine` (or `--only diff,engine`); anything else is an error. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { quick: false, only: [] }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') continue
    if (arg === '--quick') args.quick = true
    else if (arg === '--only') args.only.push(...split(argv[++i]))
    else if (arg.startsWith('--only=')) args.only.push(...split(arg.slice('--only='.length)))
    else throw new Error(`unknown argument "${arg}": use --quick and --only=<figure,…>`)
  }
  return args
}

function split(list: string | undefined): string[] {
  if (!list) throw new Error('--only needs a comma-separated list of figure ids')
  return list
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean)
}
