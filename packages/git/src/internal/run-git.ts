import { errAsync, type ResultAsync } from 'neverthrow'
import { exec, invalidInput, type ExecOptions, type ExecResult } from '@rollback-kit/core'
import { notARepository, type GitCommandError } from '../errors.js'
import type { GitOptions } from '../git-options.js'

/** Environment for every git run: parseable English output, nothing interactive. */
const GIT_ENV = {
  LC_ALL: 'C',
  LANGUAGE: 'C',
  GIT_TERMINAL_PROMPT: '0',
  GIT_EDITOR: 'true',
  GIT_SEQUENCE_EDITOR: 'true',
  GIT_MERGE_AUTOEDIT: 'no',
  GIT_LITERAL_PATHSPECS: '1',
  GIT_PAGER: 'cat',
} as const

const NOT_A_WORKING_TREE =
  /not a git repository|cannot change to|cannot use bare repository|must be run in a work tree/i

const CONFIG_KEY = /^[A-Za-z][A-Za-z0-9-]*(\.[^=\n]+)?\.[A-Za-z][A-Za-z0-9-]*$/

/**
 * Run `git -C <dir> [-c k=v ...] <args>` through core's exec. A `dir` that is not a working
 * tree becomes `NotARepository`; everything else is exec's error.
 */
export function runGit(
  options: GitOptions,
  args: readonly string[],
  extra: Pick<ExecOptions, 'okExitCodes' | 'input'> & {
    /** Variables added to git's environment for this command. */
    readonly env?: Readonly<Record<string, string>>
  } = {},
): ResultAsync<ExecResult, GitCommandError> {
  // A bare repository (or a `.git` folder) has no working tree: refuse it at discovery, so
  // every function answers NotARepository instead of failing later on a work-tree command.
  const configArgs: string[] = ['-c', 'safe.bareRepository=explicit']
  for (const [key, value] of Object.entries(options.config ?? {})) {
    if (!CONFIG_KEY.test(key)) {
      return errAsync(
        invalidInput({ field: `options.config["${key}"]`, reason: 'is not a git config key' }),
      )
    }
    configArgs.push('-c', `${key}=${value}`)
  }
  const execOptions: ExecOptions = {
    env: { ...GIT_ENV, ...extra.env },
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(extra.okExitCodes === undefined ? {} : { okExitCodes: extra.okExitCodes }),
    ...(extra.input === undefined ? {} : { input: extra.input }),
  }
  return exec('git', ['-C', options.dir, ...configArgs, ...args], execOptions).mapErr(
    (error): GitCommandError =>
      error.kind === 'CommandFailed' && NOT_A_WORKING_TREE.test(error.stderr)
        ? notARepository({ dir: options.dir, cause: error })
        : error,
  )
}
