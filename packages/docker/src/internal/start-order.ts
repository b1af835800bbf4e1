/** A container as far as start order is concerned. */
export interface Orderable {
  readonly service?: string | undefined
  readonly dependsOn: readonly string[]
  readonly startedAt: string
}

/**
 * Start order: services after the services they depend on (compose's `depends_on` label),
 * otherwise in the order they last started (compose starts dependencies first, so this
 * keeps the order where no label says it). Stop in the reverse.
 */
export function startOrder<T extends Orderable>(items: readonly T[]): T[] {
  const byStart = [...items].sort((a, b) =>
    a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0,
  )
  const services = new Set(
    byStart.map((item) => item.service).filter((s): s is string => s !== undefined),
  )
  const placed = new Set<string>()
  const ordered: T[] = []
  const pending = [...byStart]
  while (pending.length > 0) {
    const index = pending.findIndex((item) =>
      item.dependsOn.every((dep) => !services.has(dep) || placed.has(dep) || dep === item.service),
    )
    // A cycle (or a dependency never satisfied): fall back to start time.
    const [next] = pending.splice(index === -1 ? 0 : index, 1)
    if (next === undefined) break
    ordered.push(next)
    const rest = pending.filter((item) => item.service === next.service)
    if (next.service !== undefined && rest.length === 0) placed.add(next.service)
  }
  return ordered
}

/** Service names out of compose v2's `com.docker.compose.depends_on` (`db:service_started:false,...`). */
export function parseDependsOn(label: string | undefined): string[] {
  if (label === undefined || label.trim() === '') return []
  return label
    .split(',')
    .map((part) => part.split(':')[0]?.trim() ?? '')
    .filter((name) => name !== '')
}
