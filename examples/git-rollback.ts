/**
 * The runbook, "Application Rollback > Git-Based Rollback":
 * 1. identify the commit to roll back (`git log --oneline -10`, `git tag -l`),
 * 2. create a revert commit (`git revert <hash>`), 3. redeploy (the `redeploy` hook).
 *
 * Run: pnpm exec tsx --tsconfig tsconfig.json examples/git-rollback.ts --dir . [--commit <rev>]
 */
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { okAsync, type ResultAsync } from 'neverthrow'
import { formatError, type BlockError } from '@rollback-kit/core'
import {
  listCommits,
  listReleases,
  revertCommit,
  type RevertCommitError,
  type RevertCommitResult,
} from '@rollback-kit/git'

export interface GitRollbackOptions {
  /** The application's working tree. */
  readonly dir: string
  /** The problematic commit (hash, tag, `HEAD~2`...). Default: the latest commit. */
  readonly commit?: string
  /** Step 3: trigger the CI pipeline, or `docker compose build --no-cache && up -d`. */
  readonly redeploy: (reverted: RevertCommitResult) => ResultAsync<void, BlockError>
  /** Extra git config for this run, e.g. a bot identity for the revert commit. */
  readonly config?: Readonly<Record<string, string>>
  readonly log?: (line: string) => void
}

export function main(
  options: GitRollbackOptions,
): ResultAsync<RevertCommitResult, RevertCommitError | BlockError> {
  const { dir, log = console.log } = options
  const git = { dir, ...(options.config === undefined ? {} : { config: options.config }) }
  // Step 1: show what is there, as `git log --oneline -10` and `git tag -l` would.
  return listReleases({ ...git, limit: 5 })
    .andThen((releases) => {
      for (const r of releases) log(`release ${r.tag} -> ${r.commit.slice(0, 7)} (${r.date})`)
      return listCommits({ ...git, count: 10 })
    })
    .andThen((commits) => {
      for (const c of commits) log(`${c.shortHash} ${c.subject} (${c.author})`)
      const target = options.commit ?? commits[0]?.hash ?? 'HEAD'
      // Step 2: a revert commit; on conflict the tree is left as it was.
      return revertCommit({ ...git, commit: target })
    })
    .andThen((reverted) => {
      log(`reverted ${reverted.reverted.slice(0, 7)} with ${reverted.commit.slice(0, 7)}`)
      log(`undo: resetTo({ commit: '${reverted.previousHead}', confirm: true })`)
      // Step 3: redeploy the reverted code.
      return options.redeploy(reverted).map(() => reverted)
    })
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { dir: { type: 'string', default: '.' }, commit: { type: 'string' } },
  })
  const result = await main({
    dir: values.dir,
    ...(values.commit === undefined ? {} : { commit: values.commit }),
    redeploy: () => {
      console.log('redeploy: wire your CI trigger or compose rebuild here (see the redeploy hook)')
      return okAsync(undefined)
    },
  })
  if (result.isErr()) {
    console.error(formatError(result.error))
    process.exitCode = 1
  }
}
