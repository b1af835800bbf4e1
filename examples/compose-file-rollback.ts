/**
 * The runbook, "Infrastructure Rollback > Docker Compose Rollback":
 * 1. back up the current configuration (`cp docker-compose.yml docker-compose.yml.backup`),
 * 2. revert it (`git checkout HEAD~1 docker-compose.yml`),
 * 3. restart the services (`docker-compose down && up -d`): the `restartServices` hook;
 *    `composeRestart` below runs `docker-compose up -d` (it recreates exactly the services
 *    whose configuration changed) and checks every container of the project is running.
 * If the restart fails, the previous files are put back.
 *
 * Run: pnpm exec tsx --tsconfig tsconfig.json examples/compose-file-rollback.ts --dir . [--revision
 * HEAD~1] [--file docker-compose.yml --file docker-compose.prod.yml]
 */
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { join } from 'node:path'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import { exec, formatError, makeError, type BlockError } from '@rollback-kit/core'
import { listComposeServices, type ComposeScope } from '@rollback-kit/docker'
import { startDocker } from '@rollback-kit/testing'
import { restoreFiles, type RestoreFilesError, type RestoreFilesResult } from '@rollback-kit/git'

export type RestartServices = (restored: RestoreFilesResult) => ResultAsync<void, BlockError>

export interface ComposeFileRollbackOptions {
  /** The folder holding the compose files (inside a Git working tree). */
  readonly dir: string
  /** Where the good configuration is. Default `HEAD~1`. */
  readonly revision?: string
  /** Default `['docker-compose.yml']`; the runbook also restores `docker-compose.prod.yml`.
   * A file that did not exist before is kept as `null` and removed again on undo. */
  readonly files?: readonly string[]
  /** Step 3, e.g. {@link composeRestart}. */
  readonly restartServices: RestartServices
  readonly log?: (line: string) => void
}

export function main(
  options: ComposeFileRollbackOptions,
): ResultAsync<RestoreFilesResult, RestoreFilesError | BlockError> {
  const { dir, log = console.log } = options
  // Steps 1 and 2: keep a copy of the current files, then restore them from the revision.
  return restoreFiles({
    dir,
    revision: options.revision ?? 'HEAD~1',
    paths: options.files ?? ['docker-compose.yml'],
  }).andThen((restored) => {
    for (const file of restored.files) {
      log(`restored ${file.path} from ${restored.commit.slice(0, 7)}, kept ${file.backupPath}`)
    }
    // Step 3: restart; when that fails, put the previous files back before reporting.
    return options
      .restartServices(restored)
      .orElse((failure) =>
        restored.undo().andThen(() => {
          log(`restart failed; previous files put back from ${restored.backupDir}`)
          return errAsync(failure)
        }),
      )
      .map(() => restored)
  })
}

/** `docker-compose -p <project> -f <files> up -d`, then every container must be running. */
export function composeRestart(options: {
  readonly docker: ComposeScope['docker']
  readonly project: string
  /** The folder of the compose files (the `dir` given to `main`). */
  readonly dir: string
}): RestartServices {
  return (restored) => {
    const files = restored.files.flatMap((f) => ['-f', join(options.dir, f.path)])
    return exec(
      'docker-compose',
      ['-p', options.project, ...files, 'up', '-d', '--remove-orphans'],
      {
        cwd: options.dir,
        timeoutMs: 300_000,
      },
    )
      .andThen(() => listComposeServices(options))
      .andThen((services) => {
        const down = services.flatMap((s) => s.containers).filter((c) => c.state !== 'running')
        return down.length === 0
          ? okAsync(undefined)
          : errAsync(makeError('NotRunning', `not running: ${down.map((c) => c.name).join(', ')}`))
      })
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: '.' },
      revision: { type: 'string', default: 'HEAD~1' },
      file: { type: 'string', multiple: true },
      project: { type: 'string' },
    },
  })
  const { project, dir } = values
  // Docker is reached (DOCKER_HOST, else the local socket) only to restart a --project.
  const restartServices = (): ResultAsync<RestartServices, BlockError> =>
    project === undefined
      ? okAsync(() => okAsync(console.log('no --project: restart the services yourself')))
      : startDocker({ allowPrivate: false }).map((engine) =>
          composeRestart({ docker: engine.docker, project, dir }),
        )
  const result = await restartServices().andThen((restart) =>
    main({
      dir,
      revision: values.revision,
      ...(values.file === undefined ? {} : { files: values.file }),
      restartServices: restart,
    }),
  )
  if (result.isErr()) {
    console.error(formatError(result.error))
    process.exitCode = 1
  }
}
