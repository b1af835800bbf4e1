import { errAsync, type ResultAsync } from 'neverthrow'
import { invalidInput } from '@rollback-kit/core'
import type { GitCommandError } from './errors.js'
import type { GitOptions } from './git-options.js'
import { runGit } from './internal/run-git.js'

/**
 * One release: a tag that points (directly or through an annotated tag) at a commit.
 * @example
 * ```ts
 * import { listReleases, type Release } from '@rollback-kit/git'
 *
 * const releases: readonly Release[] = (await listReleases({ dir: '/srv/app' })).unwrapOr([])
 * const previous = releases[1]
 * if (previous !== undefined) console.log(`${previous.tag} -> ${previous.commit} (${previous.date})`)
 * ```
 * @category Releases and history
 */
export interface Release {
  /** The tag name, e.g. `v1.4.0`. */
  readonly tag: string
  /** Full hash of the commit the tag points at. */
  readonly commit: string
  /** When the tag was made (annotated) or the commit was committed (lightweight), ISO 8601. */
  readonly date: string
  /** Whether the tag is an annotated tag object rather than a lightweight ref. */
  readonly annotated: boolean
  /** The annotated tag's message subject, or the commit's subject for a lightweight tag. */
  readonly subject: string
}

/**
 * Options of {@link listReleases}.
 * @example
 * ```ts
 * import { listReleases, type ListReleasesOptions } from '@rollback-kit/git'
 *
 * const options: ListReleasesOptions = { dir: '/srv/app', pattern: 'v*', limit: 5 }
 * const releases = await listReleases(options)
 * ```
 * @category Releases and history
 */
export interface ListReleasesOptions extends GitOptions {
  /** Only tags matching this glob (as `git for-each-ref refs/tags/<pattern>`), e.g. `v*`. */
  readonly pattern?: string
  /** At most this many releases (the newest). */
  readonly limit?: number
}

/**
 * Why {@link listReleases} failed.
 * @example
 * ```ts
 * import { listReleases, type ListReleasesError } from '@rollback-kit/git'
 *
 * const explain = (e: ListReleasesError): string =>
 *   e.kind === 'CommandNotFound' ? 'install git first' : e.message
 * const releases = await listReleases({ dir: '/srv/app' })
 * if (releases.isErr()) console.error(explain(releases.error))
 * ```
 * @category Releases and history
 */
export type ListReleasesError = GitCommandError

const FIELDS = [
  '%(refname:strip=2)',
  '%(objecttype)',
  '%(objectname)',
  '%(*objecttype)',
  '%(*objectname)',
  '%(creatordate:iso-strict)',
  '%(contents:subject)',
] as const

/**
 * The repository's releases, newest first: tags sorted by creation date (tagger date for
 * annotated tags, commit date for lightweight ones; ties by version order), each with the
 * commit it points at. Tags of trees or blobs are left out. The runbook's `git tag -l`.
 *
 * @returns the releases (empty when there is no tag); or `NotARepository`, `InvalidInput`
 * (bad `pattern` or `limit`), or one of exec's errors.
 *
 * @example
 * ```ts
 * import { listReleases } from '@rollback-kit/git'
 *
 * const releases = await listReleases({ dir: '/srv/app', pattern: 'v*', limit: 2 })
 * if (releases.isOk()) {
 *   const [current, previous] = releases.value
 *   console.log(`rolling back from ${current?.tag} to ${previous?.tag} (${previous?.commit})`)
 * }
 * ```
 * @category Releases and history
 */
export function listReleases(
  options: ListReleasesOptions,
): ResultAsync<readonly Release[], ListReleasesError> {
  const pattern = options.pattern ?? ''
  if (pattern.startsWith('-') || /[\0\n\r]/.test(pattern)) {
    return errAsync(invalidInput({ field: 'options.pattern', reason: `unusable glob ${pattern}` }))
  }
  const { limit } = options
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    return errAsync(
      invalidInput({ field: 'options.limit', reason: `must be a positive integer, got ${limit}` }),
    )
  }
  return runGit(options, [
    'for-each-ref',
    '--sort=-v:refname',
    '--sort=-creatordate',
    `--format=${FIELDS.join('%00')}`,
    `refs/tags/${pattern}`,
  ]).map((out) => {
    const releases = parseReleases(out.stdout)
    return limit === undefined ? releases : releases.slice(0, limit)
  })
}

function parseReleases(text: string): Release[] {
  const releases: Release[] = []
  for (const line of text.split('\n')) {
    const [tag, type, object, peeledType, peeled, date, subject] = line.split('\0')
    if (tag === undefined || tag.length === 0 || object === undefined) continue
    let commit: string
    if (type === 'commit') commit = object
    else if (type === 'tag' && peeledType === 'commit' && peeled !== undefined) commit = peeled
    else continue
    releases.push({
      tag,
      commit,
      date: date ?? '',
      annotated: type === 'tag',
      subject: subject ?? '',
    })
  }
  return releases
}
