import { makeError, type BlockError, type Step, type StepOutputs } from '@rollback-kit/core'
import { errAsync, okAsync } from 'neverthrow'
import { analyzeRelease, type AnalyzeReleaseOptions } from './analyze-release.js'
import type { AnalysisError, AnalysisFailed } from './errors.js'
import type { ReleaseAnalysis } from './release-analysis.js'

/**
 * Options of {@link analysisStep}: those of {@link analyzeRelease} (the step supplies the
 * signal, progress and logger), plus the step's name and what an inconclusive verdict means.
 *
 * @example
 * ```ts
 * import { prometheusCheck, type AnalysisStepOptions } from '@rollback-kit/verify/prometheus'
 *
 * const options: AnalysisStepOptions<'watch-error-ratio'> = {
 *   name: 'watch-error-ratio',
 *   checks: [prometheusCheck({ url: 'http://localhost:9090', query: 'up', condition: 'result == 1' })],
 *   intervalMs: 10_000,
 *   count: 6,
 *   onInconclusive: 'pass',
 * }
 * ```
 * @category Metric analysis
 */
export interface AnalysisStepOptions<
  N extends string = 'analyse-release',
  E extends BlockError = BlockError,
> extends Omit<AnalyzeReleaseOptions<E>, 'signal' | 'onProgress' | 'logger'> {
  /** Default `analyse-release`. */
  readonly name?: N
  readonly description?: string
  /**
   * What an `inconclusive` verdict does. Default `fail`: Argo Rollouts pauses for a person,
   * but a script has nobody to ask, and a rollback is the safe side.
   */
  readonly onInconclusive?: 'fail' | 'pass'
  /** Deadline of the whole analysis (the step's `timeoutMs`). */
  readonly timeoutMs?: number
  /** Checklist items the step ticks when the release passes, e.g. `post.performance-monitored`. */
  readonly satisfies?: readonly string[]
}

/**
 * A procedure step that analyses a release with {@link analyzeRelease} and fails with
 * `AnalysisFailed` when the verdict is `failed` or `error` (or `inconclusive`, unless
 * `onInconclusive: 'pass'`). Put it right after the step that deploys: when it fails, the
 * runner (with its default `onFailure: 'undo'`) runs the deploy step's `undo`, which is the
 * rollback. The output is the whole {@link ReleaseAnalysis}; the step changes nothing, so it
 * has no undo, and it is safe to run again on resume.
 *
 * @returns a step whose error is `AnalysisFailed` or an {@link AnalysisError}.
 *
 * @example
 * ```ts
 * import { okAsync } from 'neverthrow'
 * import { defineProcedure, runProcedure } from '@rollback-kit/core'
 * import { analysisStep, prometheusCheck } from '@rollback-kit/verify/prometheus'
 *
 * declare function deploy(version: string): Promise<void>
 * const release = defineProcedure('release 1.5.0')
 *   .step({
 *     name: 'deploy',
 *     run: () => okAsync(deploy('1.5.0')).map(() => ({ previous: '1.4.2' })),
 *     undo: ({ output }) => okAsync(deploy(output.previous)),
 *   })
 *   .step(
 *     analysisStep({
 *       checks: [
 *         prometheusCheck({
 *           url: 'http://localhost:9090',
 *           query: 'sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))',
 *           condition: 'result < 0.01',
 *         }),
 *       ],
 *       intervalMs: 60_000,
 *       durationMs: 5 * 60_000,
 *     }),
 *   )
 * const report = await runProcedure(release, {}) // outcome 'rolled-back' when the analysis fails
 * ```
 * @category Metric analysis
 */
export function analysisStep<
  const N extends string = 'analyse-release',
  E extends BlockError = BlockError,
>(
  options: AnalysisStepOptions<N, E>,
): Step<N, StepOutputs, ReleaseAnalysis, AnalysisFailed | AnalysisError<E>> {
  const { name, description, onInconclusive, timeoutMs, satisfies, ...analysis } = options
  return {
    name: name ?? ('analyse-release' as N),
    description:
      description ?? `analyse the release: ${options.checks.map((check) => check.name).join(', ')}`,
    run: (context) =>
      analyzeRelease<E>({
        ...analysis,
        signal: context.signal,
        logger: context.logger,
        onProgress: (event) => context.progress(event),
      }).andThen((verdict) => {
        if (
          verdict.phase === 'successful' ||
          (verdict.phase === 'inconclusive' && onInconclusive === 'pass')
        )
          return okAsync(verdict)
        return errAsync(
          makeError<'AnalysisFailed', Omit<AnalysisFailed, 'kind' | 'message' | 'retryable'>>(
            'AnalysisFailed',
            `the release analysis ended ${verdict.phase}: ${verdict.message}`,
            { phase: verdict.phase, analysis: verdict },
          ),
        )
      }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(satisfies === undefined ? {} : { satisfies }),
  }
}
