import type { InvalidInput, OperationOptions } from '@rollback-kit/core'
import type Dockerode from 'dockerode'
import { errAsync, type ResultAsync } from 'neverthrow'
import type { EngineCallError } from './errors.js'
import { engineCall } from './internal/engine-call.js'
import { inspectExact } from './internal/resolve-container.js'
import { checkContainer, checkNumber, firstProblem } from './internal/validate-input.js'

/**
 * Options of {@link tailLogs}.
 * @category Health and logs
 */
export interface TailLogsOptions extends Pick<OperationOptions, 'signal'> {
  readonly docker: Dockerode
  /** The container: its exact name, or its full id. */
  readonly container: string
  /** How many of the last lines. Default 50. */
  readonly lines?: number
}

/**
 * The last lines a container wrote to stdout and stderr, interleaved as the engine stored
 * them.
 *
 * @returns the lines, or `NoSuchContainer`, `EngineUnavailable`, ...
 *
 * @example
 * ```ts
 * import Dockerode from 'dockerode'
 * import { tailLogs } from '@rollback-kit/docker'
 *
 * const lines = await tailLogs({ docker: new Dockerode(), container: 'web', lines: 20 })
 * if (lines.isOk()) for (const line of lines.value) console.log(line)
 * ```
 * @category Health and logs
 */
export function tailLogs(
  options: TailLogsOptions,
): ResultAsync<string[], EngineCallError | InvalidInput> {
  const invalid = firstProblem(
    checkContainer(options.container, 'options.container'),
    checkNumber(options.lines, 'options.lines', { min: 0, max: 100_000 }),
  )
  if (invalid !== undefined) return errAsync(invalid)
  return inspectExact(options.docker, options.container).andThen((info) =>
    engineCall(
      { operation: `read logs of ${options.container}`, container: options.container },
      async () => {
        const raw: unknown = await options.docker.getContainer(info.Id).logs({
          stdout: true,
          stderr: true,
          follow: false,
          tail: options.lines ?? 50,
          ...(options.signal === undefined ? {} : { abortSignal: options.signal }),
        })
        const buffer = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw))
        const text = info.Config.Tty ? buffer.toString('utf8') : demultiplex(buffer)
        return text.split('\n').filter((line, index, all) => line !== '' || index < all.length - 1)
      },
    ),
  )
}

/** Strip the 8-byte frame headers of a non-TTY log stream. */
function demultiplex(buffer: Buffer): string {
  const parts: Buffer[] = []
  let offset = 0
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4)
    parts.push(buffer.subarray(offset + 8, offset + 8 + size))
    offset += 8 + size
  }
  return Buffer.concat(parts).toString('utf8')
}
