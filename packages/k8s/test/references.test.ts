import { describe, expect, it } from 'vitest'
import { referencedConfig } from '../src/internal/references.js'

describe('referencedConfig', () => {
  it('finds ConfigMaps and Secrets in volumes, projections, env, envFrom and pull secrets', () => {
    const template = {
      spec: {
        imagePullSecrets: [{ name: 'registry' }],
        volumes: [
          { configMap: { name: 'files' } },
          { secret: { secretName: 'tls' } },
          {
            projected: {
              sources: [{ configMap: { name: 'proj-cm' } }, { secret: { name: 'proj-s' } }],
            },
          },
          { emptyDir: {} },
        ],
        initContainers: [{ envFrom: [{ configMapRef: { name: 'init-env' } }] }],
        containers: [
          {
            env: [
              { name: 'A', value: 'x' },
              { name: 'B', valueFrom: { configMapKeyRef: { name: 'files', key: 'b' } } },
              { name: 'C', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
            ],
            envFrom: [{ secretRef: { name: 'api' } }],
          },
        ],
      },
    }
    expect(referencedConfig(template)).toEqual({
      configMaps: ['files', 'init-env', 'proj-cm'],
      secrets: ['api', 'db', 'proj-s', 'registry', 'tls'],
    })
  })

  it('finds the Secrets of CSI volumes and of the storage plugins that take a secretRef', () => {
    const template = {
      spec: {
        volumes: [
          { csi: { driver: 'secrets-store.csi.k8s.io', nodePublishSecretRef: { name: 'csi' } } },
          { cephfs: { monitors: ['m'], secretRef: { name: 'ceph' } } },
          { cinder: { volumeID: 'v', secretRef: { name: 'cinder' } } },
          { flexVolume: { driver: 'd', secretRef: { name: 'flex' } } },
          { iscsi: { targetPortal: 't', iqn: 'i', lun: 0, secretRef: { name: 'iscsi' } } },
          { rbd: { monitors: ['m'], image: 'i', secretRef: { name: 'rbd' } } },
          { scaleIO: { gateway: 'g', system: 's', secretRef: { name: 'scaleio' } } },
          { storageos: { volumeName: 'v', secretRef: { name: 'storageos' } } },
          { azureFile: { secretName: 'azure', shareName: 's' } },
        ],
        containers: [{}],
      },
    }
    expect(referencedConfig(template).secrets).toEqual([
      'azure',
      'ceph',
      'cinder',
      'csi',
      'flex',
      'iscsi',
      'rbd',
      'scaleio',
      'storageos',
    ])
  })

  it('is empty for a template without references', () => {
    expect(referencedConfig({ spec: { containers: [{}] } })).toEqual({
      configMaps: [],
      secrets: [],
    })
  })
})
