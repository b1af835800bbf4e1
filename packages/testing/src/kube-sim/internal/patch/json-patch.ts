import { badRequest } from '../api-status.js'
import { clone, isObject } from '../types.js'

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~')
}

function tokens(path: unknown): string[] {
  if (typeof path !== 'string') throw badRequest('json patch: missing path')
  if (path === '') return []
  if (!path.startsWith('/')) throw badRequest(`json patch: invalid path ${path}`)
  return path.slice(1).split('/').map(unescape)
}

function parentOf(doc: unknown, path: string[]): { parent: unknown; key: string } {
  let current = doc
  for (const token of path.slice(0, -1)) {
    if (Array.isArray(current)) current = current[Number(token)]
    else if (isObject(current)) current = current[token]
    else current = undefined
    if (current === undefined) throw badRequest(`doc is missing path: /${path.join('/')}`)
  }
  return { parent: current, key: path[path.length - 1] ?? '' }
}

function get(doc: unknown, path: string[]): unknown {
  let current = doc
  for (const token of path) {
    if (Array.isArray(current)) current = current[Number(token)]
    else if (isObject(current)) current = current[token]
    else return undefined
  }
  return current
}

function add(doc: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return clone(value)
  const { parent, key } = parentOf(doc, path)
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key)
    if (!Number.isInteger(index) || index < 0 || index > parent.length)
      throw badRequest(`json patch: index out of range: /${path.join('/')}`)
    parent.splice(index, 0, clone(value))
  } else if (isObject(parent)) parent[key] = clone(value)
  else throw badRequest(`doc is missing path: /${path.join('/')}`)
  return doc
}

function remove(doc: unknown, path: string[]): unknown {
  const { parent, key } = parentOf(doc, path)
  if (Array.isArray(parent)) {
    const index = Number(key)
    if (!(index >= 0 && index < parent.length))
      throw badRequest(`json patch: index out of range: /${path.join('/')}`)
    parent.splice(index, 1)
  } else if (isObject(parent) && key in parent) delete parent[key]
  else throw badRequest(`Unable to remove nonexistent key: ${key}: missing value`)
  return doc
}

/** Apply an RFC 6902 JSON patch to a copy of `document`. */
export function applyJsonPatch(document: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw badRequest('json patch: the body must be an array of operations')
  let doc = clone(document)
  for (const op of patch) {
    if (!isObject(op)) throw badRequest('json patch: every operation must be an object')
    const path = tokens(op['path'])
    switch (op['op']) {
      case 'add':
        doc = add(doc, path, op['value'])
        break
      case 'remove':
        doc = remove(doc, path)
        break
      case 'replace':
        if (path.length > 0 && get(doc, path) === undefined)
          throw badRequest(
            `the server rejected our request due to an error in our request (replace operation does not apply: doc is missing key: /${path.join('/')}: missing value)`,
          )
        doc = path.length === 0 ? clone(op['value']) : add(remove(doc, path), path, op['value'])
        break
      case 'move': {
        const from = tokens(op['from'])
        const value = get(doc, from)
        doc = add(remove(doc, from), path, value)
        break
      }
      case 'copy':
        doc = add(doc, path, get(doc, tokens(op['from'])))
        break
      case 'test':
        if (JSON.stringify(get(doc, path)) !== JSON.stringify(op['value']))
          throw badRequest(`json patch: test operation failed at /${path.join('/')}`)
        break
      default:
        throw badRequest(`json patch: unknown operation ${String(op['op'])}`)
    }
  }
  return doc
}
