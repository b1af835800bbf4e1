import { describe, expect, test } from 'vitest'
import { fromFieldsV1, toFieldsV1 } from '../src/kube-sim/internal/fields/field-paths.js'
import { conform, DecodeError } from '../src/kube-sim/internal/schema/conform.js'
import { canonicalQuantity } from '../src/kube-sim/internal/schema/quantity.js'
import { mustMessage } from '../src/kube-sim/internal/schema/schema.js'

describe('quantities', () => {
  test.each([
    ['1000m', '1'],
    ['1500m', '1500m'],
    ['0.5', '500m'],
    ['1.5', '1500m'],
    ['100m', '100m'],
    ['2000', '2k'],
    ['1024Ki', '1Mi'],
    ['1Gi', '1Gi'],
    ['1.5Gi', '1536Mi'],
    ['0.5Gi', '512Mi'],
    ['512', '512'],
    ['0.5Ki', '512'],
    ['1G', '1G'],
    ['1000M', '1G'],
    ['1e3', '1e3'],
    ['1000e0', '1e3'],
    ['-1000m', '-1'],
    ['0', '0'],
    ['0.0001m', '100n'],
    ['0.0000000001', '1n'],
    ['+1', '1'],
  ])('%s is stored as %s', (input, canonical) => {
    expect(canonicalQuantity(input)).toBe(canonical)
  })

  test.each(['', 'abc', '1 Gi', '1Xi', '1.2.3', 'Gi'])('%j is not a quantity', (input) => {
    expect(canonicalQuantity(input)).toBeUndefined()
  })
})

describe('decoding against the schema', () => {
  const deployment = mustMessage('apps.Deployment')

  test('drops unknown fields (naming them), zero values of omitempty fields, empty lists', () => {
    const { object, unknownFields } = conform(deployment, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: {}, finalizers: [] },
      spec: {
        replicas: 0,
        paused: false,
        minReadySeconds: 0,
        replica: 3,
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                image: 'x',
                workingDir: '',
                resources: { limits: { cpu: '1000m', memory: 1 } },
              },
            ],
            bogus: true,
          },
        },
      },
    })
    expect(unknownFields).toEqual(['spec.replica', 'spec.template.spec.bogus'])
    expect(object).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 0,
        template: {
          spec: {
            containers: [
              { name: 'app', image: 'x', resources: { limits: { cpu: '1', memory: '1' } } },
            ],
          },
        },
      },
    })
  })

  test('a value of the wrong type is a decode error naming the Go field', () => {
    expect(() => conform(deployment, { spec: { replicas: '2' } })).toThrow(
      new DecodeError(
        'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
      ),
    )
    expect(() => conform(deployment, { spec: { replicas: 1.5 } })).toThrow(
      /number 1.5 into Go struct field/,
    )
    expect(() =>
      conform(deployment, {
        spec: { template: { spec: { containers: [{ resources: { limits: { cpu: 'lots' } } }] } } },
      }),
    ).toThrow(/quantities must match the regular expression/)
  })

  test('FieldsV1 round-trips, with "." on members that have children', () => {
    const fields = {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {} } } },
    }
    const set = fromFieldsV1(fields)
    expect([...set].sort()).toEqual([
      'f:metadata\nf:labels',
      'f:metadata\nf:labels\nf:app',
      'f:spec\nf:containers\nk:{"name":"app"}',
      'f:spec\nf:containers\nk:{"name":"app"}\nf:image',
    ])
    expect(toFieldsV1(set)).toEqual(fields)
  })
})
