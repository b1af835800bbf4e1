/**
 * `pnpm bench`: measures our blocks next to the runbook's manual commands and the raw tools, in
 * the same run, and writes `bench-output/bench.md` and `bench.json` (with `--docs`, also
 * `docs/guides/benchmarks.md`). Figures are medians with min and max; compared cases run in
 * turns and their ratios are given pair by pair, with the median and the spread.
 *
 *   pnpm bench                  full run (pgbench scale 100, about 1.5 GB), 3 runs per case,
 *                               and the growth table at scales 10, 50 and 100
 *   pnpm bench --quick          smoke run for CI (scale 1, 3 runs, 100 probes, growth at 1 and 2)
 *   pnpm bench --scale 20 --runs 5 --jobs 2 --only postgres,probes,growth --growth 5,10 --out dir --docs
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, loadavg, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { detectService } from '@rollback-kit/testing'
import { dockerRows } from './docker-rows.js'
import { kubeRows } from './kube-rows.js'
import { pgbackrestRows } from './pgbackrest-rows.js'
import { postgresGrowth } from './postgres-growth.js'
import { postgresRows } from './postgres-rows.js'
import { probeRows } from './probe-rows.js'
import {
  compare,
  renderMarkdown,
  type BenchComparison,
  type BenchRow,
  type GrowthRow,
} from './table.js'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scale: { type: 'string' },
    runs: { type: 'string' },
    jobs: { type: 'string', default: '2' },
    only: { type: 'string', default: 'postgres,growth,pgbackrest,docker,probes,kube' },
    growth: { type: 'string' },
    out: { type: 'string', default: 'bench-output' },
    docs: { type: 'boolean', default: false },
  },
})
const quick = values.quick
const scale = Number(values.scale ?? (quick ? '1' : '100'))
const runs = Number(values.runs ?? '3')
const jobs = Number(values.jobs)
const only = new Set(values.only.split(','))
const growthScales = (values.growth ?? (quick ? '1,2' : '10,50,100'))
  .split(',')
  .filter((part) => part !== '')
  .map(Number)
for (const [name, value] of [
  ...growthScales.map((value) => ['growth', value] as const),
  ['scale', scale],
  ['runs', runs],
  ['jobs', jobs],
] as const) {
  if (!Number.isInteger(value) || value < 1) {
    console.error(`bench: --${name} must be a positive integer`)
    process.exit(2)
  }
}

const startedAt = new Date().toISOString()
// The machine may be shared: the load before and after says how noisy the figures are.
const loadAtStart = loadavg()
const rows: BenchRow[] = []
const skipped: string[] = []
// A case that crashed is no figure: the run says so and exits 1 (missed targets never do).
let crashed = 0
const onRow = (row: BenchRow): void => {
  const { medianMs, minMs, maxMs } = row.measurement
  console.log(
    `  ${row.area.padEnd(8)} ${row.name.padEnd(52)} ${medianMs.toFixed(1).padStart(10)} ms  (min ${minMs.toFixed(1)}, max ${maxMs.toFixed(1)})`,
  )
}
console.log(
  `rollback-kit bench: scale ${String(scale)}, ${String(runs)} runs per case, jobs ${String(jobs)}`,
)

async function area(
  name: string,
  needs: 'postgres' | 'pgbackrest' | 'docker' | 'kubectl' | undefined,
  body: () => Promise<BenchRow[]>,
): Promise<void> {
  if (!only.has(name)) {
    skipped.push(`${name}: left out of this run (--only ${values.only})`)
    return
  }
  if (needs !== undefined) {
    const status = await detectService(needs)
    if (!status.available) {
      skipped.push(`${name}: ${status.detail} (${status.howToGet})`)
      console.log(`  ${name}: skipped, ${status.detail}`)
      return
    }
  }
  try {
    rows.push(...(await body()))
  } catch (cause) {
    crashed += 1
    skipped.push(`${name}: failed: ${cause instanceof Error ? cause.message : String(cause)}`)
    console.log(`  ${name}: failed: ${String(cause)}`)
  }
}

await area('postgres', 'postgres', () => postgresRows({ scale, runs, jobs, onRow }))
const growth: GrowthRow[] = []
await area('growth', 'postgres', async () => {
  console.log(`  growth at scales ${growthScales.join(', ')}`)
  growth.push(
    ...(await postgresGrowth({
      scales: growthScales,
      jobs,
      onRow: (row) => {
        console.log(
          `  growth   scale ${String(row.scale).padEnd(4)} ${String(row.sizeMb).padStart(6)} MB  ${Object.entries(
            row.ms,
          )
            .map(([name, ms]) => `${name} ${ms.toFixed(0)} ms`)
            .join(', ')}`,
        )
      },
    })),
  )
  return []
})
await area('pgbackrest', 'pgbackrest', () => pgbackrestRows({ scale, runs, jobs, onRow }))
await area('docker', 'docker', () => dockerRows({ runs, onRow }))
await area('probes', undefined, () => probeRows({ concurrency: quick ? 100 : 1000, runs, onRow }))
await area('kube', 'kubectl', () => kubeRows({ runs, onRow }))

const j = String(jobs)
const comparisons = [
  compare(rows, `ours: restoreSnapshot swap from dump (-j${j})`, `raw: pg_restore -j${j}`, 1.0, {
    before: '1.12-1.21x',
    note: 'the swap restore also verifies every table of the shadow (row count and fingerprint) after pg_restore has finished, and freezes and renames; that read is the extra time, and it is what makes the swap safe. Verifying each table as soon as its data is in, while the indexes still build, would hide most of it (not done yet)',
  }),
  compare(rows, 'ours: cloneSnapshot', 'raw: CREATE DATABASE ... STRATEGY FILE_COPY', 1.2, {
    before: '3.41x, 1.02x (against cp -r)',
    note: 'the clone also drains the source and fingerprints every table of the clone before it returns, so it can be verified later; fingerprinting on the first verify instead (the clone is frozen) would take that read off the critical path (not done yet)',
  }),
  compare(
    rows,
    'ours: dumpSnapshot (custom)',
    ['raw: pg_dump -Fc', `raw: pg_dump -Fd -j${j}`],
    1.05,
    {
      before: '1.12-1.59x (against -Fc)',
      note: 'the fingerprints are read from the same exported snapshot while pg_dump runs; on 2 cores they compete with pg_dump (and its compression) for CPU',
    },
  ),
  compare(
    rows,
    `ours: dumpSnapshot (directory, -j${j})`,
    ['raw: pg_dump -Fc', `raw: pg_dump -Fd -j${j}`],
    1.05,
    {
      note: 'as for the custom format: the fingerprints compete with pg_dump for the 2 cores',
    },
  ),
  compare(rows, 'ours: fingerprintTable pgbench_accounts', 'raw: count(*) pgbench_accounts', 1.5, {
    before: '5.3-6.2x',
    note: 'count(*) reads only the primary key index (an index-only scan); the fingerprint reads every column of every heap page and hashes it. v2 skips the text conversion, so what is left is the heap read and one hash per row',
  }),
  compare(
    rows,
    'ours: fingerprintTable pgbench_accounts (v1 text path)',
    'raw: count(*) pgbench_accounts',
    Number.POSITIVE_INFINITY,
  ),
  compare(rows, `ours: pgBackRest full backup (lz4, process-max ${j})`, 'raw: pg_dump -Fc', 1.5, {
    note: 'a physical backup copies every page of the cluster (indexes, free space, the other databases) and waits for a checkpoint and for its WAL to be archived; pg_dump writes only rows and index definitions. Its pay-off is the restore side and any point in time',
  }),
  compare(
    rows,
    'ours: restoreToPoint (verified, promoted, switched)',
    `raw: pg_restore -j${j}`,
    1.0,
    {
      note: 'the point-in-time restore also verifies the repository, replays WAL to the point, fingerprints every table and restarts the live server on the restored data directory; pg_restore -j2 only loads a dump, into an empty database, at one fixed moment',
    },
  ),
  compare(
    rows,
    'ours: restoreToPoint (verified, promoted, switched)',
    'ours: restoreSnapshot from clone',
    Number.POSITIVE_INFINITY,
  ),
  compare(
    rows,
    'ours: health-gated rollbackContainer',
    'bare: docker stop + docker run + first 200',
    1.2,
    {
      before: '0.77-0.79x',
      note: 'the rollback creates the new container before stopping the old one and keeps the old one until the new one is healthy',
    },
  ),
  compare(
    rows,
    `ours: ${quick ? '100' : '1000'} concurrent httpProbe`,
    `raw: ${quick ? '100' : '1000'} concurrent fetch`,
    1.5,
    { before: '1.03x, 2.02x' },
  ),
].filter((c): c is BenchComparison => c !== undefined)
// The clone restore's target is absolute (under one second), not a ratio.
const cloneRestore = rows.find((row) => row.name === 'ours: restoreSnapshot from clone')
const absolute: BenchComparison[] =
  cloneRestore === undefined
    ? []
    : [
        {
          ours: cloneRestore.name,
          baseline: '1 second (absolute)',
          target: 1,
          ratio: cloneRestore.measurement.medianMs / 1000,
          pairs: [],
          verdict: cloneRestore.measurement.maxMs < 1000 ? 'met' : 'missed',
          met: cloneRestore.measurement.maxMs < 1000,
        },
      ]

const report = {
  startedAt,
  machine: `${String(cpus().length)} cores (${cpus()[0]?.model ?? 'unknown cpu'}), ${String(Math.round(totalmem() / 2 ** 30))} GiB, Node ${process.version}`,
  load: `load average (1, 5, 15 min) ${loadAtStart.map((l) => l.toFixed(1)).join(', ')} at the start, ${loadavg()
    .map((l) => l.toFixed(1))
    .join(', ')} at the end`,
  settings: { scale, runs, jobs, quick, growth: growthScales.join(' ') },
  rows,
  comparisons: [
    ...absolute,
    ...comparisons.filter((c) => c.ours !== 'ours: restoreSnapshot from clone'),
  ],
  growth,
  skipped,
}
await mkdir(values.out, { recursive: true })
const markdown = renderMarkdown(report)
await writeFile(join(values.out, 'bench.md'), markdown)
await writeFile(join(values.out, 'bench.json'), `${JSON.stringify(report, null, 2)}\n`)
if (values.docs)
  await writeFile('docs/guides/benchmarks.md', `---\ntitle: Benchmarks\n---\n\n${markdown}`)
console.log(`\nwrote ${join(values.out, 'bench.md')} and bench.json (${String(rows.length)} rows)`)
if (crashed > 0) process.exitCode = 1
