import { readFile } from 'node:fs/promises'
import { detectService, type ServiceName, type ServiceStatus } from './service-detection.js'

const SERVICES: readonly ServiceName[] = [
  'postgres',
  'docker',
  'compose',
  'kubectl',
  'git',
  'prometheus',
  'pgbackrest',
]

/**
 * What {@link gateIntegrationTests} decided.
 * @category Test policy
 */
export interface IntegrationGate {
  /** Files to leave out of the run because a service they need is missing. */
  readonly skipped: readonly string[]
  /** One line per missing service: what is missing, how to get it, which files it skips. */
  readonly messages: readonly string[]
  /** Every service some selected file needs, with its status. */
  readonly services: readonly ServiceStatus[]
}

/**
 * The services an integration test file declares on a `// @needs` line near its top,
 * e.g. `// @needs postgres docker`.
 *
 * @example
 * ```ts
 * import { neededServices } from '@rollback-kit/testing'
 *
 * neededServices('// @needs postgres docker\nimport { test } from "vitest"') // ['postgres', 'docker']
 * ```
 * @category Test policy
 */
export function neededServices(source: string): ServiceName[] {
  const head = source.split('\n').slice(0, 20)
  const needs = new Set<ServiceName>()
  for (const line of head) {
    const match = /^\s*\/\/\s*@needs\s+(.+)$/.exec(line)
    if (match?.[1] === undefined) continue
    for (const word of match[1].split(/[\s,]+/)) {
      if ((SERVICES as readonly string[]).includes(word)) needs.add(word as ServiceName)
    }
  }
  return [...needs]
}

/**
 * Apply the integration test policy: files named `*.integration.test.ts` declare the real
 * services they need (`// @needs ...`). Outside CI, files whose service is missing are
 * skipped with one line per missing service saying what is missing and how to get it. With
 * `ci: true` a missing service is an error: the run must fail, never skip.
 *
 * @returns the files to skip and the lines to print.
 * @throws Error when `ci` is true and a needed service is missing (this runs inside a test
 * runner's configuration, where throwing is how a run fails).
 *
 * @example
 * ```ts
 * import { gateIntegrationTests } from '@rollback-kit/testing'
 *
 * const gate = await gateIntegrationTests({ files: ['test/restore.integration.test.ts'], ci: false })
 * for (const line of gate.messages) console.log(line)
 * ```
 * @category Test policy
 */
export async function gateIntegrationTests(options: {
  readonly files: readonly string[]
  readonly ci: boolean
}): Promise<IntegrationGate> {
  const needsByFile = new Map<string, ServiceName[]>()
  for (const file of options.files)
    needsByFile.set(file, neededServices(await readFile(file, 'utf8')))
  const wanted = new Set([...needsByFile.values()].flat())
  const services = await Promise.all([...wanted].map((service) => detectService(service)))
  const missing = services.filter((status) => !status.available)
  const skipped: string[] = []
  const messages: string[] = []
  for (const status of missing) {
    const files = [...needsByFile]
      .filter(([, needs]) => needs.includes(status.service))
      .map(([file]) => file)
    skipped.push(...files.filter((file) => !skipped.includes(file)))
    const verb = options.ci
      ? 'CI=true, so failing instead of skipping'
      : `skipping ${files.length} integration test file(s)`
    messages.push(
      `[rollback-kit] ${status.service} missing: ${status.detail}. Get it: ${status.howToGet}. ${verb}.`,
    )
  }
  if (options.ci && missing.length > 0) throw new Error(messages.join('\n'))
  return { skipped, messages, services }
}
