import os from 'node:os'

export interface Machine {
  cores: number
  memory_gb: number
  node: string
  cpu: string
  platform: string
}

/** What the figures were measured on, so runs on different machines are not compared blindly. */
export function describeMachine(): Machine {
  const cpus = os.cpus()
  return {
    cores: os.availableParallelism(),
    memory_gb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    platform: `${os.platform()} ${os.release()}`,
  }
}
