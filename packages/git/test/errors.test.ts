import { describe, expect, test } from 'vitest'
import { isBlockError } from '@rollback-kit/core'
import {
  dirtyWorkingTree,
  mergeConflict,
  notARepository,
  notConfirmed,
  nothingToRevert,
  operationInProgressError,
  unknownRevision,
} from '@rollback-kit/git'

describe('git error factories', () => {
  test('build plain, JSON-safe errors with their context and the documented messages', () => {
    const errors = [
      notARepository({ dir: '/tmp' }),
      unknownRevision({ revision: 'v9.9.9' }),
      mergeConflict({ commit: 'a1b2c3d', conflictingFiles: ['app.ts'] }),
      dirtyWorkingTree({ changedFiles: ['app.ts'] }),
      notConfirmed({ operation: 'resetTo', option: 'confirm' }),
      nothingToRevert({ commit: 'a1b2c3d' }),
      operationInProgressError({ operation: 'merge' }),
      operationInProgressError({ operation: 'bisect' }),
    ]
    expect(errors.map((e) => e.message)).toEqual([
      '/tmp is not a Git working tree',
      'v9.9.9 does not name a commit',
      'reverting a1b2c3d conflicts in app.ts; nothing was changed',
      'the working tree has uncommitted changes: app.ts',
      'resetTo discards commits and changes: pass confirm: true to go ahead',
      'reverting a1b2c3d would change nothing: its changes are already undone',
      'a merge is in progress: finish it, or run git merge --abort, then try again',
      'a bisect is in progress: finish it, or run git bisect reset, then try again',
    ])
    for (const error of errors) {
      expect(isBlockError(error)).toBe(true)
      expect(error.retryable).toBe(false)
      expect(JSON.parse(JSON.stringify(error))).toEqual(error)
    }
    expect(errors[2]).toMatchObject({ kind: 'MergeConflict', conflictingFiles: ['app.ts'] })
  })

  test('a long list of changed files is shortened in the message but kept whole', () => {
    const changedFiles = Array.from({ length: 25 }, (_, i) => `file-${i}.txt`)
    const error = dirtyWorkingTree({ changedFiles })
    expect(error.message).toContain('and 15 more')
    expect(error.changedFiles).toHaveLength(25)
  })

  test('cause is kept when given and left out otherwise', () => {
    const cause = new Error('exit 128')
    expect(notARepository({ dir: '/x', cause }).cause).toBe(cause)
    expect('cause' in notARepository({ dir: '/x' })).toBe(false)
  })
})
