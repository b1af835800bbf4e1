import type Dockerode from 'dockerode'
import type { ResultAsync } from 'neverthrow'
import type { EngineCallError } from '../errors.js'
import { engineCall } from './engine-call.js'

// The names a replacement gives its containers. They are how a later run (or
// recoverContainer) reads from the engine how far an interrupted replacement got.

/** What a container is to the replacement of `<name>`. */
export type LeftoverRole = 'next' | 'prev' | 'kept' | 'failed'

/** The new container before it takes the name. */
export function nextName(name: string, suffix: string): string {
  return `${name}_rk_next_${suffix}`
}

/** The old container, stopped and aside while the new one proves itself. */
export function asideName(name: string, id: string): string {
  return `${name}_rk_prev_${id.slice(0, 12)}`
}

/** The old container kept after a successful replacement (`keepOld`). */
export function keptName(name: string, id: string): string {
  return `${name}_rk_kept_${id.slice(0, 12)}`
}

/** A failed new container kept for forensics (`keepFailed`). */
export function failedName(name: string, id: string): string {
  return `${name}_rk_failed_${id.slice(0, 12)}`
}

const ROLE = /^(.+)_rk_(next|prev|kept|failed)_([a-z0-9]+)$/

/** The name a replacement's container belongs to, and its role; `undefined` for other names. */
export function roleOf(
  containerName: string,
): { readonly name: string; readonly role: LeftoverRole } | undefined {
  const match = ROLE.exec(containerName)
  if (match === null) return undefined
  return { name: match[1] ?? '', role: match[2] as LeftoverRole }
}

/** A container of the engine, named, with the labels recovery reads. */
export interface NamedContainer {
  readonly id: string
  readonly name: string
  readonly role: LeftoverRole
  readonly labels: Readonly<Record<string, string>>
}

/** The containers an unfinished replacement of `name` left: `<name>_rk_next_*`, `<name>_rk_prev_*`. */
export function leftoversOf(
  docker: Dockerode,
  name: string,
): ResultAsync<NamedContainer[], EngineCallError> {
  return engineCall({ operation: `list leftovers of ${name}` }, () =>
    docker.listContainers({ all: true, filters: { name: [`${name}_rk_`] } }),
  ).map((listed) =>
    listed.flatMap((summary): NamedContainer[] =>
      summary.Names.map((raw) => raw.replace(/^\//, ''))
        .filter((candidate) => {
          const role = roleOf(candidate)
          return role?.name === name && (role.role === 'next' || role.role === 'prev')
        })
        .map((candidate) => ({
          id: summary.Id,
          name: candidate,
          role: roleOf(candidate)?.role ?? 'next',
          labels: summary.Labels,
        })),
    ),
  )
}
