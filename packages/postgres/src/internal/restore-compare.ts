import type { ManifestTable } from '../manifest.js'

/** One table that differs between what a snapshot recorded and what a database holds. */
export interface TableDifference {
  readonly schema: string
  readonly name: string
  readonly problem: 'missing' | 'unexpected' | 'rows' | 'fingerprint'
  readonly expected?: string
  readonly actual?: string
}

/** Per-table differences; empty when the database matches. */
export function compareTables(
  expected: readonly ManifestTable[],
  actual: readonly ManifestTable[],
): TableDifference[] {
  const key = (t: ManifestTable): string => JSON.stringify([t.schema, t.name])
  const found = new Map(actual.map((t) => [key(t), t]))
  const out: TableDifference[] = []
  for (const want of expected) {
    const got = found.get(key(want))
    found.delete(key(want))
    if (got === undefined) {
      out.push({ schema: want.schema, name: want.name, problem: 'missing' })
    } else if (got.rows !== want.rows) {
      out.push({
        schema: want.schema,
        name: want.name,
        problem: 'rows',
        expected: String(want.rows),
        actual: String(got.rows),
      })
    } else if (got.fingerprint !== want.fingerprint) {
      out.push({
        schema: want.schema,
        name: want.name,
        problem: 'fingerprint',
        expected: want.fingerprint,
        actual: got.fingerprint,
      })
    }
  }
  for (const extra of found.values()) {
    out.push({ schema: extra.schema, name: extra.name, problem: 'unexpected' })
  }
  return out
}

/** `public.orders: rows 10 != 12; ...` (first few). */
export function describeDifferences(differences: readonly TableDifference[]): string {
  const shown = differences.slice(0, 5).map((d) => {
    const name = `${d.schema}.${d.name}`
    switch (d.problem) {
      case 'missing':
        return `${name} is missing`
      case 'unexpected':
        return `${name} is not in the snapshot`
      case 'rows':
        return `${name} has ${d.actual ?? '?'} rows, expected ${d.expected ?? '?'}`
      case 'fingerprint':
        return `${name} content differs (fingerprint)`
    }
  })
  const more = differences.length > 5 ? `; and ${differences.length - 5} more` : ''
  return `${shown.join('; ')}${more}`
}
