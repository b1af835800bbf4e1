import { replaceForms, secretForms } from './internal/secret-forms.js'

/**
 * The text put where a secret was.
 * @example
 * ```ts
 * import { makeRedactor, REDACTED } from '@rollback-kit/core'
 *
 * makeRedactor(['hunter22'])('pw=hunter22') === `pw=${REDACTED}` // true
 * ```
 * @category Secrets
 */
export const REDACTED = '***'

/**
 * A function that removes every given secret from a text.
 *
 * Each secret is looked for in every form it commonly takes: as is, URL-encoded (connection
 * strings carry passwords percent-encoded), base64 and base64url (Kubernetes Secret data, HTTP
 * basic auth), also inside a longer base64 value, and, for a multi-line secret such as a PEM
 * key, with either line ending and line by line. Longer forms are replaced first so a secret
 * containing another is fully hidden. Secrets shorter than 4 characters are ignored: redacting
 * `"a"` would shred every message while protecting nothing.
 *
 * @example
 * ```ts
 * import { makeRedactor } from '@rollback-kit/core'
 *
 * const redact = makeRedactor(['s3cr3t!'])
 * redact('password=s3cr3t! or s3cr3t%21 or czNjcjN0IQ==') // 'password=*** or *** or ***'
 * ```
 * @category Secrets
 */
export function makeRedactor(secrets: Iterable<string>): (text: string) => string {
  const forms = secretForms(secrets).all
  if (forms.length === 0) return (text) => text
  return (text) => replaceForms(text, forms, REDACTED)
}

/**
 * Hide the password of a connection URL (`postgres://user:pw@host/db` becomes
 * `postgres://user:***@host/db`). Text that is not a URL is returned unchanged.
 *
 * @example
 * ```ts
 * import { redactUrl } from '@rollback-kit/core'
 *
 * redactUrl('postgres://app:hunter2@db.internal:5432/shop') // 'postgres://app:***@db.internal:5432/shop'
 * ```
 * @category Secrets
 */
export function redactUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return text
  }
  if (url.password !== '') url.password = REDACTED
  for (const key of [...url.searchParams.keys()]) {
    if (/pass|secret|token|key/i.test(key)) url.searchParams.set(key, REDACTED)
  }
  return url.toString().replace(encodeURIComponent(REDACTED), REDACTED)
}

/**
 * Deeply copy a JSON-like value with every string (values and keys) passed through `redact`:
 * for evidence, journals and reports built from data that may hold secrets.
 *
 * @example
 * ```ts
 * import { makeRedactor, redactDeep } from '@rollback-kit/core'
 *
 * redactDeep({ env: ['PGPASSWORD=hunter22'] }, makeRedactor(['hunter22'])) // { env: ['PGPASSWORD=***'] }
 * ```
 * @category Secrets
 */
export function redactDeep<T>(value: T, redact: (text: string) => string): T {
  return walk(value, redact, new WeakSet()) as T
}

function walk(value: unknown, redact: (text: string) => string, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redact(value)
  if (typeof value !== 'object' || value === null) return value
  // `seen` holds the ancestors only: a value shared by two branches is copied twice, a value
  // containing itself is cut.
  if (seen.has(value)) return '[circular]'
  seen.add(value)
  try {
    if (Array.isArray(value)) return value.map((item) => walk(item, redact, seen))
    const errorLike = value as { name?: unknown; message?: unknown; stack?: unknown }
    const out: Record<string, unknown> = {}
    // Error's own fields are not enumerable; keep name and message so causes stay readable.
    if (typeof errorLike.message === 'string' && typeof errorLike.name === 'string') {
      out['name'] = errorLike.name
      out['message'] = redact(errorLike.message)
    }
    for (const [key, inner] of Object.entries(value)) out[redact(key)] = walk(inner, redact, seen)
    return out
  } finally {
    seen.delete(value)
  }
}
