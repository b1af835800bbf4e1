import type { Aborted, BlockError, Unexpected } from '@rollback-kit/core'

/**
 * No Docker engine answers, and none may be started here (not root, no `dockerd`, or
 * `ROLLBACK_KIT_PRIVATE_DOCKERD=0`).
 * @category Docker
 */
export type EngineUnavailable = BlockError<'EngineUnavailable'> & {
  /** The endpoint that was tried, e.g. `unix:///var/run/docker.sock`. */
  readonly host: string
  /** Why no private engine was started instead. */
  readonly reason: string
}

/**
 * A private `dockerd` was started but did not come up (it exited or never answered).
 * @category Docker
 */
export type DockerdFailed = BlockError<'DockerdFailed'> & {
  /** The folder holding its data root, exec root, socket and log. */
  readonly folder: string
  readonly exitCode: number | null
  /** The last lines of its log. */
  readonly logTail: string
}

/**
 * A private `dockerd` did not exit after SIGTERM then SIGKILL.
 * @category Docker
 */
export type DockerdStopFailed = BlockError<'DockerdStopFailed'> & {
  readonly pid: number
  readonly folder: string
}

/**
 * The folders of a private `dockerd` could not be removed (something is still mounted
 * there, or removal failed); they are left for the next start to clean up.
 * @category Docker
 */
export type CleanupFailed = BlockError<'CleanupFailed'> & {
  readonly folder: string
  readonly mounts: readonly string[]
}

/**
 * Why {@link startDocker} failed.
 * @category Docker
 */
export type StartDockerError = EngineUnavailable | DockerdFailed | Aborted | Unexpected

/**
 * Why stopping an engine from {@link startDocker} failed.
 * @category Docker
 */
export type StopDockerError = DockerdStopFailed | CleanupFailed | Unexpected
