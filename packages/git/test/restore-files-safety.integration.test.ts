// @needs git
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { isClean, restoreFiles, undoRestoreFiles } from '@rollback-kit/git'
import { createTempRepo, type TempRepo } from './fixtures/temp-repo.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()))
})

/** A repository whose last commit changed conf/app.yml, and a folder outside it. */
async function setup(): Promise<{ repo: TempRepo; outside: string }> {
  const repo = await createTempRepo()
  cleanups.push(() => repo.cleanup())
  await repo.commit({ 'conf/app.yml': 'app v1\n', 'notes.txt': 'notes v1\n' }, 'v1')
  await repo.commit({ 'conf/app.yml': 'app v2\n', 'notes.txt': 'notes v2\n' }, 'v2')
  // A sibling of the repository, so `../<name>` from its root reaches it.
  const outside = await mkdtemp(join(tmpdir(), 'rk-git-outside-'))
  cleanups.push(() => rm(outside, { recursive: true, force: true }))
  await writeFile(join(outside, 'app.yml'), 'outside, must not change\n')
  await writeFile(join(outside, 'victim.txt'), 'outside victim, must survive\n')
  return { repo, outside }
}

const read = (path: string): Promise<string> => readFile(path, 'utf8')

describe('restoreFiles and its undo never reach outside the repository', () => {
  test('a parent folder that became a symlink to outside after the restore: undo refuses, the outside file is untouched', async () => {
    const { repo, outside } = await setup()
    const restored = (
      await restoreFiles({ dir: repo.dir, revision: 'HEAD~1', paths: ['conf/app.yml'] })
    )._unsafeUnwrap()
    await rm(join(repo.dir, 'conf'), { recursive: true })
    await symlink(join('..', basename(outside)), join(repo.dir, 'conf'))
    const outsideBefore = await stat(join(outside, 'app.yml'))

    const refused = (await restored.undo())._unsafeUnwrapErr()
    expect(refused).toMatchObject({ kind: 'InvalidInput' })
    expect(refused.message).toContain('symbolic link')
    expect(await read(join(outside, 'app.yml'))).toBe('outside, must not change\n')
    expect((await stat(join(outside, 'app.yml'))).mtimeMs).toBe(outsideBefore.mtimeMs)
  })

  test('a parent folder that is a symlink to outside before the restore: InvalidInput, nothing copied or written', async () => {
    const { repo, outside } = await setup()
    await rm(join(repo.dir, 'conf'), { recursive: true })
    await symlink(join('..', basename(outside)), join(repo.dir, 'conf'))
    const backupRoot = await mkdtemp(join(tmpdir(), 'rk-git-backups-'))
    cleanups.push(() => rm(backupRoot, { recursive: true, force: true }))
    const backupDir = join(backupRoot, 'b')

    const refused = (
      await restoreFiles({
        dir: repo.dir,
        revision: 'HEAD~1',
        paths: ['notes.txt', 'conf/app.yml'],
        backupDir,
      })
    )._unsafeUnwrapErr()
    expect(refused).toMatchObject({ kind: 'InvalidInput', field: 'options.paths[1]' })
    expect(await read(join(outside, 'app.yml'))).toBe('outside, must not change\n')
    expect(await read(join(repo.dir, 'notes.txt'))).toBe('notes v2\n')
    await expect(stat(backupDir)).rejects.toThrow()
  })

  test('a manifest edited to point outside (.., absolute, empty) is refused before any file is touched', async () => {
    const { repo, outside } = await setup()
    const restored = (
      await restoreFiles({
        dir: repo.dir,
        revision: 'HEAD~1',
        paths: ['notes.txt', 'conf/app.yml'],
      })
    )._unsafeUnwrap()
    const manifest = JSON.parse(await read(restored.manifestPath)) as {
      files: Record<string, unknown>[]
    }
    const victim = join(outside, 'victim.txt')
    const forged = [
      `../${basename(outside)}/victim.txt`,
      `conf/../../${basename(outside)}/victim.txt`,
      victim,
      '',
    ]
    for (const repoPath of forged) {
      // The first entry stays honest: it must not be put back either when a later one is bad.
      const files = [
        manifest.files[0],
        { ...manifest.files[1], path: repoPath, repoPath, existed: false },
      ]
      await writeFile(restored.manifestPath, JSON.stringify({ ...manifest, files }))
      const refused = (
        await undoRestoreFiles({ dir: repo.dir, backupDir: restored.backupDir })
      )._unsafeUnwrapErr()
      expect(refused).toMatchObject({ kind: 'InvalidInput', field: 'manifest.files[1].repoPath' })
      expect(await read(victim)).toBe('outside victim, must survive\n')
      expect(await read(join(repo.dir, 'notes.txt'))).toBe('notes v1\n')
    }
    // The honest manifest still undoes.
    await writeFile(restored.manifestPath, JSON.stringify(manifest))
    ;(await restored.undo())._unsafeUnwrap()
    expect((await isClean({ dir: repo.dir }))._unsafeUnwrap()).toBe(true)
  })

  test('a manifest with a malformed field is refused before any file is touched', async () => {
    const { repo, outside } = await setup()
    const restored = (
      await restoreFiles({ dir: repo.dir, revision: 'HEAD~1', paths: ['notes.txt'] })
    )._unsafeUnwrap()
    const manifest = JSON.parse(await read(restored.manifestPath)) as {
      files: Record<string, unknown>[]
    }
    await writeFile(
      restored.manifestPath,
      JSON.stringify({ ...manifest, files: [{ ...manifest.files[0], mode: 'rwx' }] }),
    )
    const refused = (await restored.undo())._unsafeUnwrapErr()
    expect(refused).toMatchObject({ kind: 'InvalidInput', field: 'manifest.files[0].mode' })
    expect(await read(join(outside, 'victim.txt'))).toBe('outside victim, must survive\n')
  })
})

describe('undo keeps an edit made after the restore', () => {
  test('an edited file is kept aside (and said where) before the previous version comes back', async () => {
    const { repo } = await setup()
    const restored = (
      await restoreFiles({
        dir: repo.dir,
        revision: 'HEAD~1',
        paths: ['conf/app.yml', 'notes.txt'],
      })
    )._unsafeUnwrap()
    await writeFile(join(repo.dir, 'conf/app.yml'), 'app v1 + hot edit after the restore\n')

    const undone = (await restored.undo())._unsafeUnwrap()
    expect(undone.restored).toEqual(['conf/app.yml', 'notes.txt'])
    expect(undone.keptEdits).toHaveLength(1)
    const [kept] = undone.keptEdits
    expect(kept?.path).toBe('conf/app.yml')
    expect(kept?.copy.startsWith(restored.backupDir)).toBe(true)
    expect(await read(kept?.copy ?? '')).toBe('app v1 + hot edit after the restore\n')
    expect(await read(join(repo.dir, 'conf/app.yml'))).toBe('app v2\n')
    expect((await isClean({ dir: repo.dir }))._unsafeUnwrap()).toBe(true)
  })

  test('a file replaced by a folder after the restore is refused: nothing is deleted', async () => {
    const { repo } = await setup()
    const restored = (
      await restoreFiles({ dir: repo.dir, revision: 'HEAD~1', paths: ['notes.txt'] })
    )._unsafeUnwrap()
    await rm(join(repo.dir, 'notes.txt'))
    await mkdir(join(repo.dir, 'notes.txt'))
    await writeFile(join(repo.dir, 'notes.txt', 'inside.txt'), 'work in a new folder\n')
    const refused = (await restored.undo())._unsafeUnwrapErr()
    expect(refused).toMatchObject({ kind: 'InvalidInput' })
    expect(await read(join(repo.dir, 'notes.txt', 'inside.txt'))).toBe('work in a new folder\n')
  })

  test('with stage: false too, and an unchanged file is not kept twice', async () => {
    const { repo } = await setup()
    const restored = (
      await restoreFiles({
        dir: repo.dir,
        revision: 'HEAD~1',
        paths: ['conf/app.yml', 'notes.txt'],
        stage: false,
      })
    )._unsafeUnwrap()
    await writeFile(join(repo.dir, 'notes.txt'), 'notes edited after\n')
    const undone = (await restored.undo())._unsafeUnwrap()
    expect(undone.keptEdits.map((k) => k.path)).toEqual(['notes.txt'])
    expect(await read(undone.keptEdits[0]?.copy ?? '')).toBe('notes edited after\n')
    expect(await read(join(repo.dir, 'notes.txt'))).toBe('notes v2\n')
    expect((await isClean({ dir: repo.dir }))._unsafeUnwrap()).toBe(true)
  })
})
