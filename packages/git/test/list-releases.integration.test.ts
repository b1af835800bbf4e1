// @needs git
import { afterEach, describe, expect, test } from 'vitest'
import { listReleases } from '@rollback-kit/git'
import { createTempRepo, type TempRepo } from './fixtures/temp-repo.js'

const repos: TempRepo[] = []
afterEach(async () => {
  await Promise.all(repos.splice(0).map((repo) => repo.cleanup()))
})

/** Three releases made on three different days, the middle one lightweight. */
async function repoWithReleases(): Promise<{ repo: TempRepo; commits: string[] }> {
  const repo = await createTempRepo()
  repos.push(repo)
  const commits: string[] = []
  const days = ['2024-01-10T10:00:00Z', '2024-02-10T10:00:00Z', '2024-03-10T10:00:00Z']
  for (const [i, date] of days.entries()) {
    commits.push(
      await repo.commit({ 'app.txt': `version ${i + 1}\n` }, `release ${i + 1}`, { date }),
    )
    const env = { GIT_COMMITTER_DATE: date }
    if (i === 1) await repo.git(['tag', `v1.${i}.0`], env)
    else await repo.git(['tag', '-a', `v1.${i}.0`, '-m', `Release 1.${i}.0`], env)
  }
  return { repo, commits }
}

describe('listReleases', () => {
  test('lists annotated and lightweight tags newest first with their commits and dates', async () => {
    const { repo, commits } = await repoWithReleases()
    const releases = (await listReleases({ dir: repo.dir }))._unsafeUnwrap()
    expect(releases.map((r) => r.tag)).toEqual(['v1.2.0', 'v1.1.0', 'v1.0.0'])
    expect(releases.map((r) => r.commit)).toEqual([commits[2], commits[1], commits[0]])
    expect(releases.map((r) => r.annotated)).toEqual([true, false, true])
    expect(releases[0]).toMatchObject({ subject: 'Release 1.2.0' })
    expect(releases[1]).toMatchObject({ subject: 'release 2' })
    expect(new Date(releases[0]!.date).toISOString()).toBe('2024-03-10T10:00:00.000Z')
    expect(new Date(releases[1]!.date).toISOString()).toBe('2024-02-10T10:00:00.000Z')
  })

  test('orders by creation date, not by name', async () => {
    const repo = await createTempRepo()
    repos.push(repo)
    await repo.commit({ 'a.txt': '1\n' }, 'one', { date: '2024-05-01T00:00:00Z' })
    await repo.git(['tag', '-a', 'z-hotfix', '-m', 'old'], {
      GIT_COMMITTER_DATE: '2024-05-01T00:00:00Z',
    })
    await repo.commit({ 'a.txt': '2\n' }, 'two', { date: '2024-06-01T00:00:00Z' })
    await repo.git(['tag', '-a', 'a-release', '-m', 'new'], {
      GIT_COMMITTER_DATE: '2024-06-01T00:00:00Z',
    })
    const releases = (await listReleases({ dir: repo.dir }))._unsafeUnwrap()
    expect(releases.map((r) => r.tag)).toEqual(['a-release', 'z-hotfix'])
  })

  test('pattern and limit narrow the list', async () => {
    const { repo } = await repoWithReleases()
    await repo.git(['tag', 'nightly-2024-03-11'])
    const releases = (
      await listReleases({ dir: repo.dir, pattern: 'v*', limit: 2 })
    )._unsafeUnwrap()
    expect(releases.map((r) => r.tag)).toEqual(['v1.2.0', 'v1.1.0'])
  })

  test('a repository without tags has no releases', async () => {
    const repo = await createTempRepo()
    repos.push(repo)
    expect((await listReleases({ dir: repo.dir }))._unsafeUnwrap()).toEqual([])
  })

  test('tags of blobs are left out', async () => {
    const { repo } = await repoWithReleases()
    const blob = (await repo.git(['hash-object', '-w', 'app.txt'])).trim()
    await repo.git(['tag', 'a-blob', blob])
    const tags = (await listReleases({ dir: repo.dir }))._unsafeUnwrap().map((r) => r.tag)
    expect(tags).toEqual(['v1.2.0', 'v1.1.0', 'v1.0.0'])
  })

  test('a bad limit or pattern is InvalidInput', async () => {
    const { repo } = await repoWithReleases()
    expect((await listReleases({ dir: repo.dir, limit: 0 }))._unsafeUnwrapErr()).toMatchObject({
      kind: 'InvalidInput',
      field: 'options.limit',
    })
    expect(
      (await listReleases({ dir: repo.dir, pattern: '--contains' }))._unsafeUnwrapErr(),
    ).toMatchObject({ kind: 'InvalidInput', field: 'options.pattern' })
  })
})
