// @needs git
import { spawn } from 'node:child_process'
import { access, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, test } from 'vitest'
import {
  isClean,
  operationInProgress,
  resetTo,
  restoreFiles,
  revertCommit,
  undoRestoreFiles,
} from '@rollback-kit/git'
import { createBigRepo, type BigRepo } from './fixtures/big-repo.js'
import { killTree } from './fixtures/kill-tree.js'
import type { TempRepo } from './fixtures/temp-repo.js'
import { treeState } from './fixtures/tree-state.js'

// kill -9 of the process running a call, at each phase: while it plans, as git starts
// writing, half-way through the files (git killed too, as when a CI job is cancelled), or
// of the process alone (git runs on, orphaned). The next call must then find a consistent
// working tree: it puts the interrupted write back, then does its own work.

const root = fileURLToPath(new URL('../../../', import.meta.url))
const fixture = fileURLToPath(new URL('./fixtures/git-call-until-killed.ts', import.meta.url))

const repos: TempRepo[] = []
afterEach(async () => {
  await Promise.all(repos.splice(0).map((repo) => repo.cleanup()))
})

async function big(): Promise<BigRepo> {
  const created = await createBigRepo(1_000)
  repos.push(created.repo)
  return created
}

type KillPoint =
  | { readonly at: 'git'; readonly command: string }
  | { readonly at: 'file'; readonly path: string; readonly content: string; readonly only?: 'node' }

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  )

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * Run the call in a child process and SIGKILL it at `point`: with every process below it (git
 * too), or with `only: 'node'` the node process alone. Resolves once it is gone.
 */
async function runUntilKilled(
  call: 'revertCommit' | 'resetTo' | 'restoreFiles',
  options: Record<string, unknown>,
  point: KillPoint,
): Promise<{ readonly output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: root,
    env: {
      ...process.env,
      TSX_TSCONFIG_PATH: join(root, 'tsconfig.json'),
      ROLLBACK_KIT_GIT_CALL: JSON.stringify({ call, options }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  let errors = ''
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  const pid = child.pid ?? 0
  let watcher: NodeJS.Timeout | undefined
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`never reached: ${output} ${errors}`)), 60_000)
    const kill = (): void => {
      clearTimeout(timer)
      if (watcher !== undefined) clearInterval(watcher)
      const onlyNode = point.at === 'file' && point.only === 'node'
      if (onlyNode) process.kill(pid, 'SIGKILL')
      else killTree(pid)
      resolve()
    }
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (point.at === 'git' && output.includes(`GIT ${point.command}`)) kill()
    })
    if (point.at === 'file') {
      watcher = setInterval(() => {
        void readFile(point.path, 'utf8').then(
          (text) => (text === point.content ? kill() : undefined),
          () => undefined,
        )
      }, 1)
    }
    child.on('exit', () => reject(new Error(`finished before the kill: ${output} ${errors}`)))
  })
  await exited
  expect(output).not.toContain('RESULT')
  await expect.poll(() => alive(pid), { timeout: 10_000 }).toBe(false)
  return { output }
}

describe('revertCommit killed at each phase; the next call finds a consistent tree', () => {
  const points = (early: BigRepo['early'], dir: string): Record<string, KillPoint> => ({
    'while planning': { at: 'git', command: 'status' },
    'as git starts writing': { at: 'git', command: 'revert' },
    'half-way through the files (git killed too)': {
      at: 'file',
      path: join(dir, early.path),
      content: early.inA,
    },
  })
  for (const name of Object.keys(points({ path: '', inA: '', inB: '' }, ''))) {
    test(
      name,
      async () => {
        const { repo, a, b, early } = await big()
        const before = await treeState(repo)
        await runUntilKilled(
          'revertCommit',
          { dir: repo.dir, commit: b },
          points(early, repo.dir)[name]!,
        )
        const next = (await revertCommit({ dir: repo.dir, commit: b }))._unsafeUnwrap()
        expect(next.previousHead).toBe(b)
        expect((await repo.git(['rev-parse', 'HEAD^{tree}'])).trim()).toBe(
          (await repo.git(['rev-parse', `${a}^{tree}`])).trim(),
        )
        expect(
          await repo.git(['status', '--porcelain', '--untracked-files=all', '--ignored']),
        ).toBe('')
        expect((await operationInProgress({ dir: repo.dir }))._unsafeUnwrap()).toBeNull()
        // Undoing the revert gives the tree before the killed call, file by file.
        await repo.git(['reset', '--quiet', '--hard', b])
        expect(await treeState(repo)).toEqual(before)
      },
      180_000,
    )
  }

  test('in a commit hook (the hook killed too)', async () => {
    const { repo, b } = await big()
    const before = await treeState(repo)
    const marker = join(repo.dir, '.git', 'hook-ran')
    await writeFile(
      join(repo.dir, '.git', 'hooks', 'prepare-commit-msg'),
      `#!/bin/sh\ntouch '${marker}'\nexec sleep 30 >/dev/null 2>&1\n`,
      { mode: 0o755 },
    )
    await runUntilKilled(
      'revertCommit',
      { dir: repo.dir, commit: b },
      {
        at: 'file',
        path: marker,
        content: '',
      },
    )
    expect((await operationInProgress({ dir: repo.dir }))._unsafeUnwrap()).toBe('rollback-kit')
    await writeFile(join(repo.dir, '.git', 'hooks', 'prepare-commit-msg'), '#!/bin/sh\n')
    // Another call puts the revert back before doing its own (here: a reset to where HEAD is).
    ;(await resetTo({ dir: repo.dir, commit: b, confirm: true }))._unsafeUnwrap()
    const { refs: _refs, ...state } = await treeState(repo)
    const { refs: _before, ...stateBefore } = before
    expect(state).toEqual(stateBefore)
  }, 180_000)

  test('the node process alone, half-way through the files (git runs on and finishes)', async () => {
    const { repo, b, early } = await big()
    const before = await treeState(repo)
    await runUntilKilled(
      'revertCommit',
      { dir: repo.dir, commit: b },
      {
        at: 'file',
        path: join(repo.dir, early.path),
        content: early.inA,
        only: 'node',
      },
    )
    // The orphaned git commits the revert; the record of the dead call is still there.
    await expect
      .poll(async () => (await repo.git(['rev-parse', 'HEAD'])).trim(), { timeout: 60_000 })
      .not.toBe(b)
    await expect.poll(() => exists(join(repo.dir, '.git', 'index.lock'))).toBe(false)
    expect((await operationInProgress({ dir: repo.dir }))._unsafeUnwrap()).toBe('rollback-kit')
    const next = (await revertCommit({ dir: repo.dir, commit: b }))._unsafeUnwrap()
    expect(next.previousHead).toBe(b)
    expect((await isClean({ dir: repo.dir }))._unsafeUnwrap()).toBe(true)
    await repo.git(['reset', '--quiet', '--hard', b])
    expect(await treeState(repo)).toEqual(before)
  }, 180_000)
})

describe('resetTo killed half-way; the next call puts it back first', () => {
  test('git killed too: no half-reset tree, no backup ref of the dead call', async () => {
    const { repo, a, b, early } = await big()
    const before = await treeState(repo)
    await runUntilKilled(
      'resetTo',
      { dir: repo.dir, commit: a, confirm: true },
      {
        at: 'file',
        path: join(repo.dir, early.path),
        content: early.inA,
      },
    )
    expect((await isClean({ dir: repo.dir }))._unsafeUnwrap()).toBe(false)
    const next = (await resetTo({ dir: repo.dir, commit: a, confirm: true }))._unsafeUnwrap()
    expect(next.previousHead).toBe(b)
    expect(
      (await repo.git(['for-each-ref', 'refs/rollback-kit/'])).trim().split('\n'),
    ).toHaveLength(1)
    ;(await next.undo())._unsafeUnwrap()
    const { refs, ...state } = await treeState(repo)
    expect(refs.split('\n').filter((line) => line.startsWith('refs/heads/'))).toEqual(
      before.refs.split('\n').filter((line) => line.startsWith('refs/heads/')),
    )
    const { refs: _before, ...stateBefore } = before
    expect(state).toEqual(stateBefore)
  }, 180_000)
})

describe('a person edits a file after the kill; the next call names it, nothing is thrown away', () => {
  test('an edit that is not the start of either version is DirtyWorkingTree, and stays', async () => {
    const { repo, a, early } = await big()
    await runUntilKilled(
      'resetTo',
      { dir: repo.dir, commit: a, confirm: true },
      { at: 'file', path: join(repo.dir, early.path), content: early.inA },
    )
    const edit = 'an operator fixed this by hand after the crash\n'
    await repo.write(early.path, edit)
    const next = await resetTo({ dir: repo.dir, commit: a, confirm: true })
    expect(next._unsafeUnwrapErr()).toMatchObject({
      kind: 'DirtyWorkingTree',
      changedFiles: [early.path],
    })
    expect(await readFile(join(repo.dir, early.path), 'utf8')).toBe(edit)
  }, 180_000)
})

describe('restoreFiles killed half-way; undoRestoreFiles or the next call puts it back', () => {
  test('undoRestoreFiles on the backup folder of the dead call is the recovery', async () => {
    const { repo, early } = await big()
    const paths = Array.from({ length: 1_000 }, (_, i) => i)
      .filter((i) => i % 20 !== 0)
      .map((i) => `d${String(i % 30).padStart(2, '0')}/f${String(i).padStart(4, '0')}.txt`)
    await repo.write(paths[5]!, 'uncommitted edit before the restore\n')
    const before = await treeState(repo)
    const backupDir = join(repo.dir, '.git', 'rollback-kit', 'chosen-backup')
    await runUntilKilled(
      'restoreFiles',
      { dir: repo.dir, revision: 'HEAD~1', paths, backupDir },
      {
        at: 'file',
        path: join(repo.dir, early.path),
        content: early.inA,
      },
    )
    expect((await operationInProgress({ dir: repo.dir }))._unsafeUnwrap()).toBe('rollback-kit')
    ;(await undoRestoreFiles({ dir: repo.dir, backupDir }))._unsafeUnwrap()
    expect((await operationInProgress({ dir: repo.dir }))._unsafeUnwrap()).toBeNull()
    const { libraryFiles, ...state } = await treeState(repo)
    const { libraryFiles: _kept, ...stateBefore } = before
    expect(state).toEqual(stateBefore)
    expect(libraryFiles.every((line) => line.startsWith('rollback-kit/chosen-backup/'))).toBe(true)
  }, 180_000)

  test('or the next restoreFiles call puts it back before restoring', async () => {
    const { repo, early } = await big()
    const paths = [early.path, 'd01/f0001.txt']
    const before = await treeState(repo)
    await runUntilKilled(
      'restoreFiles',
      {
        dir: repo.dir,
        revision: 'HEAD~1',
        paths: [
          ...Array.from({ length: 1_000 }, (_, i) => i)
            .filter((i) => i % 20 !== 0 && i !== 30 && i !== 1)
            .map((i) => `d${String(i % 30).padStart(2, '0')}/f${String(i).padStart(4, '0')}.txt`),
          ...paths,
        ],
      },
      { at: 'file', path: join(repo.dir, early.path), content: early.inA },
    )
    const next = (
      await restoreFiles({ dir: repo.dir, revision: 'HEAD~1', paths: ['d02/f0002.txt'] })
    )._unsafeUnwrap()
    ;(await next.undo())._unsafeUnwrap()
    const { libraryFiles: _files, ...state } = await treeState(repo)
    const { libraryFiles: _kept, ...stateBefore } = before
    expect(state).toEqual(stateBefore)
  }, 180_000)
})
