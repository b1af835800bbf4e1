// @needs git
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { errAsync, okAsync } from 'neverthrow'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { exec, makeError } from '@rollback-kit/core'
import { main as composeFileRollback } from '../compose-file-rollback.js'
import { main as gitRollback } from '../git-rollback.js'

// Independent of this machine's Git configuration (the spawned examples inherit this too).
process.env['GIT_CONFIG_GLOBAL'] = '/dev/null'
process.env['GIT_CONFIG_NOSYSTEM'] = '1'

const root = fileURLToPath(new URL('../..', import.meta.url))
const tsx = join(root, 'node_modules', '.bin', 'tsx')
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

/** A repository whose last commit is a bad release of the app and its compose file. */
async function appRepo(): Promise<{ dir: string; git: (...args: string[]) => Promise<string> }> {
  const dir = await mkdtemp(join(tmpdir(), 'rk-git-example-'))
  dirs.push(dir)
  const git = async (...args: string[]): Promise<string> =>
    (await exec('git', ['-C', dir, ...args]))._unsafeUnwrap().stdout
  await git('init', '--quiet', '--initial-branch=main')
  await git('config', 'user.name', 'Example Author')
  await git('config', 'user.email', 'example@example.test')
  const release = async (version: string, image: string): Promise<void> => {
    await writeFile(join(dir, 'app.txt'), `app ${version}\n`)
    await writeFile(join(dir, 'docker-compose.yml'), `services:\n  api:\n    image: ${image}\n`)
    await git('add', '.')
    await git('commit', '--quiet', '-m', `release ${version}`)
    await git('tag', '-a', `v${version}`, '-m', `Release ${version}`)
  }
  await release('1.4.0', 'api:1.4.0')
  await release('1.5.0', 'api:1.5.0-broken')
  return { dir, git }
}

const read = (dir: string, file: string): Promise<string> => readFile(join(dir, file), 'utf8')

describe('examples/git-rollback.ts', () => {
  test('reverts the latest commit, then calls the redeploy hook with the revert', async () => {
    const { dir, git } = await appRepo()
    const lines: string[] = []
    const redeploy = vi.fn(() => okAsync(undefined))
    const result = (await gitRollback({ dir, redeploy, log: (l) => lines.push(l) }))._unsafeUnwrap()
    expect(await read(dir, 'app.txt')).toBe('app 1.4.0\n')
    expect((await git('log', '-1', '--format=%s')).trim()).toBe('Revert "release 1.5.0"')
    expect(redeploy).toHaveBeenCalledWith(result)
    expect(lines.some((l) => l.startsWith('release v1.5.0'))).toBe(true)
    expect(lines.some((l) => l.endsWith('release 1.4.0 (Example Author)'))).toBe(true)
  })

  test('a conflicting revert stops before the redeploy and leaves the tree as it was', async () => {
    const { dir, git } = await appRepo()
    await writeFile(join(dir, 'app.txt'), 'app 1.5.1 hotfix\n')
    await git('commit', '--quiet', '-am', 'hotfix')
    const redeploy = vi.fn(() => okAsync(undefined))
    const error = (
      await gitRollback({ dir, commit: 'v1.5.0', redeploy, log: () => undefined })
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('MergeConflict')
    expect(redeploy).not.toHaveBeenCalled()
    expect(await read(dir, 'app.txt')).toBe('app 1.5.1 hotfix\n')
    expect((await git('status', '--porcelain')).trim()).toBe('')
  })

  test('runs as a program: exit code 0 and the commit reverted', async () => {
    const { dir } = await appRepo()
    const run = await exec(
      tsx,
      ['--tsconfig', 'tsconfig.json', 'examples/git-rollback.ts', '--dir', dir],
      { cwd: root, timeoutMs: 60_000 },
    )
    expect(run._unsafeUnwrap().stdout).toContain('reverted')
    expect(await read(dir, 'app.txt')).toBe('app 1.4.0\n')
  })
})

describe('examples/compose-file-rollback.ts', () => {
  test('keeps the current compose file, restores it from HEAD~1, then restarts', async () => {
    const { dir } = await appRepo()
    const restartServices = vi.fn(() => okAsync(undefined))
    const result = (
      await composeFileRollback({ dir, restartServices, log: () => undefined })
    )._unsafeUnwrap()
    expect(await read(dir, 'docker-compose.yml')).toContain('image: api:1.4.0')
    expect(await readFile(result.files[0]!.backupPath!, 'utf8')).toContain('api:1.5.0-broken')
    expect(restartServices).toHaveBeenCalledWith(result)
  })

  test('a failed restart puts the previous compose file back and reports the failure', async () => {
    const { dir, git } = await appRepo()
    const restartServices = vi.fn(() => errAsync(makeError('RestartFailed', 'api did not come up')))
    const error = (
      await composeFileRollback({ dir, restartServices, log: () => undefined })
    )._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'RestartFailed' })
    expect(await read(dir, 'docker-compose.yml')).toContain('api:1.5.0-broken')
    expect((await git('status', '--porcelain')).trim()).toBe('')
  })

  test('runs as a program with --revision and --file', async () => {
    const { dir } = await appRepo()
    const run = await exec(
      tsx,
      [
        '--tsconfig',
        'tsconfig.json',
        'examples/compose-file-rollback.ts',
        '--dir',
        dir,
        '--revision',
        'v1.4.0',
        '--file',
        'docker-compose.yml',
      ],
      { cwd: root, timeoutMs: 60_000 },
    )
    expect(run._unsafeUnwrap().stdout).toContain('restored docker-compose.yml')
    expect(await read(dir, 'docker-compose.yml')).toContain('image: api:1.4.0')
  })
})
