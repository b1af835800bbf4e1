import { describe, expect, it } from 'vitest'
import {
  changeCauseOf,
  equalIgnoreHash,
  imagesOf,
  revisionOf,
  rollbackAnnotations,
  semanticEqual,
  toPlainJson,
  withoutPodTemplateHash,
} from '../src/internal/template.js'

const template = (image: string, extra: Record<string, unknown> = {}) => ({
  metadata: { labels: { app: 'web', ...extra } },
  spec: { containers: [{ name: 'web', image }] },
})

describe('semanticEqual', () => {
  it('ignores nulls, empty objects and empty arrays, and key order', () => {
    const a = {
      metadata: { creationTimestamp: null, labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'a', resources: {}, env: [] }] },
    }
    const b = {
      spec: { containers: [{ image: 'a', name: 'web' }] },
      metadata: { labels: { app: 'web' } },
    }
    expect(semanticEqual(a, b)).toBe(true)
  })

  it('sees a different image, a false flag or a zero as a difference', () => {
    expect(semanticEqual(template('a'), template('b'))).toBe(false)
    expect(semanticEqual({ x: false }, {})).toBe(false)
    expect(semanticEqual({ x: 0 }, {})).toBe(false)
  })

  it('keeps array order significant', () => {
    expect(semanticEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false)
  })
})

describe('pod-template-hash', () => {
  it('is dropped from a copy and ignored by equalIgnoreHash', () => {
    const fromReplicaSet = template('a', { 'pod-template-hash': '5d8f7c' })
    const stripped = withoutPodTemplateHash(fromReplicaSet)
    expect(stripped.metadata.labels).toEqual({ app: 'web' })
    expect(fromReplicaSet.metadata.labels).toHaveProperty('pod-template-hash')
    expect(equalIgnoreHash(fromReplicaSet, template('a'))).toBe(true)
    expect(equalIgnoreHash(fromReplicaSet, template('b'))).toBe(false)
  })
})

describe('rollbackAnnotations (kubectl annotationsToSkip)', () => {
  it('keeps the Deployment revision annotations and copies the rest from the ReplicaSet', () => {
    const deployment = {
      'deployment.kubernetes.io/revision': '3',
      'kubectl.kubernetes.io/last-applied-configuration': '{}',
      'kubernetes.io/change-cause': 'v3',
      'only-on-deployment': 'x',
    }
    const replicaSet = {
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '2',
      'deployment.kubernetes.io/max-replicas': '3',
      'kubernetes.io/change-cause': 'v1',
      team: 'shop',
    }
    expect(rollbackAnnotations(deployment, replicaSet)).toEqual({
      'deployment.kubernetes.io/revision': '3',
      'kubectl.kubernetes.io/last-applied-configuration': '{}',
      'kubernetes.io/change-cause': 'v1',
      team: 'shop',
    })
  })

  it('gives an empty object when neither has annotations', () => {
    expect(rollbackAnnotations(undefined, undefined)).toEqual({})
  })
})

describe('small extractors', () => {
  it('changeCauseOf reads kubernetes.io/change-cause', () => {
    expect(changeCauseOf({ 'kubernetes.io/change-cause': 'kubectl set image' })).toBe(
      'kubectl set image',
    )
    expect(changeCauseOf({})).toBeUndefined()
    expect(changeCauseOf(undefined)).toBeUndefined()
  })

  it('imagesOf lists container images in order, without init containers', () => {
    expect(
      imagesOf({
        spec: {
          initContainers: [{ image: 'init:1' }],
          containers: [{ image: 'web:2' }, { image: 'sidecar:1' }],
        },
      }),
    ).toEqual(['web:2', 'sidecar:1'])
  })

  it('revisionOf: missing is 0, garbage is skipped', () => {
    expect(revisionOf({ 'deployment.kubernetes.io/revision': '7' })).toBe(7)
    expect(revisionOf({})).toBe(0)
    expect(revisionOf({ 'deployment.kubernetes.io/revision': 'seven' })).toBeUndefined()
  })

  it('toPlainJson writes Dates the way the API server does', () => {
    expect(toPlainJson({ at: new Date('2026-01-02T03:04:05Z') })).toEqual({
      at: '2026-01-02T03:04:05Z',
    })
  })
})
