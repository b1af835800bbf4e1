import { errAsync, type ResultAsync } from 'neverthrow'
import { invalidInput } from '@rollback-kit/core'
import type { GitCommandError, UnknownRevision } from './errors.js'
import type { GitOptions } from './git-options.js'
import { resolveCommit } from './internal/revision.js'
import { runGit } from './internal/run-git.js'

/**
 * One commit of the history, as {@link listCommits} returns it.
 * @example
 * ```ts
 * import { listCommits, type Commit } from '@rollback-kit/git'
 *
 * const oneline = (c: Commit): string => `${c.shortHash} ${c.subject} (${c.author}, ${c.date})`
 * const commits = await listCommits({ dir: '/srv/app', count: 10 })
 * if (commits.isOk()) console.log(commits.value.map(oneline).join('\n'))
 * ```
 * @category Releases and history
 */
export interface Commit {
  /** Full hash. */
  readonly hash: string
  /** Abbreviated hash, as `git log --oneline` shows it. */
  readonly shortHash: string
  /** First line of the message. */
  readonly subject: string
  /** Author name. */
  readonly author: string
  /** Author email. */
  readonly authorEmail: string
  /** Author date, ISO 8601. */
  readonly date: string
}

/**
 * Options of {@link listCommits}.
 * @example
 * ```ts
 * import { listCommits, type ListCommitsOptions } from '@rollback-kit/git'
 *
 * const options: ListCommitsOptions = { dir: '/srv/app', count: 5, paths: ['docker-compose.yml'] }
 * const compose = await listCommits(options)
 * ```
 * @category Releases and history
 */
export interface ListCommitsOptions extends GitOptions {
  /** How many commits, newest first. Default 10 (the runbook's `git log --oneline -10`). */
  readonly count?: number
  /** Where to start. Default `HEAD`. */
  readonly revision?: string
  /** Only commits touching these paths (relative to `dir`, taken literally). */
  readonly paths?: readonly string[]
}

/**
 * Why {@link listCommits} failed.
 * @example
 * ```ts
 * import { listCommits, type ListCommitsError } from '@rollback-kit/git'
 *
 * const explain = (e: ListCommitsError): string =>
 *   e.kind === 'UnknownRevision' ? `no such revision: ${e.revision}` : e.message
 * const commits = await listCommits({ dir: '/srv/app', revision: 'v1.4.0' })
 * if (commits.isErr()) console.error(explain(commits.error))
 * ```
 * @category Releases and history
 */
export type ListCommitsError = GitCommandError | UnknownRevision

/**
 * The last `count` commits reachable from `revision` (default `HEAD`), newest first: the
 * runbook's `git log --oneline -10`, as data.
 *
 * @returns the commits; or `UnknownRevision` (including a repository with no commit yet),
 * `NotARepository`, `InvalidInput`, or one of exec's errors.
 *
 * @example
 * ```ts
 * import { listCommits } from '@rollback-kit/git'
 *
 * const commits = await listCommits({ dir: '/srv/app', count: 10 })
 * if (commits.isOk()) {
 *   for (const c of commits.value) console.log(`${c.shortHash} ${c.subject} (${c.author}, ${c.date})`)
 * }
 * ```
 * @category Releases and history
 */
export function listCommits(
  options: ListCommitsOptions,
): ResultAsync<readonly Commit[], ListCommitsError> {
  const count = options.count ?? 10
  if (!(Number.isInteger(count) && count > 0)) {
    return errAsync(
      invalidInput({ field: 'options.count', reason: `must be a positive integer, got ${count}` }),
    )
  }
  return resolveCommit(options, options.revision ?? 'HEAD', 'options.revision').andThen((hash) =>
    runGit(options, [
      'log',
      '-z',
      `--max-count=${count}`,
      '--no-color',
      `--format=${FIELDS.join('%x00')}`,
      hash,
      '--',
      ...(options.paths ?? []),
    ]).map((out) => parseCommits(out.stdout)),
  )
}

/** One field per placeholder, in the order of {@link Commit}'s properties. */
const FIELDS = ['%H', '%h', '%s', '%an', '%ae', '%aI'] as const

/**
 * Parse `git log -z` with NUL between fields: git prints every field as a C string, so no
 * subject or name can hold a NUL, and each commit is exactly `FIELDS.length` fields. Any other
 * separator (`\x1e`, `\x1f`) is valid text in a commit message and could forge records.
 */
function parseCommits(text: string): Commit[] {
  const fields = text.split('\0')
  if (fields.at(-1) === '') fields.pop()
  const commits: Commit[] = []
  for (let i = 0; i + FIELDS.length <= fields.length; i += FIELDS.length) {
    const [hash = '', shortHash = '', subject = '', author = '', authorEmail = '', date = ''] =
      fields.slice(i, i + FIELDS.length)
    commits.push({ hash, shortHash, subject, author, authorEmail, date })
  }
  return commits
}
