import { badRequest } from './api-status.js'
import { isObject } from './types.js'

/** A parsed selector: `matches(labels or fields)` tells whether an object is selected. */
export type Selector = (values: Readonly<Record<string, string>>) => boolean

function splitTopLevel(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let current = ''
  for (const ch of text) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      parts.push(current)
      current = ''
    } else current += ch
  }
  parts.push(current)
  return parts.map((p) => p.trim()).filter((p) => p.length > 0)
}

function requirement(text: string): Selector {
  const setMatch = /^(\S+)\s+(in|notin)\s+\((.*)\)$/.exec(text)
  if (setMatch) {
    const [, key = '', op, list = ''] = setMatch
    const values = list.split(',').map((v) => v.trim())
    return op === 'in'
      ? (l) => l[key] !== undefined && values.includes(l[key])
      : (l) => l[key] === undefined || !values.includes(l[key])
  }
  const neq = /^([^!=\s]+)\s*!=\s*(.*)$/.exec(text)
  if (neq) {
    const [, key = '', value = ''] = neq
    return (l) => l[key] !== value
  }
  const eq = /^([^!=\s]+)\s*==?\s*(.*)$/.exec(text)
  if (eq) {
    const [, key = '', value = ''] = eq
    return (l) => l[key] === value
  }
  const not = /^!\s*(\S+)$/.exec(text)
  if (not) {
    const [, key = ''] = not
    return (l) => l[key] === undefined
  }
  if (/^\S+$/.test(text)) return (l) => l[text] !== undefined
  throw badRequest(`unable to parse requirement: ${text}`)
}

/** Parse a label or field selector (`app=web,tier!=db`, `env in (a,b)`, `!legacy`). */
export function parseSelector(text: string | null | undefined): Selector {
  if (text === null || text === undefined || text.trim() === '') return () => true
  const requirements = splitTopLevel(text).map((part) => requirement(part))
  return (values) => requirements.every((r) => r(values))
}

/** The fields a field selector can name: `metadata.name`, `metadata.namespace`, `status.phase`... */
export function fieldsOf(object: Record<string, unknown>): Record<string, string> {
  const fields: Record<string, string> = {}
  const walk = (value: unknown, prefix: string, depth: number): void => {
    if (depth > 3) return
    if (typeof value === 'string') fields[prefix] = value
    else if (typeof value === 'number' || typeof value === 'boolean') fields[prefix] = String(value)
    else if (isObject(value))
      for (const [k, v] of Object.entries(value))
        walk(v, prefix === '' ? k : `${prefix}.${k}`, depth + 1)
  }
  walk(object['metadata'], 'metadata', 1)
  walk(object['spec'], 'spec', 1)
  walk(object['status'], 'status', 1)
  // Events are selected by the object they are about (`kubectl describe`).
  walk(object['involvedObject'], 'involvedObject', 1)
  for (const key of ['reason', 'type', 'reportingComponent'])
    if (typeof object[key] === 'string') fields[key] = object[key]
  return fields
}

/** The label selector of a workload's `spec.selector` (matchLabels and matchExpressions). */
export function labelSelectorOf(selector: unknown): Selector {
  if (!isObject(selector)) return () => false
  const matchLabels = isObject(selector['matchLabels']) ? selector['matchLabels'] : {}
  const expressions = Array.isArray(selector['matchExpressions'])
    ? selector['matchExpressions']
    : []
  const checks: Selector[] = Object.entries(matchLabels).map(
    ([k, v]) =>
      (l) =>
        l[k] === v,
  )
  for (const e of expressions) {
    if (!isObject(e)) continue
    const key = String(e['key'])
    const values = Array.isArray(e['values']) ? e['values'].map(String) : []
    switch (e['operator']) {
      case 'In':
        checks.push((l) => l[key] !== undefined && values.includes(l[key]))
        break
      case 'NotIn':
        checks.push((l) => l[key] === undefined || !values.includes(l[key]))
        break
      case 'Exists':
        checks.push((l) => l[key] !== undefined)
        break
      case 'DoesNotExist':
        checks.push((l) => l[key] === undefined)
        break
    }
  }
  if (checks.length === 0) return () => false
  return (l) => checks.every((c) => c(l))
}

/** `spec.selector` written as a selector string: `app=web,tier in (a,b)`. */
export function selectorString(selector: unknown): string {
  if (!isObject(selector)) return ''
  const parts: string[] = []
  const matchLabels = isObject(selector['matchLabels']) ? selector['matchLabels'] : {}
  for (const [k, v] of Object.entries(matchLabels)) parts.push(`${k}=${String(v)}`)
  const expressions = Array.isArray(selector['matchExpressions'])
    ? selector['matchExpressions']
    : []
  for (const e of expressions) {
    if (!isObject(e)) continue
    const key = String(e['key'])
    const values = Array.isArray(e['values']) ? e['values'].map(String).sort().join(',') : ''
    if (e['operator'] === 'In') parts.push(`${key} in (${values})`)
    if (e['operator'] === 'NotIn') parts.push(`${key} notin (${values})`)
    if (e['operator'] === 'Exists') parts.push(key)
    if (e['operator'] === 'DoesNotExist') parts.push(`!${key}`)
  }
  return parts.sort().join(',')
}
