import { readFileSync } from 'node:fs'

const MB = 1024 * 1024

/**
 * The process's peak resident set so far, in MB: the kernel's high-water mark (VmHWM), which also sees
 * spikes between samples and memory DuckDB allocates outside the JS heap. Falls back to the current RSS
 * where /proc is not available.
 */
export function peakRssMb(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8')
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status)
    if (match) return Number(match[1]) / 1024
  } catch {
    // not Linux: sampled RSS below is the best there is
  }
  return process.memoryUsage.rss() / MB
}

/**
 * Samples RSS and the JS heap on an interval and keeps the peaks. The heap peak is what "memory flat in
 * the model's size" is about; RSS includes DuckDB's buffers.
 */
export class PeakSampler {
  #timer: NodeJS.Timeout | undefined
  #peakRss = 0
  #peakHeap = 0

  constructor(private readonly intervalMs = 25) {}

  start(): this {
    this.#sample()
    this.#timer = setInterval(() => this.#sample(), this.intervalMs)
    this.#timer.unref()
    return this
  }

  stop(): { peakRssMb: number; peakHeapMb: number } {
    this.#sample()
    clearInterval(this.#timer)
    return { peakRssMb: Math.max(this.#peakRss / MB, peakRssMb()), peakHeapMb: this.#peakHeap / MB }
  }

  #sample(): void {
    const usage = process.memoryUsage()
    if (usage.rss > this.#peakRss) this.#peakRss = usage.rss
    if (usage.heapUsed > this.#peakHeap) this.#peakHeap = usage.heapUsed
  }
}
