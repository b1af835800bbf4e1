import type Dockerode from 'dockerode'
import { nameOf } from './resolve-container.js'

/**
 * One container: its id, the name it has now, and whether it runs.
 * @category Containers
 */
export interface ContainerPlace {
  readonly id: string
  readonly name: string
  readonly running: boolean
}

/**
 * Where every container of a replacement is, as the engine shows it after the cleanup.
 * @category Containers
 */
export interface Whereabouts {
  /** The container that served before; `undefined` when it no longer exists. */
  readonly original: ContainerPlace | undefined
  /** The new container; `undefined` when it was removed (or never created). */
  readonly replacement: ContainerPlace | undefined
  /** The container holding the name when it is neither of these two (someone else took it). */
  readonly nameHolder?: ContainerPlace
}

/** Read the whereabouts from the engine; a container that cannot be inspected counts as gone. */
export async function whereaboutsOf(input: {
  readonly docker: Dockerode
  readonly name: string
  readonly originalId: string
  readonly replacementId: string | undefined
}): Promise<Whereabouts> {
  const { docker } = input
  const place = async (reference: string | undefined): Promise<ContainerPlace | undefined> => {
    if (reference === undefined) return undefined
    const info = await docker
      .getContainer(reference)
      .inspect()
      .catch(() => undefined)
    return info === undefined
      ? undefined
      : { id: info.Id, name: nameOf(info), running: info.State.Running }
  }
  const original = await place(input.originalId)
  const replacement = await place(input.replacementId)
  const holder = await place(input.name)
  const foreign =
    holder !== undefined &&
    holder.name === input.name &&
    holder.id !== original?.id &&
    holder.id !== replacement?.id
  return { original, replacement, ...(foreign ? { nameHolder: holder } : {}) }
}

/** One line saying where each container is, for error messages. */
export function describeWhereabouts(where: Whereabouts): string {
  const at = (place: ContainerPlace | undefined, what: string): string =>
    place === undefined
      ? `the ${what} container is gone`
      : `the ${what} container ${place.id.slice(0, 12)} is ${place.name} (${place.running ? 'running' : 'stopped'})`
  const holder =
    where.nameHolder === undefined
      ? ''
      : `; the name is held by another container, ${where.nameHolder.id.slice(0, 12)} (${where.nameHolder.running ? 'running' : 'stopped'})`
  return `${at(where.original, 'original')}; ${at(where.replacement, 'new')}${holder}`
}
