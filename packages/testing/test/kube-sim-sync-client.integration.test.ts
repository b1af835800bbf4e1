// @needs kubectl
//
// Why every kubectl helper here is asynchronous: the simulator answers on the test's own event
// loop, and a synchronous child process (execFileSync, spawnSync) blocks that loop until the
// child exits, so kubectl's requests wait for an answer that cannot come. The lint rule in
// eslint.config.js refuses such calls; this test shows the hang is real.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { startKubeSim } from '@rollback-kit/testing'
import { expect, test } from 'vitest'
import { kubectl } from './fixtures/kube-sim/kubectl.js'

test('a synchronous kubectl call never gets an answer; the same call run asynchronously does', async () => {
  await using sim = (await startKubeSim())._unsafeUnwrap()
  const args = ['--kubeconfig', sim.kubeconfigPath, 'get', 'namespaces', '-o', 'name']
  const env = { ...process.env, KUBECACHEDIR: join(dirname(sim.kubeconfigPath), 'sync-cache') }

  // The timeout only ends the hang; no amount of time would let the simulator answer.
  // eslint-disable-next-line no-restricted-syntax -- the hazard this test demonstrates
  const blocked = spawnSync('kubectl', args, { env, timeout: 2_000, encoding: 'utf8' })
  expect(blocked.signal).toBe('SIGTERM')
  expect(blocked.stdout).toBe('')

  const answered = await kubectl(sim, 'get', 'namespaces', '-o', 'name')
  expect(answered.exitCode).toBe(0)
  expect(answered.lines).toContain('namespace/default')
  expect(sim.internalErrors).toEqual([])
})
