// @needs git
import {
  access,
  chmod,
  lstat,
  mkdtemp,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { isClean, restoreFiles, undoRestoreFiles } from '@rollback-kit/git'
import { createTempRepo, type TempRepo } from './fixtures/temp-repo.js'

const repos: TempRepo[] = []
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(repos.splice(0).map((repo) => repo.cleanup()))
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()))
})

const COMPOSE_V1 = 'services:\n  api:\n    image: api:1.4.0\n'
const COMPOSE_V2 = 'services:\n  api:\n    image: api:1.5.0\n'
const PROD_V1 = 'services:\n  api:\n    replicas: 3\n'
const PROD_V2 = 'services:\n  api:\n    replicas: 0\n'

/** The runbook's situation: the last commit changed both compose files. */
async function composeRepo(): Promise<TempRepo> {
  const repo = await createTempRepo()
  repos.push(repo)
  await repo.commit(
    { 'docker-compose.yml': COMPOSE_V1, 'docker-compose.prod.yml': PROD_V1 },
    'compose 1.4.0',
  )
  await repo.commit(
    { 'docker-compose.yml': COMPOSE_V2, 'docker-compose.prod.yml': PROD_V2 },
    'compose 1.5.0',
  )
  return repo
}

const read = (repo: TempRepo, path: string): Promise<string> =>
  readFile(join(repo.dir, path), 'utf8')
const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  )

describe('restoreFiles', () => {
  test('keeps a copy of the current files, restores them from HEAD~1 and stages them', async () => {
    const repo = await composeRepo()
    await repo.write('docker-compose.yml', `${COMPOSE_V2}# local hotfix\n`)
    const result = (
      await restoreFiles({
        dir: repo.dir,
        revision: 'HEAD~1',
        paths: ['docker-compose.yml', 'docker-compose.prod.yml'],
      })
    )._unsafeUnwrap()

    expect(await read(repo, 'docker-compose.yml')).toBe(COMPOSE_V1)
    expect(await read(repo, 'docker-compose.prod.yml')).toBe(PROD_V1)
    expect(result.commit).toBe((await repo.git(['rev-parse', 'HEAD~1'])).trim())
    expect(result.files.map((f) => f.path)).toEqual([
      'docker-compose.yml',
      'docker-compose.prod.yml',
    ])
    expect(result.files.every((f) => f.existed)).toBe(true)
    expect(await readFile(result.files[0]!.backupPath!, 'utf8')).toBe(
      `${COMPOSE_V2}# local hotfix\n`,
    )
    expect(await readFile(result.files[1]!.backupPath!, 'utf8')).toBe(PROD_V2)
    // Staged, like `git checkout HEAD~1 -- file`.
    expect((await repo.git(['diff', '--cached', '--name-only'])).trim().split('\n').sort()).toEqual(
      ['docker-compose.prod.yml', 'docker-compose.yml'],
    )
    // The backup lives inside .git, so it never shows up as a change.
    expect(result.backupDir.startsWith(join(repo.dir, '.git'))).toBe(true)
    expect(
      (await repo.git(['status', '--porcelain', '--untracked-files=all'])).includes('rollback-kit'),
    ).toBe(false)
    const manifest = JSON.parse(await readFile(result.manifestPath, 'utf8')) as { commit: string }
    expect(manifest.commit).toBe(result.commit)
  })

  test('undo puts back the exact previous files and index, uncommitted edits included', async () => {
    const repo = await composeRepo()
    await repo.write('docker-compose.yml', `${COMPOSE_V2}# staged hotfix\n`)
    await repo.git(['add', 'docker-compose.yml'])
    await repo.write('docker-compose.yml', `${COMPOSE_V2}# staged hotfix\n# unstaged note\n`)
    const statusBefore = await repo.git(['status', '--porcelain'])
    const stagedBefore = await repo.git(['diff', '--cached'])

    const result = (
      await restoreFiles({
        dir: repo.dir,
        revision: 'HEAD~1',
        paths: ['docker-compose.yml', 'docker-compose.prod.yml'],
      })
    )._unsafeUnwrap()
    expect(await read(repo, 'docker-compose.yml')).toBe(COMPOSE_V1)

    const undone = (await result.undo())._unsafeUnwrap()
    expect(undone.restored).toEqual(['docker-compose.yml', 'docker-compose.prod.yml'])
    expect(await read(repo, 'docker-compose.yml')).toBe(
      `${COMPOSE_V2}# staged hotfix\n# unstaged note\n`,
    )
    expect(await read(repo, 'docker-compose.prod.yml')).toBe(PROD_V2)
    expect(await repo.git(['status', '--porcelain'])).toBe(statusBefore)
    expect(await repo.git(['diff', '--cached'])).toBe(stagedBefore)
  })

  test('stage: false restores the working tree only', async () => {
    const repo = await composeRepo()
    const result = (
      await restoreFiles({
        dir: repo.dir,
        revision: 'HEAD~1',
        paths: ['docker-compose.yml'],
        stage: false,
      })
    )._unsafeUnwrap()
    expect(await read(repo, 'docker-compose.yml')).toBe(COMPOSE_V1)
    expect((await repo.git(['diff', '--cached', '--name-only'])).trim()).toBe('')
    expect((await repo.git(['diff', '--name-only'])).trim()).toBe('docker-compose.yml')
    ;(await result.undo())._unsafeUnwrap()
    expect((await isClean({ dir: repo.dir }))._unsafeUnwrap()).toBe(true)
  })

  test('a file missing from the working tree is restored, and undo removes it again', async () => {
    const repo = await composeRepo()
    await rm(join(repo.dir, 'docker-compose.prod.yml'))
    await repo.git(['rm', '--quiet', '--cached', 'docker-compose.prod.yml'])
    const result = (
      await restoreFiles({ dir: repo.dir, revision: 'HEAD~1', paths: ['docker-compose.prod.yml'] })
    )._unsafeUnwrap()
    expect(result.files).toEqual([
      { path: 'docker-compose.prod.yml', existed: false, backupPath: null },
    ])
    expect(await read(repo, 'docker-compose.prod.yml')).toBe(PROD_V1)
    const undone = (await result.undo())._unsafeUnwrap()
    expect(undone.removed).toEqual(['docker-compose.prod.yml'])
    expect(await exists(join(repo.dir, 'docker-compose.prod.yml'))).toBe(false)
    expect((await repo.git(['ls-files', 'docker-compose.prod.yml'])).trim()).toBe('')
  })

  test('undoRestoreFiles works from a chosen backup folder alone (another process)', async () => {
    const repo = await composeRepo()
    await repo.commit({ 'deploy.sh': '#!/bin/sh\necho v2\n' }, 'deploy script')
    const backupRoot = await mkdtemp(join(tmpdir(), 'rk-git-backups-'))
    cleanups.push(() => rm(backupRoot, { recursive: true, force: true }))
    const backupDir = join(backupRoot, 'compose')

    const result = (
      await restoreFiles({
        dir: repo.dir,
        revision: 'HEAD~2',
        paths: ['./docker-compose.yml'],
        backupDir,
      })
    )._unsafeUnwrap()
    expect(result.backupDir).toBe(backupDir)
    expect(result.files[0]!.path).toBe('docker-compose.yml')

    const undone = (await undoRestoreFiles({ dir: repo.dir, backupDir }))._unsafeUnwrap()
    expect(undone.restored).toEqual(['docker-compose.yml'])
    expect(await read(repo, 'docker-compose.yml')).toBe(COMPOSE_V2)
    expect((await isClean({ dir: repo.dir }))._unsafeUnwrap()).toBe(true)
  })

  test('restores an executable file with its mode, and undo keeps the mode', async () => {
    const repo = await composeRepo()
    await repo.commit({ 'deploy.sh': '#!/bin/sh\necho v1\n' }, 'deploy v1')
    await repo.commit({ 'deploy.sh': '#!/bin/sh\necho v2\n' }, 'deploy v2')
    await chmod(join(repo.dir, 'deploy.sh'), 0o755)
    await repo.git(['add', 'deploy.sh'])
    await repo.git(['-c', 'user.name=T', '-c', 'user.email=t@e.test', 'commit', '-qm', 'exec bit'])
    const result = (
      await restoreFiles({ dir: repo.dir, revision: 'HEAD', paths: ['deploy.sh'] })
    )._unsafeUnwrap()
    ;(await result.undo())._unsafeUnwrap()
    expect((await stat(join(repo.dir, 'deploy.sh'))).mode & 0o777).toBe(0o755)
    expect((await isClean({ dir: repo.dir }))._unsafeUnwrap()).toBe(true)
  })

  test('paths are relative to dir, which may be a folder inside the repository', async () => {
    const repo = await createTempRepo()
    repos.push(repo)
    await repo.commit({ 'deploy/docker-compose.yml': COMPOSE_V1 }, 'deploy 1.4.0')
    await repo.commit({ 'deploy/docker-compose.yml': COMPOSE_V2 }, 'deploy 1.5.0')
    const dir = join(repo.dir, 'deploy')
    const result = (
      await restoreFiles({ dir, revision: 'HEAD~1', paths: ['docker-compose.yml'] })
    )._unsafeUnwrap()
    expect(await read(repo, 'deploy/docker-compose.yml')).toBe(COMPOSE_V1)
    expect((await repo.git(['diff', '--cached', '--name-only'])).trim()).toBe(
      'deploy/docker-compose.yml',
    )
    ;(await result.undo())._unsafeUnwrap()
    expect(await read(repo, 'deploy/docker-compose.yml')).toBe(COMPOSE_V2)
    expect((await isClean({ dir: repo.dir }))._unsafeUnwrap()).toBe(true)
    expect((await repo.git(['ls-files'])).trim().split('\n')).toEqual([
      'README.md',
      'deploy/docker-compose.yml',
    ])
  })

  test('a symlink replaced by a file comes back as the same symlink on undo', async () => {
    const repo = await composeRepo()
    await symlink('docker-compose.prod.yml', join(repo.dir, 'current.yml'))
    await repo.git(['add', 'current.yml'])
    await repo.git(['-c', 'user.name=T', '-c', 'user.email=t@e.test', 'commit', '-qm', 'link'])
    await repo.commit({ 'other.txt': 'x\n' }, 'later')
    await rm(join(repo.dir, 'current.yml'))
    await repo.commit({ 'current.yml': 'plain file\n' }, 'link becomes a file')
    await rm(join(repo.dir, 'current.yml'))
    await symlink('docker-compose.yml', join(repo.dir, 'current.yml'))
    await repo.git(['add', 'current.yml'])
    await repo.git(['-c', 'user.name=T', '-c', 'user.email=t@e.test', 'commit', '-qm', 'relink'])

    const result = (
      await restoreFiles({ dir: repo.dir, revision: 'HEAD~1', paths: ['current.yml'] })
    )._unsafeUnwrap()
    expect((await lstat(join(repo.dir, 'current.yml'))).isFile()).toBe(true)
    expect(await read(repo, 'current.yml')).toBe('plain file\n')
    ;(await result.undo())._unsafeUnwrap()
    expect(await readlink(join(repo.dir, 'current.yml'))).toBe('docker-compose.yml')
    expect((await isClean({ dir: repo.dir }))._unsafeUnwrap()).toBe(true)
  })

  test('a path that is not a file in the revision is InvalidInput and nothing is touched', async () => {
    const repo = await composeRepo()
    await repo.commit({ 'config/app.yml': 'a: 1\n' }, 'config folder')
    for (const paths of [['docker-compose.yml', 'missing.yml'], ['config']]) {
      const error = (
        await restoreFiles({ dir: repo.dir, revision: 'HEAD~1', paths })
      )._unsafeUnwrapErr()
      expect(error.kind).toBe('InvalidInput')
    }
    expect(await read(repo, 'docker-compose.yml')).toBe(COMPOSE_V2)
    expect((await isClean({ dir: repo.dir }))._unsafeUnwrap()).toBe(true)
    expect(await exists(join(repo.dir, '.git', 'rollback-kit'))).toBe(false)
  })

  test('paths outside the folder, absolute paths and an empty list are InvalidInput', async () => {
    const repo = await composeRepo()
    for (const paths of [['../etc/passwd'], ['/etc/passwd'], [], ['a/../../b']]) {
      const error = (
        await restoreFiles({ dir: repo.dir, revision: 'HEAD~1', paths })
      )._unsafeUnwrapErr()
      expect(error).toMatchObject({ kind: 'InvalidInput' })
    }
  })

  test('a backslash is part of a POSIX file name: a\\b.txt is restored, a/b.txt is not touched', async () => {
    const repo = await createTempRepo()
    repos.push(repo)
    await repo.commit({ 'a\\b.txt': 'backslash v1\n', 'a/b.txt': 'folder v1\n' }, 'v1')
    await repo.commit({ 'a\\b.txt': 'backslash v2\n', 'a/b.txt': 'folder v2\n' }, 'v2')
    const result = (
      await restoreFiles({ dir: repo.dir, revision: 'HEAD~1', paths: ['a\\b.txt'] })
    )._unsafeUnwrap()
    expect(result.files.map((f) => f.path)).toEqual(['a\\b.txt'])
    expect(await read(repo, 'a\\b.txt')).toBe('backslash v1\n')
    expect(await read(repo, 'a/b.txt')).toBe('folder v2\n')
    ;(await result.undo())._unsafeUnwrap()
    expect(await read(repo, 'a\\b.txt')).toBe('backslash v2\n')
    expect((await isClean({ dir: repo.dir }))._unsafeUnwrap()).toBe(true)
  })

  test('an unknown revision is UnknownRevision', async () => {
    const repo = await composeRepo()
    const error = (
      await restoreFiles({ dir: repo.dir, revision: 'HEAD~9', paths: ['docker-compose.yml'] })
    )._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'UnknownRevision', revision: 'HEAD~9' })
  })

  test('undo from a folder without a manifest is InvalidInput', async () => {
    const repo = await composeRepo()
    const error = (
      await undoRestoreFiles({ dir: repo.dir, backupDir: join(repo.dir, 'nope') })
    )._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'InvalidInput', field: 'options.backupDir' })
  })
})
