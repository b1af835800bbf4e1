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

  it('is empty for a template without references', () => {
    expect(referencedConfig({ spec: { containers: [{}] } })).toEqual({
      configMaps: [],
      secrets: [],
    })
  })
})
