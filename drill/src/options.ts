/**
 * The drill's command line: which scenarios to run, how big the database is, where the
 * report goes. Every option has an embedded default so `pnpm demo` runs as it is.
 */
import { parseArgs } from 'node:util'

/** A scenario of the runbook that the drill breaks and then rolls back. */
export type ScenarioName = 'database' | 'database-pitr' | 'container' | 'kubernetes' | 'metrics'

/** What the drill was asked to do. */
export interface DrillOptions {
  readonly scenarios: readonly ScenarioName[]
  /** Rows in `orders` (users and inventory_items scale with it). 10M is about 1.5 GB. */
  readonly orders: number
  readonly outDir: string
}

const ALL: readonly ScenarioName[] = [
  'database',
  'database-pitr',
  'container',
  'kubernetes',
  'metrics',
]
const SIZES: Readonly<Record<string, number>> = {
  small: 20_000,
  medium: 500_000,
  large: 10_000_000,
}

const USAGE = `usage: pnpm demo [--scenarios database,database-pitr,container,kubernetes,metrics] [--size small|medium|large] [--orders N] [--out DIR]
  --size large is the 1.5 GB case (10M orders).`

/** Parse argv; exits with the usage on bad input. */
export function parseDrillOptions(argv: readonly string[]): DrillOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      scenarios: { type: 'string', default: ALL.join(',') },
      size: { type: 'string', default: 'small' },
      orders: { type: 'string' },
      out: { type: 'string', default: 'drill-output' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    console.log(USAGE)
    process.exit(0)
  }
  const scenarios = values.scenarios.split(',').filter((name) => name !== '')
  const unknown = scenarios.filter((name) => !(ALL as readonly string[]).includes(name))
  const sized = SIZES[values.size]
  const orders = values.orders === undefined ? sized : Number(values.orders)
  const problems = [
    ...unknown.map((name) => `unknown scenario "${name}" (known: ${ALL.join(', ')})`),
    ...(sized === undefined ? [`unknown size "${values.size}" (small, medium, large)`] : []),
    ...(orders === undefined || !Number.isInteger(orders) || orders < 100
      ? ['--orders must be an integer >= 100']
      : []),
  ]
  if (problems.length > 0) {
    console.error(`${problems.join('\n')}\n${USAGE}`)
    process.exit(2)
  }
  return { scenarios: scenarios as ScenarioName[], orders: orders ?? 20_000, outDir: values.out }
}
