// @needs docker
// A journalled procedure is killed inside its container step, then resumed from the journal:
// the step runs again, and its output must still name the image that ran before, so that its
// undo leads back to it.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { resumeProcedure } from '@rollback-kit/core'
import { runTestContainer } from '@rollback-kit/testing'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { killAtPhase } from './crash-kit.js'
import {
  getWhenServing,
  PREFIX,
  randomSuffix,
  removeResources,
  setUpKit,
  tearDownKit,
  unwrap,
  type Kit,
} from './docker-test-kit.js'
import { replaceProcedure } from './fixtures/replace-procedure.js'

const prefix = `${PREFIX}resume-${randomSuffix()}-`
let kit: Kit
let work: string

beforeAll(async () => {
  kit = await setUpKit('resume')
  work = await mkdtemp(join(tmpdir(), 'rk-docker-resume-'))
})

afterAll(async () => {
  await removeResources(kit.engine, prefix)
  await tearDownKit(kit)
  await rm(work, { recursive: true, force: true })
})

describe.each(['starting-new', 'waiting-healthy', 'replaced'])(
  'killed at %s inside the container step',
  (phase) => {
    test('the resumed step records the original previous image, and its undo goes back to it', async () => {
      const name = `${prefix}${phase}`
      const web = unwrap(
        await runTestContainer({ docker: kit.engine.docker, image: kit.v2.ref, name }),
      )
      expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'v2' })
      const journalPath = join(work, `${phase}.jsonl`)
      await killAtPhase({
        call: 'procedure',
        container: name,
        image: kit.v1.ref,
        killAt: phase,
        journalPath,
      })

      const resumed = await resumeProcedure(
        replaceProcedure({ docker: kit.engine.docker, container: name, image: kit.v1.ref }),
        { journalPath },
      )
      // The second step fails on purpose, so the runner undoes the container step.
      const error = resumed._unsafeUnwrapErr()
      if (error.kind !== 'ProcedureFailed') throw new Error(`${error.kind}: ${error.message}`)
      const step = error.report.steps.find((s) => s.name === 'replace')
      expect(step?.status).toBe('succeeded')
      expect(step?.evidence).toEqual({
        previousImageId: kit.v2.id,
        imageId: kit.v1.id,
        changed: phase !== 'replaced',
      })
      expect(error.report.undo.map((u) => [u.step, u.status])).toEqual([['replace', 'succeeded']])
      const info = await kit.engine.docker.getContainer(name).inspect()
      expect(info.Image).toBe(kit.v2.id)
      expect(await getWhenServing(`${web.url}/`)).toEqual({ status: 200, body: 'v2' })
      await kit.engine.docker.getContainer(name).remove({ force: true })
    }, 120_000)
  },
)
