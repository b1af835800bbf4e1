/**
 * The benchmark table: rows grouped by area, each a measured case, and ratios computed pair
 * by pair (ours against the baseline it is compared with). Rendered as Markdown and JSON.
 */
import type { Measurement } from './measure.js'

/** One measured row. */
export interface BenchRow {
  readonly area: string
  readonly name: string
  readonly measurement: Measurement
  /** Extra figures worth printing next to the time (e.g. bytes, API calls). */
  readonly detail?: string
}

/** A pairwise comparison with the figure the issue sets (ratio = ours / baseline). */
export interface BenchComparison {
  readonly ours: string
  readonly baseline: string
  readonly target: number
  readonly ratio: number
  readonly met: boolean
  /** Why a missed figure was missed, and what would close it. */
  readonly note?: string
}

/** Everything one `pnpm bench` run produced. */
export interface BenchReport {
  readonly startedAt: string
  readonly machine: string
  readonly settings: Record<string, string | number | boolean>
  readonly rows: readonly BenchRow[]
  readonly comparisons: readonly BenchComparison[]
  readonly skipped: readonly string[]
}

/** Compare two rows by median; `target` is the largest acceptable ratio. */
export function compare(
  rows: readonly BenchRow[],
  ours: string,
  baseline: string,
  target: number,
  note?: string,
): BenchComparison | undefined {
  const a = rows.find((row) => row.name === ours)
  const b = rows.find((row) => row.name === baseline)
  if (a === undefined || b === undefined) return undefined
  const ratio = a.measurement.medianMs / Math.max(b.measurement.medianMs, 0.001)
  const met = ratio <= target
  return { ours, baseline, target, ratio, met, ...(met || note === undefined ? {} : { note }) }
}

/** A table cell: pipes in case names (`pg_dump | gzip`) would end the cell. */
const cell = (text: string): string => text.replace(/\|/g, '\\|')

const ms = (value: number): string =>
  value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`

/** Render the report as a Markdown document. */
export function renderMarkdown(report: BenchReport): string {
  const lines = [
    '# rollback-kit benchmarks',
    '',
    `Run ${report.startedAt} on ${report.machine}.`,
    `Settings: ${Object.entries(report.settings)
      .map(([key, value]) => `${key}=${String(value)}`)
      .join(
        ', ',
      )}. Figures are medians of ${String(report.rows[0]?.measurement.runs.length ?? 0)}+ runs with min and max.`,
    '',
    '| area | case | median | min | max | detail |',
    '| --- | --- | ---: | ---: | ---: | --- |',
    ...report.rows.map(
      (row) =>
        `| ${row.area} | ${cell(row.name)} | ${ms(row.measurement.medianMs)} | ${ms(row.measurement.minMs)} | ${ms(row.measurement.maxMs)} | ${cell(row.detail ?? '')} |`,
    ),
    '',
    '## Ratios (ours / baseline, by median)',
    '',
    '| ours | baseline | ratio | target | met |',
    '| --- | --- | ---: | ---: | :---: |',
    ...report.comparisons.map(
      (c) =>
        `| ${cell(c.ours)} | ${cell(c.baseline)} | ${c.ratio.toFixed(2)}x | ≤ ${c.target}x | ${c.met ? 'yes' : 'no'} |`,
    ),
  ]
  const notes = report.comparisons.filter((c) => c.note !== undefined)
  if (notes.length > 0) {
    lines.push('', '## Notes on missed figures', '')
    for (const c of notes) lines.push(`- **${c.ours}**: ${c.note ?? ''}`)
  }
  if (report.skipped.length > 0) {
    lines.push('', '## Skipped', '')
    for (const line of report.skipped) lines.push(`- ${line}`)
  }
  return `${lines.join('\n')}\n`
}
