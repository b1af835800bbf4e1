/**
 * The runbook's shell pipelines (`pg_dump db | gzip > file`, `gunzip -c file | psql`),
 * reproduced with argv-array child processes joined by pipes, so the comparison measures the
 * same work without a shell string.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createReadStream, createWriteStream } from 'node:fs'

/** A program and its arguments. */
export interface Command {
  readonly command: string
  readonly args: readonly string[]
}

/** Run `commands` joined stdout-to-stdin; optional file at each end. Rejects when any exits non-zero. */
export async function pipeline(options: {
  readonly commands: readonly Command[]
  readonly env?: NodeJS.ProcessEnv
  readonly from?: string
  readonly to?: string
}): Promise<void> {
  const children: ChildProcess[] = options.commands.map(({ command, args }) =>
    spawn(command, [...args], { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] }),
  )
  const first = children[0]
  const last = children.at(-1)
  if (first === undefined || last === undefined) return
  if (options.from !== undefined) createReadStream(options.from).pipe(first.stdin!)
  else first.stdin?.end()
  for (let i = 0; i + 1 < children.length; i += 1)
    children[i]!.stdout!.pipe(children[i + 1]!.stdin!)
  if (options.to !== undefined) last.stdout!.pipe(createWriteStream(options.to))
  else last.stdout!.resume()
  const stderr: string[] = []
  const exits = children.map(
    (child, index) =>
      new Promise<void>((resolve, reject) => {
        child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()))
        child.on('error', reject)
        child.on('close', (code) =>
          code === 0
            ? resolve()
            : reject(
                new Error(
                  `${options.commands[index]?.command ?? '?'} exited ${String(code)}: ${stderr.join('').slice(-500)}`,
                ),
              ),
        )
      }),
  )
  await Promise.all(exits)
}
