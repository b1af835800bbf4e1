import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import {
  dumpSnapshot,
  isSnapshotId,
  listSnapshots,
  newSnapshotId,
  pruneSnapshots,
  readArchiveHeader,
  readManifest,
  restoreSnapshot,
  type SnapshotManifest,
} from '@rollback-kit/postgres'

let work: string
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'rk-snap-unit-'))
})
afterEach(async () => {
  await rm(work, { recursive: true, force: true })
})

/** pg_dump's WriteInt: a sign byte, then the magnitude little-endian in 4 bytes. */
function int(value: number): number[] {
  const magnitude = Math.abs(value)
  return [value < 0 ? 1 : 0, magnitude & 255, (magnitude >> 8) & 255, (magnitude >> 16) & 255, 0]
}
function str(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')]
  return [...int(bytes.length), ...bytes]
}
function header(options: { minor: number; format?: number; compression: number[] }): Buffer {
  return Buffer.from([
    ...Buffer.from('PGDMP', 'latin1'),
    1,
    options.minor,
    0,
    4,
    8,
    options.format ?? 1,
    ...options.compression,
    ...[29, 27, 16, 25, 10, 126, 0].flatMap(int),
    ...str('we"ird; drop table x --'),
    ...str('15.18 (Debian 15.18-0+deb12u1)'),
    ...str('16.4'),
  ])
}

describe('readArchiveHeader', () => {
  test('reads a 1.14 custom archive header: version, compression level, time, names', async () => {
    const file = join(work, 'a.dump')
    await writeFile(
      file,
      Buffer.concat([header({ minor: 14, compression: int(-1) }), Buffer.alloc(64)]),
    )
    const parsed = (await readArchiveHeader({ path: file }))._unsafeUnwrap()
    expect(parsed).toEqual({
      version: { major: 1, minor: 14, revision: 0, text: '1.14-0' },
      format: 'custom',
      intSize: 4,
      offSize: 8,
      compression: { method: 'gzip', level: -1 },
      createdAt: '2026-11-25 16:27:29',
      database: 'we"ird; drop table x --',
      serverVersion: '15.18 (Debian 15.18-0+deb12u1)',
      pgDumpVersion: '16.4',
    })
  })

  test('reads the compression method byte of 1.15+ archives and the toc.dat of a directory', async () => {
    const dir = join(work, 'archive')
    await mkdir(dir)
    await writeFile(join(dir, 'toc.dat'), header({ minor: 15, format: 5, compression: [3] }))
    const parsed = (await readArchiveHeader({ path: dir }))._unsafeUnwrap()
    expect(parsed.format).toBe('directory')
    expect(parsed.compression).toEqual({ method: 'zstd' })
    expect(parsed.version.text).toBe('1.15-0')
  })

  test('an archive newer than known: the version is still read, the rest left out', async () => {
    const file = join(work, 'new.dump')
    await writeFile(file, Buffer.from([...Buffer.from('PGDMP'), 1, 42, 0, 4, 8, 1, 9, 9]))
    const parsed = (await readArchiveHeader({ path: file }))._unsafeUnwrap()
    expect(parsed.version.text).toBe('1.42-0')
    expect(parsed.database).toBeUndefined()
  })

  test('truncated headers, other files and missing files are refused with their name', async () => {
    const cut = join(work, 'cut.dump')
    await writeFile(cut, header({ minor: 14, compression: int(0) }).subarray(0, 30))
    const truncated = (await readArchiveHeader({ path: cut }))._unsafeUnwrapErr()
    expect(truncated).toMatchObject({ kind: 'ArchiveMalformed', file: cut })
    expect(truncated.message).toContain('truncated')

    const plain = join(work, 'plain.sql')
    await writeFile(plain, '-- PostgreSQL database dump\n')
    const notArchive = (await readArchiveHeader({ path: plain }))._unsafeUnwrapErr()
    expect(notArchive.message).toContain('PGDMP')

    const missing = (await readArchiveHeader({ path: join(work, 'nope') }))._unsafeUnwrapErr()
    expect(missing.kind).toBe('ArchiveUnreadable')
  })
})

describe('snapshot ids and manifests', () => {
  test('ids sort by time and use safe characters only, whatever the database name', () => {
    const early = newSnapshotId({
      database: 'we"ird; drop table x --',
      now: new Date(Date.UTC(2026, 0, 2)),
    })
    const late = newSnapshotId({ database: 'äöü', now: new Date(Date.UTC(2026, 10, 25, 16)) })
    expect(early).toMatch(/^20260102T000000000Z-we_ird_drop_table_x-[0-9a-f]{6}$/)
    expect(late).toMatch(/^20261125T160000000Z-[0-9a-f]{6}$/)
    expect([late, early].sort()).toEqual([early, late])
    expect(isSnapshotId(early) && isSnapshotId(late)).toBe(true)
    expect(isSnapshotId('../../etc')).toBe(false)
  })

  test('readManifest refuses invalid JSON and paths leaving the folder', async () => {
    await writeFile(join(work, 'manifest.json'), '{not json')
    expect((await readManifest({ dir: work }))._unsafeUnwrapErr().kind).toBe('ManifestInvalid')
    const manifest = fakeManifest('20261125T160000000Z-shop-aaaaaa', '2026-11-25T16:00:00.000Z')
    await writeFile(
      join(work, 'manifest.json'),
      JSON.stringify({ ...manifest, files: [{ path: '../x', size: 1, sha256: 'a'.repeat(64) }] }),
    )
    const escaped = (await readManifest({ dir: work }))._unsafeUnwrapErr()
    expect(escaped).toMatchObject({ kind: 'ManifestInvalid' })
    expect(escaped.message).toContain('files[0].path')
    expect((await readManifest({ dir: join(work, 'none') }))._unsafeUnwrapErr().kind).toBe(
      'ManifestUnreadable',
    )
  })
})

function fakeManifest(id: string, createdAt: string, database = 'shop'): SnapshotManifest {
  return {
    manifestVersion: 1,
    kind: 'dump',
    id,
    createdAt,
    database,
    serverVersion: '15.18',
    serverVersionNum: 150018,
    pgDumpVersion: '15.18',
    archiveVersion: '1.14-0',
    format: 'custom',
    options: { format: 'custom', jobs: 1, compression: { method: 'gzip' } },
    archivePath: 'archive.dump',
    files: [{ path: 'archive.dump', size: 0, sha256: 'e'.repeat(64) }],
    tables: [{ schema: 'public', name: 'orders', rows: 1, fingerprint: '1' }],
    durationMs: 1,
  }
}

async function addSnapshot(
  catalogue: string,
  day: number,
  options: { verified?: boolean; database?: string } = {},
): Promise<string> {
  const createdAt = new Date(Date.UTC(2026, 10, day)).toISOString()
  const id = newSnapshotId({ database: options.database ?? 'shop', now: new Date(createdAt) })
  const dir = join(catalogue, id)
  await mkdir(dir, { recursive: true })
  await writeFile(
    join(dir, 'manifest.json'),
    JSON.stringify(fakeManifest(id, createdAt, options.database)),
  )
  if (options.verified === true) {
    await writeFile(
      join(dir, 'verification.json'),
      JSON.stringify({ verifiedAt: createdAt, checks: [] }),
    )
  }
  return id
}

describe('catalogue', () => {
  test('lists published snapshots newest first; temp folders never, broken ones apart', async () => {
    const older = await addSnapshot(work, 1, { verified: true })
    const newer = await addSnapshot(work, 2)
    await mkdir(join(work, `.tmp-${newSnapshotId({ database: 'shop' })}`))
    const broken = newSnapshotId({ database: 'shop' })
    await mkdir(join(work, broken))
    const listed = (await listSnapshots({ catalogueDir: work }))._unsafeUnwrap()
    expect(listed.snapshots.map((s) => s.id)).toEqual([newer, older])
    expect(listed.snapshots.map((s) => s.verifiedAt !== undefined)).toEqual([false, true])
    expect(listed.unreadable.map((u) => u.dir)).toEqual([join(work, broken)])
    const none = (await listSnapshots({ catalogueDir: join(work, 'missing') }))._unsafeUnwrap()
    expect(none.snapshots).toEqual([])
  })

  test('prune by count never removes the newest verified snapshot; by age per database', async () => {
    const verified = await addSnapshot(work, 1, { verified: true })
    const a = await addSnapshot(work, 2)
    const b = await addSnapshot(work, 3)
    const c = await addSnapshot(work, 4)
    const other = await addSnapshot(work, 1, { database: 'crm' })
    const stale = join(work, `.tmp-${newSnapshotId({ database: 'shop' })}`)
    await mkdir(stale)
    await utimes(stale, new Date(2020, 0, 1), new Date(2020, 0, 1))

    const dry = (
      await pruneSnapshots({ catalogueDir: work, keep: 1, dryRun: true })
    )._unsafeUnwrap()
    expect(dry.removed.map((s) => s.id).sort()).toEqual([a, b].sort())
    expect((await readdir(work)).length).toBe(6)

    const pruned = (await pruneSnapshots({ catalogueDir: work, keep: 1 }))._unsafeUnwrap()
    expect(pruned.kept.map((s) => s.id).sort()).toEqual([c, other, verified].sort())
    expect(pruned.staleTemp).toEqual([stale])
    expect((await readdir(work)).sort()).toEqual([c, other, verified].sort())

    const byAge = (
      await pruneSnapshots({
        catalogueDir: work,
        maxAgeMs: 36 * 3_600_000,
        now: Date.UTC(2026, 10, 4, 12),
      })
    )._unsafeUnwrap()
    // c (1.5 days old at most) stays; the only verified one stays; crm's only snapshot is old and unverified.
    expect(byAge.removed.map((s) => s.id)).toEqual([other])
    expect((await pruneSnapshots({ catalogueDir: work }))._unsafeUnwrapErr().kind).toBe(
      'InvalidInput',
    )
  })
})

describe('prune reports, logs and stops between snapshots', () => {
  test('an abort after the first removal keeps the rest; the events and log lines name each one', async () => {
    const kept = await addSnapshot(work, 4)
    const doomed = [
      await addSnapshot(work, 1),
      await addSnapshot(work, 2),
      await addSnapshot(work, 3),
    ]
    const controller = new AbortController()
    const events: string[] = []
    const logged: string[] = []
    const logger = {
      debug: () => undefined,
      info: (_fields: object, message?: string) => void logged.push(message ?? ''),
      warn: () => undefined,
      error: () => undefined,
    }
    const pruned = await pruneSnapshots({
      catalogueDir: work,
      keep: 1,
      signal: controller.signal,
      logger,
      onProgress: (event) => {
        events.push(`${event.phase} ${event.snapshot}`)
        if (event.phase === 'removed') controller.abort(new Error('operator pressed Ctrl-C'))
      },
    })
    expect(pruned._unsafeUnwrapErr().kind).toBe('Aborted')
    // Exactly one went (the oldest first is not promised: whichever came first), the rest stay.
    const left = await readdir(work)
    expect(left).toContain(kept)
    expect(doomed.filter((id) => left.includes(id))).toHaveLength(2)
    expect(events).toHaveLength(2)
    expect(events[0]).toMatch(/^removing /)
    expect(events[1]).toBe(events[0]?.replace('removing', 'removed'))
    expect(logged).toEqual([expect.stringMatching(/^removed snapshot /)])

    // An aborted signal stops list and prune before anything is read or removed.
    const listed = await listSnapshots({ catalogueDir: work, signal: controller.signal })
    expect(listed._unsafeUnwrapErr().kind).toBe('Aborted')
    expect(
      (
        await pruneSnapshots({ catalogueDir: work, keep: 1, signal: controller.signal })
      )._unsafeUnwrapErr().kind,
    ).toBe('Aborted')
    expect((await readdir(work)).sort()).toEqual(left.sort())
  })
})

describe('options are checked before anything is touched', () => {
  test('dump: jobs need the directory format; plain dumps are not compressed', async () => {
    const catalogueDir = join(work, 'never-created')
    const base = { connection: 'postgres://nobody@127.0.0.1:1/shop', catalogueDir }
    const jobs = (await dumpSnapshot({ ...base, format: 'custom', jobs: 2 }))._unsafeUnwrapErr()
    expect(jobs).toMatchObject({ kind: 'InvalidInput', field: 'jobs' })
    const plain = await dumpSnapshot({ ...base, format: 'plain', compression: { method: 'gzip' } })
    expect(plain._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidInput', field: 'compression' })
    expect(await readdir(work)).toEqual([])
  })

  test('restore: in-place cannot run jobs in parallel nor take a clone', async () => {
    const base = { connection: 'postgres://nobody@127.0.0.1:1/shop' }
    const jobs = await restoreSnapshot({
      ...base,
      snapshot: { kind: 'dump', dir: work },
      mode: 'in-place',
      jobs: 4,
    })
    expect(jobs._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidInput', field: 'jobs' })
    const clone = await restoreSnapshot({
      ...base,
      snapshot: { kind: 'clone', name: 'rk_snap_x' },
      mode: 'in-place',
    })
    expect(clone._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidInput', field: 'mode' })
  })
})
