import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Dockerode from 'dockerode'
import { expect, test } from 'vitest'
import { captureState } from '@rollback-kit/docker'

// No engine listens here: a call that reaches the engine fails with an engine error, so an
// `Aborted` answer proves the capture stopped before its first engine call.
const docker = new Dockerode({ socketPath: join(tmpdir(), `rk-no-engine-${process.pid}.sock`) })

test('captureState answers an aborted signal with Aborted before calling the engine', async () => {
  const controller = new AbortController()
  controller.abort(new Error('job cancelled'))
  for (const scope of [{ project: 'shop' }, { containers: ['shop-web-1'] }]) {
    const reached = await captureState({ docker, ...scope })
    expect(reached._unsafeUnwrapErr().kind).not.toBe('Aborted')
    const stopped = await captureState({ docker, ...scope, signal: controller.signal })
    expect(stopped._unsafeUnwrapErr().kind).toBe('Aborted')
  }
})
