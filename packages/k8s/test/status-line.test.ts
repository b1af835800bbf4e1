import { describe, expect, it } from 'vitest'
import {
  daemonSetStatus,
  deploymentStatus,
  statefulSetStatus,
} from '../src/internal/status-line.js'

const deployment = (status: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  metadata: {
    name: 'web',
    generation: 2,
    annotations: { 'deployment.kubernetes.io/revision': '4' },
  },
  spec: { replicas: 3 },
  status: { observedGeneration: 2, ...status },
  ...extra,
})

describe('deploymentStatus (kubectl DeploymentStatusViewer)', () => {
  it('waits for the spec update to be observed', () => {
    expect(deploymentStatus(deployment({ observedGeneration: 1 }))).toEqual({
      state: 'waiting',
      message: 'Waiting for deployment spec update to be observed...',
    })
  })

  it('reports each waiting stage with kubectl lines', () => {
    expect(deploymentStatus(deployment({ updatedReplicas: 1 })).message).toBe(
      'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
    )
    expect(deploymentStatus(deployment({ updatedReplicas: 3, replicas: 4 })).message).toBe(
      'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
    )
    expect(
      deploymentStatus(deployment({ updatedReplicas: 3, replicas: 3, availableReplicas: 2 }))
        .message,
    ).toBe(
      'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...',
    )
  })

  it('is done when everything is updated and available', () => {
    expect(
      deploymentStatus(deployment({ updatedReplicas: 3, replicas: 3, availableReplicas: 3 })),
    ).toEqual({ state: 'done', message: 'deployment "web" successfully rolled out' })
  })

  it('fails on ProgressDeadlineExceeded', () => {
    const stuck = deployment({
      updatedReplicas: 1,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
    })
    expect(deploymentStatus(stuck)).toEqual({
      state: 'deadline-exceeded',
      message: 'deployment "web" exceeded its progress deadline',
    })
  })

  it('checks the running revision when one is asked for', () => {
    expect(deploymentStatus(deployment({}), 2)).toMatchObject({
      state: 'revision-mismatch',
      message: 'desired revision (2) is different from the running revision (4)',
    })
  })
})

describe('statefulSetStatus', () => {
  const sts = (spec: Record<string, unknown>, status: Record<string, unknown>) => ({
    metadata: { name: 'db', generation: 1 },
    spec: { replicas: 3, ...spec },
    status: { observedGeneration: 1, ...status },
  })

  it('refuses OnDelete', () => {
    expect(statefulSetStatus(sts({ updateStrategy: { type: 'OnDelete' } }, {}))).toMatchObject({
      state: 'unsupported-strategy',
      strategy: 'OnDelete',
    })
  })

  it('waits for ready pods, then for the revisions to converge', () => {
    const strategy = { updateStrategy: { type: 'RollingUpdate' } }
    expect(statefulSetStatus(sts(strategy, { readyReplicas: 1 })).message).toBe(
      'Waiting for 2 pods to be ready...',
    )
    expect(
      statefulSetStatus(
        sts(strategy, {
          readyReplicas: 3,
          updatedReplicas: 1,
          currentRevision: 'a',
          updateRevision: 'b',
        }),
      ).message,
    ).toBe('waiting for statefulset rolling update to complete 1 pods at revision b...')
    expect(
      statefulSetStatus(
        sts(strategy, {
          readyReplicas: 3,
          currentReplicas: 3,
          currentRevision: 'b',
          updateRevision: 'b',
        }),
      ),
    ).toEqual({
      state: 'done',
      message: 'statefulset rolling update complete 3 pods at revision b...',
    })
  })

  it('follows the partition branch', () => {
    const partitioned = {
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } },
    }
    expect(
      statefulSetStatus(sts(partitioned, { readyReplicas: 3, updatedReplicas: 1 })).state,
    ).toBe('waiting')
    expect(statefulSetStatus(sts(partitioned, { readyReplicas: 3, updatedReplicas: 2 }))).toEqual({
      state: 'done',
      message: 'partitioned roll out complete: 2 new pods have been updated...',
    })
  })
})

describe('daemonSetStatus', () => {
  it('waits for updated then available pods', () => {
    const ds = (status: Record<string, unknown>) => ({
      metadata: { name: 'agent', generation: 1 },
      spec: { updateStrategy: { type: 'RollingUpdate' } },
      status: { observedGeneration: 1, desiredNumberScheduled: 2, ...status },
    })
    expect(daemonSetStatus(ds({ updatedNumberScheduled: 1 })).message).toBe(
      'Waiting for daemon set "agent" rollout to finish: 1 out of 2 new pods have been updated...',
    )
    expect(daemonSetStatus(ds({ updatedNumberScheduled: 2, numberAvailable: 1 })).message).toBe(
      'Waiting for daemon set "agent" rollout to finish: 1 of 2 updated pods are available...',
    )
    expect(daemonSetStatus(ds({ updatedNumberScheduled: 2, numberAvailable: 2 }))).toEqual({
      state: 'done',
      message: 'daemon set "agent" successfully rolled out',
    })
  })
})
