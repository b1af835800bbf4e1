import { asArray, childObject, isObject } from './types.js'

function setDefault(target: Record<string, unknown>, key: string, value: unknown): void {
  if (target[key] === undefined || target[key] === null) target[key] = value
}

function imageTag(image: string): string | undefined {
  const lastSlash = image.lastIndexOf('/')
  const tail = image.slice(lastSlash + 1)
  if (tail.includes('@')) return 'digest'
  const colon = tail.lastIndexOf(':')
  return colon < 0 ? undefined : tail.slice(colon + 1)
}

function defaultContainer(container: unknown): void {
  if (!isObject(container)) return
  const image = typeof container['image'] === 'string' ? container['image'] : ''
  const tag = imageTag(image)
  setDefault(
    container,
    'imagePullPolicy',
    tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent',
  )
  setDefault(container, 'resources', {})
  setDefault(container, 'terminationMessagePath', '/dev/termination-log')
  setDefault(container, 'terminationMessagePolicy', 'File')
  for (const port of asArray(container['ports']))
    if (isObject(port)) setDefault(port, 'protocol', 'TCP')
}

/** The API server's defaults for a PodSpec (the fields kubectl shows after a round trip). */
export function defaultPodSpec(spec: Record<string, unknown>): void {
  for (const c of asArray(spec['containers'])) defaultContainer(c)
  for (const c of asArray(spec['initContainers'])) defaultContainer(c)
  setDefault(spec, 'restartPolicy', 'Always')
  setDefault(spec, 'terminationGracePeriodSeconds', 30)
  setDefault(spec, 'dnsPolicy', 'ClusterFirst')
  setDefault(spec, 'securityContext', {})
  setDefault(spec, 'schedulerName', 'default-scheduler')
}

/**
 * Defaults for a pod template, and the shape Go gives it after a decode/encode round trip
 * (`metadata.creationTimestamp: null`), so that kubectl's byte comparisons hold.
 */
export function defaultPodTemplate(template: Record<string, unknown>): void {
  const metadata = childObject(template, 'metadata')
  metadata['creationTimestamp'] = null
  defaultPodSpec(childObject(template, 'spec'))
}

function defaultRollingUpdate(
  strategy: Record<string, unknown>,
  fields: Record<string, unknown>,
): void {
  setDefault(strategy, 'type', 'RollingUpdate')
  if (strategy['type'] === 'RollingUpdate') {
    const rolling = childObject(strategy, 'rollingUpdate')
    for (const [k, v] of Object.entries(fields)) setDefault(rolling, k, v)
  }
}

/** Apply the API server's defaults for `kind` to `object` in place. */
export function applyDefaults(kind: string, object: Record<string, unknown>): void {
  const spec = isObject(object['spec']) ? object['spec'] : undefined
  switch (kind) {
    case 'Deployment': {
      if (!spec) return
      setDefault(spec, 'replicas', 1)
      defaultRollingUpdate(childObject(spec, 'strategy'), {
        maxUnavailable: '25%',
        maxSurge: '25%',
      })
      setDefault(spec, 'revisionHistoryLimit', 10)
      setDefault(spec, 'progressDeadlineSeconds', 600)
      defaultPodTemplate(childObject(spec, 'template'))
      return
    }
    case 'ReplicaSet': {
      if (!spec) return
      setDefault(spec, 'replicas', 1)
      defaultPodTemplate(childObject(spec, 'template'))
      return
    }
    case 'StatefulSet': {
      if (!spec) return
      setDefault(spec, 'replicas', 1)
      setDefault(spec, 'podManagementPolicy', 'OrderedReady')
      defaultRollingUpdate(childObject(spec, 'updateStrategy'), { partition: 0 })
      setDefault(spec, 'revisionHistoryLimit', 10)
      setDefault(spec, 'persistentVolumeClaimRetentionPolicy', {
        whenDeleted: 'Retain',
        whenScaled: 'Retain',
      })
      defaultPodTemplate(childObject(spec, 'template'))
      return
    }
    case 'DaemonSet': {
      if (!spec) return
      defaultRollingUpdate(childObject(spec, 'updateStrategy'), { maxUnavailable: 1, maxSurge: 0 })
      setDefault(spec, 'revisionHistoryLimit', 10)
      defaultPodTemplate(childObject(spec, 'template'))
      return
    }
    case 'Pod': {
      defaultPodSpec(childObject(object, 'spec'))
      setDefault(childObject(object, 'spec'), 'enableServiceLinks', true)
      return
    }
    case 'Namespace': {
      const nsSpec = childObject(object, 'spec')
      setDefault(nsSpec, 'finalizers', ['kubernetes'])
      setDefault(childObject(object, 'status'), 'phase', 'Active')
      const metadata = childObject(object, 'metadata')
      const labels = childObject(metadata, 'labels')
      if (typeof metadata['name'] === 'string')
        setDefault(labels, 'kubernetes.io/metadata.name', metadata['name'])
      return
    }
    case 'Secret': {
      setDefault(object, 'type', 'Opaque')
      // The API server folds write-only stringData into data (base64) and never returns it.
      const stringData = object['stringData']
      if (isObject(stringData)) {
        const data = childObject(object, 'data')
        for (const [k, v] of Object.entries(stringData))
          if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64')
      }
      delete object['stringData']
      return
    }
    default:
      return
  }
}
