/**
 * The benchmark table: rows grouped by area, each a measured case, and ratios computed pair
 * by pair (ours against the baseline it is compared with). Rendered as Markdown and JSON.
 */
import { summarise, type Measurement } from './measure.js'

/** One measured row. */
export interface BenchRow {
  readonly area: string
  readonly name: string
  readonly measurement: Measurement
  /** Extra figures worth printing next to the time (e.g. bytes, API calls). */
  readonly detail?: string
  /**
   * Rows measured in turns with each other (see `interleave`) share this id: run `i` of one
   * was taken right after run `i` of the other, so the two can be divided pair by pair.
   */
  readonly interleaved?: string
}

/**
 * `met` when every pair meets the target, `missed` when none does, `too wide to call` when the
 * pairs fall on both sides of it (the spread is wider than the margin).
 */
export type Verdict = 'met' | 'missed' | 'too wide to call'

/** A comparison with the figure the issue sets (ratio = ours / baseline). */
export interface BenchComparison {
  readonly ours: string
  readonly baseline: string
  readonly target: number
  /** The median of the per-pair ratios (interleaved rows), else the ratio of the medians. */
  readonly ratio: number
  /** Every pair's ratio, in run order; empty when the rows were not measured in turns. */
  readonly pairs: readonly number[]
  readonly verdict: Verdict
  readonly met: boolean
  /** The ratio an earlier run reported, for the before/after note. */
  readonly before?: string
  /** Why a missed figure was missed, and what would close it. */
  readonly note?: string
}

/** Figures of the growth table: one database size, the time of each case at it. */
export interface GrowthRow {
  readonly scale: number
  readonly sizeMb: number
  readonly ms: Readonly<Record<string, number>>
}

/** Everything one `pnpm bench` run produced. */
export interface BenchReport {
  readonly startedAt: string
  readonly machine: string
  /** How busy the machine was (a shared machine makes every figure noisier). */
  readonly load?: string
  readonly settings: Record<string, string | number | boolean>
  readonly rows: readonly BenchRow[]
  readonly comparisons: readonly BenchComparison[]
  readonly growth: readonly GrowthRow[]
  readonly skipped: readonly string[]
}

/**
 * Compare `ours` with `baseline` (or with the fastest of several baselines, round by round).
 * Interleaved rows are divided pair by pair; the verdict says when the pairs disagree.
 */
export function compare(
  rows: readonly BenchRow[],
  ours: string,
  baseline: string | readonly string[],
  target: number,
  extra: { readonly note?: string; readonly before?: string } = {},
): BenchComparison | undefined {
  const a = rows.find((row) => row.name === ours)
  const names = typeof baseline === 'string' ? [baseline] : baseline
  const bases = names.map((name) => rows.find((row) => row.name === name))
  if (a === undefined || bases.some((b) => b === undefined) || bases.length === 0) return undefined
  const found = bases.filter((b): b is BenchRow => b !== undefined)
  const paired =
    a.interleaved !== undefined &&
    found.every(
      (b) =>
        b.interleaved === a.interleaved && b.measurement.runs.length === a.measurement.runs.length,
    )
  const pairs = paired
    ? a.measurement.runs.map(
        (run, i) =>
          run / Math.max(Math.min(...found.map((b) => b.measurement.runs[i] ?? Infinity)), 0.001),
      )
    : []
  const ratio =
    pairs.length > 0
      ? summarise(pairs).medianMs
      : a.measurement.medianMs /
        Math.max(Math.min(...found.map((b) => b.measurement.medianMs)), 0.001)
  const judged = pairs.length > 0 ? pairs : [ratio]
  const verdict: Verdict = judged.every((r) => r <= target)
    ? 'met'
    : judged.every((r) => r > target)
      ? 'missed'
      : 'too wide to call'
  const met = verdict === 'met'
  return {
    ours,
    baseline: names.length === 1 ? (names[0] ?? '') : `fastest of ${names.join(', ')}`,
    target,
    ratio,
    pairs,
    verdict,
    met,
    ...(extra.before === undefined ? {} : { before: extra.before }),
    ...(met || extra.note === undefined ? {} : { note: extra.note }),
  }
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
    `Run ${report.startedAt} on ${report.machine}${report.load === undefined ? '' : `; ${report.load}`}.`,
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
    '## Ratios (ours / baseline)',
    '',
    'Rows compared here were measured in turns (ours, baseline, ours, baseline, ...), so drift on',
    'the machine hits both sides; each pair gives a ratio. The verdict is "met" when every pair',
    'meets the target, "missed" when none does, and "too wide to call" when the pairs fall on both',
    'sides of it. A comparison marked "not interleaved" divides the medians of rows measured apart.',
    '',
    '| ours | baseline | pairs | median | spread | target | verdict | before |',
    '| --- | --- | --- | ---: | ---: | ---: | :---: | ---: |',
    ...report.comparisons.map((c) => {
      const spread =
        c.pairs.length > 0
          ? `${Math.min(...c.pairs).toFixed(2)}-${Math.max(...c.pairs).toFixed(2)}x`
          : 'not interleaved'
      const pairs = c.pairs.map((p) => `${p.toFixed(2)}x`).join(', ')
      const reference = !Number.isFinite(c.target)
      return `| ${cell(c.ours)} | ${cell(c.baseline)} | ${pairs} | ${c.ratio.toFixed(2)}x | ${spread} | ${reference ? 'none' : `≤ ${c.target}x`} | ${reference ? 'for reference' : c.verdict} | ${c.before ?? ''} |`
    }),
    ...growthTable(report.growth),
  ]
  const notes = report.comparisons.filter((c) => c.note !== undefined)
  if (notes.length > 0) {
    lines.push('', '## Notes on figures not met', '')
    for (const c of notes) lines.push(`- **${c.ours}**: ${c.note ?? ''}`)
  }
  if (report.skipped.length > 0) {
    lines.push('', '## Skipped', '')
    for (const line of report.skipped) lines.push(`- ${line}`)
  }
  return `${lines.join('\n')}\n`
}

/**
 * The growth table: each case's time at each scale, and its cost per GB relative to the
 * smallest scale (1.00 = grows linearly with the database's size).
 */
function growthTable(growth: readonly GrowthRow[]): string[] {
  const first = growth[0]
  if (first === undefined) return []
  const cases = Object.keys(first.ms)
  const perGb = (row: GrowthRow, name: string): number =>
    (row.ms[name] ?? 0) / Math.max(row.sizeMb / 1024, 0.001)
  const lines = [
    '',
    '## Growth with size',
    '',
    'One run per case per scale, on one fresh pgbench database each. In brackets: the cost per GB',
    'relative to the smallest scale (1.00 = linear in size; above 1.3 or below 0.7 is called out',
    'below).',
    '',
    `| scale | size | ${cases.map(cell).join(' | ')} |`,
    `| ---: | ---: | ${cases.map(() => '---:').join(' | ')} |`,
    ...growth.map(
      (row) =>
        `| ${row.scale} | ${row.sizeMb} MB | ${cases
          .map(
            (name) =>
              `${ms(row.ms[name] ?? 0)} (${(perGb(row, name) / Math.max(perGb(first, name), 0.001)).toFixed(2)})`,
          )
          .join(' | ')} |`,
    ),
  ]
  const bent: string[] = []
  for (const name of cases)
    for (const row of growth.slice(1)) {
      const relative = perGb(row, name) / Math.max(perGb(first, name), 0.001)
      if (relative > 1.3 || relative < 0.7)
        bent.push(
          `- ${name} at scale ${row.scale}: ${relative.toFixed(2)}x the cost per GB of scale ${first.scale} (${relative > 1 ? 'grows faster than the size' : 'fixed costs dominate the small size'}).`,
        )
    }
  lines.push(
    '',
    ...(bent.length > 0 ? ['Not linear:', '', ...bent] : ['Every case grows linearly within 30%.']),
  )
  return lines
}
