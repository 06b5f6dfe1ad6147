import { createHash } from 'node:crypto'
import pg from 'pg'

export interface LeaderOptions {
  url: string
  /** what is led: processes that name the same thing elect one leader among them */
  name: string
  /** how often a follower tries to become the leader (default 2 s) */
  retryMs?: number
  /** called when this process becomes the leader */
  onLeader(): void | Promise<void>
  /** called when it stops being the leader (its database session was lost) */
  onLost?(reason: string): void
  onProblem?(message: string): void
}

export interface Election {
  readonly leader: boolean
  /** gives the leadership up (if held) and stops trying */
  stop(): Promise<void>
}

/** Two 32-bit advisory-lock keys for a name. */
function keys(name: string): [number, number] {
  const digest = createHash('sha256').update(`sluice-leader:${name}`).digest()
  return [digest.readInt32BE(0), digest.readInt32BE(4)]
}

/**
 * Elects one leader among every process that names the same thing, through the database: the leader
 * holds a session advisory lock on a connection of its own. When it dies, or its machine goes away
 * (TCP keepalives are on), Postgres ends the session and releases the lock, and a follower takes it on
 * its next try.
 */
export function electLeader(options: LeaderOptions): Election {
  const retryMs = options.retryMs ?? 2_000
  const [k1, k2] = keys(options.name)
  let leader = false
  let stopped = false
  let client: pg.Client | undefined
  let timer: NodeJS.Timeout | undefined

  const attempt = async () => {
    timer = undefined
    if (stopped) return
    try {
      if (!client) {
        const fresh = new pg.Client({
          connectionString: options.url,
          keepAlive: true,
          application_name: 'sluice-leader',
        })
        fresh.on('error', () => {})
        fresh.on('end', () => {
          if (client !== fresh) return
          client = undefined
          if (leader) {
            leader = false
            options.onLost?.('the database session of the leader ended')
          }
          if (!stopped) timer = setTimeout(attempt, retryMs)
        })
        await fresh.connect()
        client = fresh
      }
      const result = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [
        k1,
        k2,
      ])
      if (result.rows[0]?.ok && !stopped) {
        leader = true
        await options.onLeader()
        return
      }
    } catch (error) {
      options.onProblem?.(`leader election: ${error instanceof Error ? error.message : String(error)}`)
      const broken = client
      client = undefined
      await broken?.end().catch(() => {})
    }
    if (!stopped && !leader) timer = setTimeout(attempt, retryMs)
  }
  void attempt()

  return {
    get leader() {
      return leader
    },
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      const held = client
      client = undefined
      leader = false
      await held?.end().catch(() => {})
    },
  }
}
