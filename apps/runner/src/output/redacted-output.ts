/**
 * Every line a command prints passes through one redaction path: the process's stdout and stderr are
 * wrapped once, before the command runs, so no code path (a connector's message, a progress line, a
 * JSON result) can print a registered secret, whatever it forgot to redact itself.
 */
export function redactOutput(
  redact: (text: string) => string,
  streams: NodeJS.WritableStream[] = [process.stdout, process.stderr],
): void {
  for (const stream of streams) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean
    stream.write = ((chunk: unknown, ...rest: unknown[]) =>
      write(typeof chunk === 'string' ? redact(chunk) : chunk, ...rest)) as typeof stream.write
  }
}
