import { describe, expect, it } from 'vitest'
import { selectControllerRevision, selectDeploymentRevision } from '../src/internal/revisions.js'

const candidates = (...revisions: number[]) =>
  revisions.map((revision) => ({ revision, source: `rs-${revision}` }))

describe('selectDeploymentRevision (kubectl deploymentRevision)', () => {
  it('takes the second-highest revision whatever the order', () => {
    const choice = selectDeploymentRevision(candidates(2, 5, 3), 0)
    expect(choice).toEqual({ found: true, target: { revision: 3, source: 'rs-3' } })
  })

  it('takes the exact revision when asked', () => {
    expect(selectDeploymentRevision(candidates(1, 2, 3), 1)).toMatchObject({
      found: true,
      target: { revision: 1 },
    })
  })

  it('reports no history with a single ReplicaSet and not-found for a missing revision', () => {
    expect(selectDeploymentRevision(candidates(1), 0)).toEqual({
      found: false,
      reason: 'no-history',
    })
    expect(selectDeploymentRevision(candidates(1, 2), 9)).toEqual({
      found: false,
      reason: 'not-found',
    })
  })
})

describe('selectControllerRevision (kubectl findHistory)', () => {
  it('sorts and takes the second-highest', () => {
    expect(selectControllerRevision(candidates(4, 1, 2), 0)).toMatchObject({
      found: true,
      target: { revision: 2 },
    })
  })

  it('has no last revision with one entry, and finds exact revisions', () => {
    expect(selectControllerRevision(candidates(1), 0)).toEqual({
      found: false,
      reason: 'no-history',
    })
    expect(selectControllerRevision(candidates(1, 2), 1)).toMatchObject({ target: { revision: 1 } })
    expect(selectControllerRevision(candidates(1, 2), 3)).toEqual({
      found: false,
      reason: 'not-found',
    })
  })
})
