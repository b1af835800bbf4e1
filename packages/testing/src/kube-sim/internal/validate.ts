import { forbidden, invalid } from './api-status.js'
import { goJson } from './go-json.js'
import type { ResourceType } from './resources.js'
import { labelSelectorOf } from './selectors.js'
import { asArray, asObject, asStringMap, isObject, jsonEqual, textOf } from './types.js'

const dnsSubdomain = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/

/** The API server's validation, reduced to what rollback programs can trip over. */
export function validate(type: ResourceType, object: Record<string, unknown>): void {
  const metadata = asObject(object['metadata'])
  const name = typeof metadata['name'] === 'string' ? metadata['name'] : ''
  if (name === '')
    throw invalid({
      type,
      name,
      field: 'metadata.name',
      why: 'Required value: name or generateName is required',
    })
  if (name.length > 253 || !dnsSubdomain.test(name))
    throw invalid({
      type,
      name,
      field: 'metadata.name',
      why: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    })
  const spec = asObject(object['spec'])
  const template = asObject(spec['template'])
  if (['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'].includes(type.kind)) {
    if (!isObject(spec['selector']))
      throw invalid({ type, name, field: 'spec.selector', why: 'Required value' })
    const labels = asStringMap(asObject(template['metadata'])['labels'])
    if (!labelSelectorOf(spec['selector'])(labels))
      throw invalid({
        type,
        name,
        field: 'spec.template.metadata.labels',
        why: `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\``,
      })
    const replicas = spec['replicas']
    if (typeof replicas === 'number' && (replicas < 0 || !Number.isInteger(replicas)))
      throw invalid({
        type,
        name,
        field: 'spec.replicas',
        why: `Invalid value: ${replicas}: must be greater than or equal to 0`,
      })
    validatePodSpec({ type, name, spec: asObject(template['spec']), field: 'spec.template.spec' })
  }
  if (type.kind === 'Pod')
    validatePodSpec({ type, name, spec: asObject(object['spec']), field: 'spec' })
}

function validatePodSpec(options: {
  type: ResourceType
  name: string
  spec: Record<string, unknown>
  field: string
}): void {
  const { type, name, spec, field } = options
  const containers = asArray(spec['containers'])
  if (containers.length === 0)
    throw invalid({ type, name, field: `${field}.containers`, why: 'Required value' })
  containers.forEach((c, i) => {
    const container = asObject(c)
    if (typeof container['name'] !== 'string' || container['name'] === '')
      throw invalid({ type, name, field: `${field}.containers[${i}].name`, why: 'Required value' })
    if (typeof container['image'] !== 'string' || container['image'] === '')
      throw invalid({ type, name, field: `${field}.containers[${i}].image`, why: 'Required value' })
  })
}

/** A Go string literal (`%q`). */
function goQuote(text: string): string {
  return JSON.stringify(text)
}

/** A label selector as Go's `%#v` prints it in "field is immutable" errors. */
export function goLabelSelector(selector: unknown): string {
  const s = asObject(selector)
  const labels = asStringMap(s['matchLabels'])
  const keys = Object.keys(labels).sort()
  const matchLabels = isObject(s['matchLabels'])
    ? `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(labels[k] ?? '')}`).join(', ')}}`
    : 'map[string]string(nil)'
  const expressions = asArray(s['matchExpressions']).map((e) => {
    const r = asObject(e)
    const values = Array.isArray(r['values'])
      ? `[]string{${r['values'].map((v) => goQuote(String(v))).join(', ')}}`
      : '[]string(nil)'
    return `v1.LabelSelectorRequirement{Key:${goQuote(textOf(r['key'] ?? ''))}, Operator:${goQuote(textOf(r['operator'] ?? ''))}, Values:${values}}`
  })
  const matchExpressions = Array.isArray(s['matchExpressions'])
    ? `[]v1.LabelSelectorRequirement{${expressions.join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)'
  return `v1.LabelSelector{MatchLabels:${matchLabels}, MatchExpressions:${matchExpressions}}`
}

/** The spec fields of a StatefulSet an update may change. */
const mutableStatefulSetFields = new Set([
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'revisionHistoryLimit',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
])

/** The API server's update validation: fields that may not change once created. */
export function validateUpdate(
  type: ResourceType,
  previous: Record<string, unknown>,
  next: Record<string, unknown>,
): void {
  const name = textOf(asObject(next['metadata'])['name'] ?? '')
  const before = asObject(previous['spec'])
  const after = asObject(next['spec'])
  if (['Deployment', 'ReplicaSet', 'DaemonSet'].includes(type.kind)) {
    if (!jsonEqual(before['selector'], after['selector']))
      throw invalid({
        type,
        name,
        field: 'spec.selector',
        why: `Invalid value: ${goLabelSelector(after['selector'])}: field is immutable`,
      })
  }
  if (type.kind === 'StatefulSet') {
    const frozen = (spec: Record<string, unknown>) =>
      goJson(
        Object.fromEntries(Object.entries(spec).filter(([k]) => !mutableStatefulSetFields.has(k))),
      )
    if (frozen(before) !== frozen(after))
      throw forbidden({
        type,
        name,
        field: 'spec',
        why: "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      })
  }
}
