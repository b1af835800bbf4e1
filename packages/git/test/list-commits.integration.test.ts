// @needs git
import { afterEach, describe, expect, test } from 'vitest'
import { listCommits } from '@rollback-kit/git'
import { createTempRepo, type TempRepo } from './fixtures/temp-repo.js'

const repos: TempRepo[] = []
const newRepo = async (options?: Parameters<typeof createTempRepo>[0]): Promise<TempRepo> => {
  const repo = await createTempRepo(options)
  repos.push(repo)
  return repo
}
afterEach(async () => {
  await Promise.all(repos.splice(0).map((repo) => repo.cleanup()))
})

describe('listCommits', () => {
  test('returns the last n commits newest first with hash, subject, author and date', async () => {
    const repo = await newRepo()
    const hashes: string[] = []
    for (let i = 1; i <= 4; i += 1) {
      hashes.push(
        await repo.commit({ 'app.txt': `${i}\n` }, `change ${i}`, {
          date: `2024-01-0${i}T12:00:00Z`,
        }),
      )
    }
    const commits = (await listCommits({ dir: repo.dir, count: 3 }))._unsafeUnwrap()
    expect(commits.map((c) => c.subject)).toEqual(['change 4', 'change 3', 'change 2'])
    expect(commits.map((c) => c.hash)).toEqual([hashes[3], hashes[2], hashes[1]])
    expect(commits[0]).toMatchObject({
      author: 'Test Author',
      authorEmail: 'author@example.test',
    })
    expect(hashes[3]!.startsWith(commits[0]!.shortHash)).toBe(true)
    expect(commits[0]!.shortHash.length).toBeLessThan(40)
    expect(new Date(commits[0]!.date).toISOString()).toBe('2024-01-04T12:00:00.000Z')
  })

  test('defaults to 10 commits from HEAD', async () => {
    const repo = await newRepo()
    for (let i = 0; i < 11; i += 1) await repo.commit({ 'app.txt': `${i}\n` }, `c${i}`)
    const commits = (await listCommits({ dir: repo.dir }))._unsafeUnwrap()
    expect(commits).toHaveLength(10)
    expect(commits[0]!.subject).toBe('c10')
  })

  test('starts from another revision and filters by path', async () => {
    const repo = await newRepo()
    await repo.commit({ 'docker-compose.yml': 'v1\n' }, 'compose v1')
    await repo.commit({ 'app.txt': 'x\n' }, 'app change')
    await repo.commit({ 'docker-compose.yml': 'v2\n' }, 'compose v2')
    const fromParent = (
      await listCommits({ dir: repo.dir, revision: 'HEAD~1', count: 2 })
    )._unsafeUnwrap()
    expect(fromParent.map((c) => c.subject)).toEqual(['app change', 'compose v1'])
    const compose = (
      await listCommits({ dir: repo.dir, paths: ['docker-compose.yml'] })
    )._unsafeUnwrap()
    expect(compose.map((c) => c.subject)).toEqual(['compose v2', 'compose v1'])
  })

  test('keeps subjects with separators and non-ASCII text intact', async () => {
    const repo = await newRepo()
    await repo.commit({ 'app.txt': 'x\n' }, 'fix: a | b ; "quoted" — déjà vu')
    const [latest] = (await listCommits({ dir: repo.dir, count: 1 }))._unsafeUnwrap()
    expect(latest?.subject).toBe('fix: a | b ; "quoted" — déjà vu')
  })

  test('separator characters in a subject or an author name cannot forge commits or shift fields', async () => {
    const repo = await newRepo()
    const first = await repo.commit({ 'app.txt': '1\n' }, 'honest change')
    const forgedSubject = `innocent\x1e${'f'.repeat(40)}\x1fabc\x1fforged commit\x1fEve\x1feve@x\x1f2001-01-01T00:00:00Z\x1e`
    await repo.write('app.txt', '2\n')
    await repo.git(['add', 'app.txt'])
    await repo.git(['commit', '--quiet', '-m', forgedSubject], {
      GIT_AUTHOR_NAME: 'Mallory\x1fspoofed@x\x1eTrent',
      GIT_AUTHOR_EMAIL: 'mallory@example.test',
      GIT_COMMITTER_NAME: 'Mallory',
      GIT_COMMITTER_EMAIL: 'mallory@example.test',
    })
    const second = (await repo.git(['rev-parse', 'HEAD'])).trim()
    const commits = (await listCommits({ dir: repo.dir, count: 10 }))._unsafeUnwrap()
    expect(commits.map((c) => c.hash)).toEqual([
      second,
      first,
      (await repo.git(['rev-parse', 'HEAD~2'])).trim(),
    ])
    expect(commits[0]).toMatchObject({
      subject: forgedSubject,
      author: 'Mallory\x1fspoofed@x\x1eTrent',
      authorEmail: 'mallory@example.test',
    })
    expect(commits[1]).toMatchObject({ subject: 'honest change', author: 'Test Author' })
  })

  test('an unknown revision is UnknownRevision', async () => {
    const repo = await newRepo()
    expect(
      (await listCommits({ dir: repo.dir, revision: 'v9.9.9' }))._unsafeUnwrapErr(),
    ).toMatchObject({ kind: 'UnknownRevision', revision: 'v9.9.9' })
  })

  test('an empty repository is UnknownRevision for HEAD', async () => {
    const repo = await newRepo({ empty: true })
    expect((await listCommits({ dir: repo.dir }))._unsafeUnwrapErr()).toMatchObject({
      kind: 'UnknownRevision',
      revision: 'HEAD',
    })
  })

  test('an option-like revision or a bad count is InvalidInput', async () => {
    const repo = await newRepo()
    expect(
      (await listCommits({ dir: repo.dir, revision: '--output=/tmp/x' }))._unsafeUnwrapErr(),
    ).toMatchObject({ kind: 'InvalidInput', field: 'options.revision' })
    expect((await listCommits({ dir: repo.dir, count: 1.5 }))._unsafeUnwrapErr()).toMatchObject({
      kind: 'InvalidInput',
      field: 'options.count',
    })
  })
})
