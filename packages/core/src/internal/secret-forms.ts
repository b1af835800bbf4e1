/**
 * Every form in which a secret can show up in text, so redaction does not depend on how a
 * program, an API or an encoder happened to write it.
 */

/** Secrets shorter than this are not redacted: hiding `"a"` would shred every message. */
export const MIN_SECRET_LENGTH = 4

/**
 * Base64 fragments shorter than this are not used: a short run of base64 characters turns up
 * by chance in any large encoded blob (a ConfigMap's binaryData), and would shred it.
 */
const MIN_ENCODED_LENGTH = 8

/** The forms to replace, longest first (so a secret containing another is hidden whole). */
export interface SecretForms {
  readonly all: readonly string[]
  /** The forms that span lines: a line-by-line reader must hold output back to see them whole. */
  readonly multiLine: readonly string[]
}

/** Collect the forms of every secret long enough to redact. */
export function secretForms(secrets: Iterable<string>): SecretForms {
  const forms = new Set<string>()
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue
    for (const form of formsOf(secret)) forms.add(form)
  }
  const all = [...forms].sort((a, b) => b.length - a.length)
  return { all, multiLine: all.filter((form) => form.includes('\n')) }
}

function formsOf(secret: string): string[] {
  const forms = [secret, encodeURIComponent(secret), ...base64Forms(secret)]
  if (/[\r\n]/.test(secret)) {
    // A multi-line secret (a PEM key) may come back with other line endings, or in part: each
    // of its lines is a secret on its own.
    const lf = secret.replaceAll('\r\n', '\n')
    forms.push(lf, lf.replaceAll('\n', '\r\n'))
    for (const line of lf.split('\n')) {
      const trimmed = line.trim()
      if (trimmed.length >= MIN_SECRET_LENGTH) forms.push(trimmed)
    }
  }
  return forms.filter((form) => form.length >= MIN_SECRET_LENGTH)
}

/**
 * Base64 and base64url forms: the whole value (padded and not), and the part that is the same
 * wherever the secret sits inside a longer encoded value (at each of the three byte offsets).
 */
function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8')
  const out: string[] = []
  const whole = bytes.toString('base64')
  out.push(whole, whole.replace(/=+$/, ''))
  for (let offset = 0; offset < 3; offset += 1) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString('base64')
      .replace(/=+$/, '')
    // Characters that mix in bits of the bytes before or after the secret depend on them.
    const head = Math.ceil((offset * 8) / 6)
    const tail = (offset + bytes.length) % 3 === 0 ? 0 : 1
    const stable = encoded.slice(head, encoded.length - tail)
    if (stable.length >= MIN_ENCODED_LENGTH) out.push(stable)
  }
  return out.flatMap((form) => [form, form.replaceAll('+', '-').replaceAll('/', '_')])
}

/** Replace every form, longest first. */
export function replaceForms(text: string, forms: readonly string[], by: string): string {
  let out = text
  for (const form of forms) if (out.includes(form)) out = out.replaceAll(form, by)
  return out
}
