/**
 * Split a stream of output into redacted lines. Redacting line by line cannot see a secret that
 * spans lines (a PEM key), so output that could be the start of such a secret is held back
 * until it either completes the secret (and is redacted whole) or cannot anymore.
 */
export function redactedLines(options: {
  readonly redact: (text: string) => string
  /** The secret forms that contain a line break. */
  readonly multiLine: readonly string[]
  readonly onLine: (line: string) => void
}): { push(chunk: string): void; end(): void } {
  const { redact, multiLine, onLine } = options
  let pending = ''
  const deliver = (text: string): void => {
    const lines = redact(text).split('\n')
    if (lines.at(-1) === '') lines.pop()
    for (const line of lines) onLine(line.replace(/\r$/, ''))
  }
  return {
    push(chunk) {
      pending += chunk
      const cut = safeCut(pending, multiLine)
      if (cut === 0) return
      deliver(pending.slice(0, cut))
      pending = pending.slice(cut)
    },
    end() {
      if (pending.length > 0) deliver(pending)
      pending = ''
    },
  }
}

/**
 * How much of `text` can be delivered: whole lines only, and none of a multi-line secret that
 * is incomplete or runs into the unfinished last line.
 */
function safeCut(text: string, multiLine: readonly string[]): number {
  let cut = text.lastIndexOf('\n') + 1
  // Holding back for one form can split a match of another: repeat until nothing moves.
  for (let previous = -1; cut > 0 && cut !== previous;) {
    previous = cut
    for (const form of multiLine) cut = Math.min(cut, cutBefore(text, form, cut))
  }
  return cut
}

/** The start of the line where `form` begins a match that does not end before `cut`. */
function cutBefore(text: string, form: string, cut: number): number {
  const first = form[0] ?? ''
  for (let start = text.indexOf(first); start >= 0 && start < cut;) {
    const rest = text.slice(start, start + form.length)
    const complete = rest === form
    // A complete match that ends before the cut is redacted whole; anything else is held.
    if (complete ? start + form.length > cut : form.startsWith(rest)) {
      return text.lastIndexOf('\n', start - 1) + 1
    }
    start = text.indexOf(first, start + 1)
  }
  return cut
}
