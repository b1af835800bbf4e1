import type { Logger } from '@rollback-kit/core'

/** A logger that keeps every line as text, to assert on what was logged. */
export function recordingLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = []
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, message?: string): void => {
      lines.push(`${level} ${message ?? ''} ${JSON.stringify(fields)}`)
    }
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}
