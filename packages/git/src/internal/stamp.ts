/** A sortable, file-name-safe and unique-enough name for a backup: `2026-11-25T16-30-00-000Z-a1b2c3`. */
export function stamp(): string {
  const time = new Date().toISOString().replace(/[:.]/g, '-')
  return `${time}-${Math.random().toString(16).slice(2, 8)}`
}
