import type Dockerode from 'dockerode'
import { tailLogs } from '../tail-logs.js'
import type { HealthEvidence } from '../wait-healthy.js'

/** Whether the container has a HEALTHCHECK the engine runs. */
export function healthcheckOf(info: Dockerode.ContainerInspectInfo): boolean {
  const test = info.Config.Healthcheck?.Test
  return (
    test !== undefined && test.length > 0 && test[0] !== 'NONE' && info.State.Health !== undefined
  )
}

/** Inspect output and the last log lines, as {@link HealthEvidence}; never fails. */
export async function collectEvidence(input: {
  readonly options: {
    readonly docker: Dockerode
    readonly container: string
    readonly logLines?: number
  }
  readonly info: Dockerode.ContainerInspectInfo
  readonly method: HealthEvidence['method']
  readonly probeError?: string | undefined
}): Promise<HealthEvidence> {
  const { info, method } = input
  return tailLogs({
    docker: input.options.docker,
    container: info.Id,
    lines: input.options.logLines ?? 50,
  }).then((logs) => {
    const health = info.State.Health
    const state = info.State
    const status =
      !state.Running && !state.Restarting
        ? 'exited'
        : method === 'healthcheck'
          ? (health?.Status ?? 'none')
          : 'running'
    return {
      container: input.options.container,
      method,
      status,
      running: state.Running,
      exitCode: state.Running ? null : state.ExitCode,
      restartCount: info.RestartCount,
      failingStreak: health?.FailingStreak ?? 0,
      healthLog: (health?.Log ?? []).map((entry) => ({
        start: entry.Start,
        end: entry.End,
        exitCode: entry.ExitCode,
        output: entry.Output,
      })),
      logTail: logs.isOk() ? logs.value : [],
      ...(input.probeError === undefined ? {} : { probeError: input.probeError }),
    }
  })
}
