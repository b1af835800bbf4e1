import { REDACTED } from '@rollback-kit/core'

// Credentials a caller sends with a request: they must never show in results or reports,
// even when the server echoes them back, whether or not the caller listed them in `secrets`.

/** Query parameters that carry credentials: core's list plus signatures (`sig=`, `X-Amz-Signature`). */
const SECRET_PARAMETER =
  /pass|secret|token|key|auth|credential|session|(^|[^a-z])sig(nature)?([^a-z]|$)/i

/** Request headers whose values are credentials. */
const SECRET_HEADER =
  /^(authorization|proxy-authorization|cookie)$|api[-_]?key|token|secret|passw|auth|session|credential|signature/i

/**
 * A URL fit to show: password and credential-like query values replaced by `***`. Text that
 * does not parse as a URL (which is when it reaches an error message) has everything between
 * `//` and its last `@` masked, and every query value of a credential-like name.
 */
export function redactUrlText(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return redactUnparsed(text)
  }
  if (url.password !== '') url.password = REDACTED
  const params = url.searchParams
  const keys = [...new Set(params.keys())].filter((key) => SECRET_PARAMETER.test(key))
  for (const key of keys) params.set(key, REDACTED)
  return url.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED)
}

/** A `Location` as sent (relative or absolute), with its credentials redacted. */
export function redactLocation(location: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(location)) return redactUrlText(location)
  try {
    const url = new URL(location, 'http://relative.invalid')
    const absolute = redactUrlText(url.toString())
    return absolute.slice('http://relative.invalid'.length)
  } catch {
    return redactUnparsed(location)
  }
}

function redactUnparsed(text: string): string {
  const at = text.lastIndexOf('@')
  const start = text.indexOf('//')
  let out = text
  if (at >= 0)
    out = `${start >= 0 && start < at ? text.slice(0, start + 2) : ''}${REDACTED}${text.slice(at)}`
  return out.replace(/([?&#;][^=&#;]*=)([^&#;]*)/g, (whole, name: string) =>
    SECRET_PARAMETER.test(name.slice(1, -1)) ? `${name}${REDACTED}` : whole,
  )
}

/**
 * Every value of a request that must never show: the URL's password, credential-like query
 * values, and the values of credential headers (`authorization`, `cookie`, `x-api-key`,
 * anything named like a token, key, secret, session or signature), with their parts: the
 * token after `Bearer`, the password of `Basic`, each cookie's value.
 */
export function requestSecrets(
  url: string,
  headers: Readonly<Record<string, string>> | undefined,
): string[] {
  const secrets: string[] = []
  const both = (value: string): void => {
    secrets.push(value)
    try {
      const decoded = decodeURIComponent(value)
      if (decoded !== value) secrets.push(decoded)
    } catch {
      // Not percent-encoded: the value itself is enough.
    }
  }
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') both(parsed.password)
    for (const [key, value] of parsed.searchParams) {
      if (SECRET_PARAMETER.test(key) && value !== '') both(value)
    }
  } catch {
    // An unparseable URL is refused before anything is sent; its message is redacted apart.
  }
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!SECRET_HEADER.test(name) || value.length === 0) continue
    secrets.push(value, ...partsOf(name, value))
  }
  return secrets
}

function partsOf(name: string, value: string): string[] {
  if (/cookie/i.test(name)) {
    return value
      .split(';')
      .map((pair) => pair.slice(pair.indexOf('=') + 1).trim())
      .filter((part) => part.length > 0)
  }
  const scheme = /^\s*(\S+)\s+(\S.*)$/.exec(value)
  if (scheme?.[1] === undefined || scheme[2] === undefined) return []
  const credentials = scheme[2].trim()
  if (!/^basic$/i.test(scheme[1])) return [credentials]
  const decoded = Buffer.from(credentials, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon < 0 ? [credentials, decoded] : [credentials, decoded, decoded.slice(colon + 1)]
}
