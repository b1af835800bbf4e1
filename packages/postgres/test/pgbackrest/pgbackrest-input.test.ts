// Boundary checks and output parsing of the pgBackRest blocks: no service needed. A hostile
// value must be refused before any program runs: the stanza names a program that does not
// exist, so reaching it would give CommandNotFound instead of InvalidInput.
import {
  backup,
  checkSetup,
  cleanUpPointRestores,
  listBackups,
  markRestorePoint,
  restoreToPoint,
  undoRestoreToPoint,
  verifyRepository,
  type PgBackRestStanza,
  type RestoreToPointOptions,
} from '@rollback-kit/postgres/pgbackrest'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Result, ResultAsync } from 'neverthrow'
import { describe, expect, test } from 'vitest'
import { archiveCommandProblem, shellWords } from '../../src/pgbackrest/internal/archive-command.js'
import { chooseBackupSet } from '../../src/pgbackrest/internal/choose-set.js'
import { parseInfo, type InfoStanza } from '../../src/pgbackrest/internal/info-json.js'
import { pointPaths } from '../../src/pgbackrest/internal/point-paths.js'
import {
  confValue,
  recoveryTime,
  renderRecoveryBlock,
} from '../../src/pgbackrest/internal/recovery-settings.js'
import { errorCode, errorLine } from '../../src/pgbackrest/internal/run-pgbackrest.js'
import { parseIni } from '../../src/pgbackrest/internal/stanza-config.js'
import {
  findingsOf,
  isDamaged,
  parseVerifySummary,
} from '../../src/pgbackrest/internal/verify-output.js'
import { compareVersions } from '../../src/pgbackrest/internal/versions.js'
import { checkTarget } from '../../src/pgbackrest/restore-target.js'

const missingProgram = '/nonexistent/pgbackrest-never-run'
const connection = 'postgres://postgres@127.0.0.1:1/postgres'

const HOSTILE_STANZAS = [
  '',
  '../etc',
  'a/b',
  'a b',
  'x;rm -rf /',
  '-x',
  '.hidden',
  'a..b',
  'name\nnext',
  "it's",
  'x'.repeat(65),
]

describe('hostile stanza names are refused before anything runs', () => {
  const errorOf = (result: Result<unknown, unknown>): unknown =>
    result.isErr() ? result.error : undefined
  const calls: [string, (stanza: PgBackRestStanza) => Promise<unknown>][] = [
    ['checkSetup', async (stanza) => errorOf(await checkSetup({ stanza, connection }))],
    ['backup', async (stanza) => errorOf(await backup({ stanza, type: 'full' }))],
    ['listBackups', async (stanza) => errorOf(await listBackups({ stanza }))],
    ['verifyRepository', async (stanza) => errorOf(await verifyRepository({ stanza }))],
    [
      'markRestorePoint',
      async (stanza) => errorOf(await markRestorePoint({ stanza, connection, name: 'p' })),
    ],
    [
      'restoreToPoint',
      async (stanza) =>
        errorOf(
          await restoreToPoint({
            stanza,
            connection,
            target: { kind: 'name', name: 'p' },
            verify: { kind: 'readable' },
          }),
        ),
    ],
    [
      'undoRestoreToPoint',
      async (stanza) =>
        errorOf(
          await undoRestoreToPoint({
            stanza,
            connection,
            receipt: {
              dataDirectory: '/srv/data',
              previous: '/srv/data.rk-prev-20261203t000000000z-abcdef',
            },
          }),
        ),
    ],
    [
      'cleanUpPointRestores',
      async (stanza) =>
        errorOf(await cleanUpPointRestores({ stanza, connection, dataDirectory: '/srv/data' })),
    ],
  ]
  for (const [name, call] of calls) {
    test(name, async () => {
      for (const hostile of HOSTILE_STANZAS) {
        expect(await call({ name: hostile, command: missingProgram })).toMatchObject({
          kind: 'InvalidInput',
          field: 'stanza.name',
        })
      }
    })
  }

  test('other hostile stanza fields', async () => {
    const base = { name: 'main', command: missingProgram }
    const cases: [PgBackRestStanza, string][] = [
      [{ ...base, configFile: 'relative.conf' }, 'stanza.configFile'],
      [{ ...base, configFile: '/etc/x\n--repo1-path=/' }, 'stanza.configFile'],
      [{ ...base, runAs: 'root; id' }, 'stanza.runAs'],
      [{ ...base, secretEnv: { 'BAD NAME': 'x' } }, 'stanza.secretEnv'],
    ]
    for (const [stanza, field] of cases) {
      expect((await listBackups({ stanza }))._unsafeUnwrapErr()).toMatchObject({
        kind: 'InvalidInput',
        field,
      })
    }
    // A valid stanza does reach the program: the missing one.
    expect((await listBackups({ stanza: base }))._unsafeUnwrapErr().kind).toBe('CommandNotFound')
  })
})

describe('restore point names', () => {
  const stanza = { name: 'main', command: missingProgram }
  test('empty, too long (bytes, not characters) or with control characters: InvalidInput', async () => {
    for (const name of [
      '',
      'é'.repeat(32),
      'x'.repeat(64),
      'line\nbreak',
      'tab\there',
      'nul\u0000',
    ]) {
      const result = await markRestorePoint({ stanza, connection, name })
      expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidInput', field: 'name' })
    }
  })
  test('quotes, backslashes, SQL and any letters are accepted (63 bytes fits)', () => {
    for (const name of [
      `it's "x"; DROP TABLE t; --`,
      'back\\slash',
      'ünï ✓',
      'é'.repeat(31) + 'x',
    ]) {
      expect(checkTarget({ kind: 'name', name }).isOk()).toBe(true)
    }
  })
  test('targets are checked: kind, time, LSN', () => {
    expect(checkTarget({ kind: 'time', time: 'yesterday-ish' })._unsafeUnwrapErr().field).toBe(
      'target.time',
    )
    expect(checkTarget({ kind: 'lsn', lsn: '0/XYZ' })._unsafeUnwrapErr().field).toBe('target.lsn')
    expect(checkTarget({ kind: 'name', name: 'a', lsn: 'nope' })._unsafeUnwrapErr().field).toBe(
      'target.lsn',
    )
    expect(
      checkTarget({ kind: 'xid' } as unknown as Parameters<
        typeof checkTarget
      >[0])._unsafeUnwrapErr().field,
    ).toBe('target.kind')
  })
})

describe('restoreToPoint options', () => {
  const base: RestoreToPointOptions = {
    stanza: { name: 'main', command: missingProgram },
    connection,
    target: { kind: 'name', name: 'p' },
    verify: { kind: 'readable' },
  }
  const cases: [Partial<RestoreToPointOptions>, string][] = [
    [{ verify: [] }, 'verify'],
    [{ verify: { kind: 'fingerprints', databases: {} } }, 'verify'],
    [
      { mode: { kind: 'delta-in-place' } as unknown as RestoreToPointOptions['mode'] & object },
      'mode',
    ],
    [
      {
        mode: { kind: 'delta-in-place', destructive: true },
        verify: { kind: 'same-as-live', databases: ['a'] },
      },
      'verify',
    ],
    [{ port: 70_000 }, 'port'],
    [{ targetTimeline: 0 }, 'targetTimeline'],
    [{ backupSet: '../../x' }, 'backupSet'],
    [{ recoveryTimeoutMs: -1 }, 'recoveryTimeoutMs'],
    [{ serverLogFile: 'relative.log' }, 'serverLogFile'],
  ]
  test.each(cases)('%o is refused on %s', async (extra, field) => {
    const result = await restoreToPoint({ ...base, ...extra })
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidInput', field })
  })
})

describe('reading pgbackrest output', () => {
  test('info keeps the 64-bit system identifier exact', () => {
    const [stanza] = parseInfo(
      '[{"name":"main","cipher":"none","status":{"code":2,"message":"no valid backups","lock":{"backup":{"held":false}}},"repo":[{"key":1,"cipher":"none","status":{"code":2,"message":"no valid backups"}}],"db":[{"id":1,"repo-key":1,"system-id":7714988599983460769,"version":"15"}],"archive":[],"backup":[]}]',
    )
    expect(stanza?.databases[0]?.systemId).toBe('7714988599983460769')
    expect(stanza?.statusCode).toBe(2)
  })

  test('verify: the summary decides, and the log names the damaged files', () => {
    const summary = parseVerifySummary(`stanza: demo
status: error
  archiveId: 15-1, total WAL checked: 3, total valid WAL: 3
    missing: 0, checksum invalid: 0, size invalid: 0, other: 0
  backup: 20261203-122420F, status: invalid, total files checked: 964, total valid files: 962
    missing: 1, checksum invalid: 1, size invalid: 0, other: 0
`)
    expect(summary.status).toBe('error')
    expect(summary.items.filter(isDamaged).map((i) => i.id)).toEqual(['20261203-122420F'])
    expect(
      findingsOf(`INFO: verify command begin 2.45: --stanza=demo
INFO: invalid checksum '20261203-122420F/pg_data/base/1/1247.gz'
INFO: file missing '20261203-122420F/pg_data/base/1/1249.gz'
INFO: stanza: demo
INFO: verify command end: completed successfully (261ms)`),
    ).toEqual([
      "invalid checksum '20261203-122420F/pg_data/base/1/1247.gz'",
      "file missing '20261203-122420F/pg_data/base/1/1249.gz'",
    ])
  })

  test('error codes and lines', () => {
    const output = `ERROR: [082]: WAL segment 000000010000000000000001 was not archived before the 3000ms timeout
       HINT: check the archive_command`
    expect(errorCode(output)).toBe(82)
    expect(errorLine(output)).toBe(
      '[082]: WAL segment 000000010000000000000001 was not archived before the 3000ms timeout',
    )
  })

  test('pgbackrest.conf sections', () => {
    const sections = parseIni('[global]\nrepo1-path=/r\n# c\n[main]\npg1-path = /d\n')
    expect(sections.get('main')?.get('pg1-path')).toBe('/d')
    expect(sections.get('global')?.get('repo1-path')).toBe('/r')
  })
})

describe('archive_command', () => {
  const expected = { stanza: 'main', configFile: '/etc/pgb.conf' }
  test.each([
    [`pgbackrest --config=/etc/pgb.conf --stanza=main archive-push %p`, undefined],
    [`/usr/bin/pgbackrest '--config=/etc/pgb.conf' "--stanza=main" archive-push %p`, undefined],
    [`pgbackrest --config /etc/pgb.conf --stanza main archive-push "%p"`, undefined],
    [`PGBACKREST_STANZA=main pgbackrest --config=/etc/pgb.conf archive-push %p`, undefined],
    [
      `test ! -f /tmp/stop && pgbackrest --config=/etc/pgb.conf --stanza=main archive-push %p`,
      undefined,
    ],
    [`cp %p /archive/%f`, 'it does not run pgbackrest'],
    [
      `pgbackrest --config=/etc/pgb.conf --stanza=main archive-get %f %p`,
      'it does not run pgbackrest archive-push',
    ],
    [`pgbackrest --config=/etc/pgb.conf archive-push %p`, 'it names no stanza'],
    [
      `pgbackrest --config=/etc/pgb.conf --stanza=main2 archive-push %p`,
      'it pushes to stanza "main2", not "main"',
    ],
    [
      `pgbackrest --stanza=main archive-push %p`,
      'it reads the configuration /etc/pgbackrest/pgbackrest.conf, not /etc/pgb.conf',
    ],
  ])('%s', (command, problem) => {
    expect(archiveCommandProblem(command, expected)).toBe(problem)
  })
  test('shell words', () => {
    expect(shellWords(`a 'b c' "d \\" e" f\\ g;h`)).toEqual(['a', 'b c', 'd " e', 'f g', 'h'])
  })
})

describe('recovery settings', () => {
  test('values are quoted for postgresql.conf, so a name cannot end the string or add a line', () => {
    expect(confValue(`it's`)).toBe(`'it''s'`)
    expect(confValue('back\\slash')).toBe(`'back\\\\slash'`)
    const block = renderRecoveryBlock({
      runId: '20261203t000000000z-abcdef',
      target: { kind: 'name', name: `x'; restore_command = 'evil`, lsn: undefined },
      timeline: 'current',
      side: { port: 5999, socketDir: '/d' },
    })
    expect(block).toContain(`recovery_target_name = 'x''; restore_command = ''evil'`)
    expect(block.split('\n').filter((line) => line.startsWith('restore_command'))).toEqual([])
    expect(block).toContain(`archive_command = ''`)
    expect(recoveryTime(new Date('2026-12-03T10:00:00.123Z'))).toBe('2026-12-03 10:00:00.123+00')
  })
})

describe('choosing the backup', () => {
  const backupOf = (label: string, stop: number, lsn: string) => ({
    label,
    type: 'full' as const,
    prior: null,
    reference: [],
    error: false,
    archiveStart: null,
    archiveStop: null,
    lsnStart: null,
    lsnStop: lsn,
    timestampStart: stop - 5,
    timestampStop: stop,
    pgbackrestVersion: '2.45',
    databaseId: 1,
    size: 0,
    delta: 0,
    repositorySize: 0,
    repositoryDelta: 0,
  })
  const info: InfoStanza = {
    name: 'main',
    cipher: 'none',
    statusCode: 0,
    statusMessage: 'ok',
    backupLockHeld: false,
    repos: [],
    databases: [{ id: 1, systemId: '1', version: '15' }],
    archives: [],
    backups: [
      backupOf('20261203-100000F', 1_000, '0/2000100'),
      backupOf('20261203-110000F', 2_000, '0/9000100'),
    ],
  }
  test('the newest backup that ended before the target', () => {
    expect(
      chooseBackupSet(info, { kind: 'time', time: new Date(1_500_000) }, undefined)._unsafeUnwrap()
        .label,
    ).toBe('20261203-100000F')
    expect(
      chooseBackupSet(info, { kind: 'lsn', lsn: '0/A000000' }, undefined)._unsafeUnwrap().label,
    ).toBe('20261203-110000F')
    // A named point with its LSN (from markRestorePoint) never gets a backup made after it.
    expect(
      chooseBackupSet(
        info,
        { kind: 'name', name: 'p', lsn: '0/5000000' },
        undefined,
      )._unsafeUnwrap().label,
    ).toBe('20261203-100000F')
    expect(
      chooseBackupSet(info, { kind: 'lsn', lsn: '0/1000000' }, undefined)._unsafeUnwrapErr().kind,
    ).toBe('NoBackupForTarget')
    expect(
      chooseBackupSet(info, { kind: 'lsn', lsn: '0/1' }, '20261203-999999F')._unsafeUnwrapErr()
        .kind,
    ).toBe('InvalidInput')
  })
  test('versions: PostgreSQL major, system identifier, a newer pgBackRest', () => {
    const installed = { major: 15, systemId: '1', pgbackrest: '2.45' }
    expect(compareVersions(info, installed).mismatch).toBeUndefined()
    expect(compareVersions(info, { ...installed, major: 16 }).mismatch?.component).toBe(
      'postgresql',
    )
    expect(compareVersions(info, { ...installed, systemId: '2' }).mismatch?.component).toBe(
      'system-identifier',
    )
    const newer = {
      ...info,
      backups: [{ ...backupOf('20261203-120000F', 3_000, '0/A'), pgbackrestVersion: '2.54.1' }],
    }
    expect(compareVersions(newer, installed).mismatch).toMatchObject({
      component: 'pgbackrest',
      expected: '2.54.1',
      actual: '2.45',
    })
    expect(compareVersions(info, { ...installed, systemId: undefined }).skipped).toHaveLength(1)
  })
})

describe('paths beside the data directory', () => {
  test('siblings are recognised by name and run id only', () => {
    const paths = pointPaths('/srv/pg/data')
    expect(paths.incoming('20261203t000000000z-abcdef')).toBe(
      '/srv/pg/data.rk-restore-20261203t000000000z-abcdef',
    )
    expect(paths.classify('data.rk-restore-20261203t000000000z-abcdef')).toEqual({
      what: 'restore',
      runId: '20261203t000000000z-abcdef',
    })
    expect(paths.classify('data.rk-restore-20261203t000000000z-abcdef.log')?.what).toBe(
      'restore-log',
    )
    expect(paths.classify('data.rk-prev-20261203t000000000z-abcdef')?.what).toBe('prev')
    for (const other of [
      'data',
      'data2.rk-restore-20261203t000000000z-abcdef',
      'data.rk-restore-x',
      'data.rk-prev-20261203t000000000z-abcdef.log',
    ]) {
      expect(paths.classify(other)).toBeUndefined()
    }
  })
})

describe('durations and other options of every block', () => {
  const stanza = { name: 'main', command: missingProgram }
  const bad = [-1, 0, Number.NaN, Number.POSITIVE_INFINITY]
  const errorOf = (result: Result<unknown, unknown>): unknown =>
    result.isErr() ? result.error : undefined
  const calls: [string, string, (value: number) => Promise<unknown>][] = [
    [
      'markRestorePoint',
      'timeoutMs',
      async (timeoutMs) =>
        errorOf(await markRestorePoint({ stanza, connection, name: 'p', timeoutMs })),
    ],
    [
      'backup',
      'timeoutMs',
      async (timeoutMs) => errorOf(await backup({ stanza, type: 'full', timeoutMs })),
    ],
    [
      'verifyRepository',
      'timeoutMs',
      async (timeoutMs) => errorOf(await verifyRepository({ stanza, timeoutMs })),
    ],
    [
      'checkSetup',
      'archiveTimeoutMs',
      async (archiveTimeoutMs) =>
        errorOf(await checkSetup({ stanza, connection, archiveTimeoutMs })),
    ],
    ...(['stopTimeoutMs', 'startTimeoutMs'] as const).map(
      (field): [string, string, (value: number) => Promise<unknown>] => [
        'undoRestoreToPoint',
        field,
        async (value) =>
          errorOf(
            await undoRestoreToPoint({
              stanza,
              connection,
              receipt: {
                dataDirectory: '/srv/data',
                previous: '/srv/data.rk-prev-20261203t000000000z-abcdef',
              },
              [field]: value,
            }),
          ),
      ],
    ),
  ]
  test.each(calls)('%s refuses a %s that is not a positive number', async (_, field, call) => {
    for (const value of bad) {
      expect(await call(value)).toMatchObject({ kind: 'InvalidInput', field })
    }
  })

  test('markRestorePoint: databases to fingerprint must be names', async () => {
    for (const fingerprint of [[''], ['a\nb'], [42 as unknown as string], ['x'.repeat(64)]]) {
      const result = await markRestorePoint({ stanza, connection, name: 'p', fingerprint })
      expect(result._unsafeUnwrapErr()).toMatchObject({
        kind: 'InvalidInput',
        field: 'fingerprint',
      })
    }
  })

  test('undoRestoreToPoint: a previous data directory that a restore did not keep', async () => {
    const receipt = (previous: string | undefined) => ({ dataDirectory: '/srv/data', previous })
    for (const previous of [
      '/srv/other.rk-prev-20261203t000000000z-abcdef',
      '/srv/data.rk-restore-20261203t000000000z-abcdef',
      '/srv/data.rk-prev-20261203t000000000z-abcdef/../../etc',
      'data.rk-prev-20261203t000000000z-abcdef',
      '/',
    ]) {
      const result = await undoRestoreToPoint({ stanza, connection, receipt: receipt(previous) })
      expect(result._unsafeUnwrapErr()).toMatchObject({
        kind: 'InvalidInput',
        field: 'receipt.previous',
      })
    }
    for (const dataDirectory of ['', 'srv/data', '/srv/da\nta']) {
      const result = await undoRestoreToPoint({
        stanza,
        connection,
        receipt: { dataDirectory, previous: '/srv/data.rk-prev-20261203t000000000z-abcdef' },
      })
      expect(result._unsafeUnwrapErr()).toMatchObject({
        kind: 'InvalidInput',
        field: 'receipt.dataDirectory',
      })
    }
    const none = await undoRestoreToPoint({ stanza, connection, receipt: receipt(undefined) })
    expect(none._unsafeUnwrapErr().kind).toBe('NoPreviousDataDirectory')
  })
})

describe('an aborted signal is honoured before anything runs', () => {
  // The stanza names a missing program: reaching it would give CommandNotFound, not Aborted.
  const stanza = { name: 'main', command: missingProgram }
  const signal = AbortSignal.abort()
  const calls: [string, () => ResultAsync<unknown, { kind: string }>][] = [
    ['checkSetup', () => checkSetup({ stanza, connection, signal })],
    ['backup', () => backup({ stanza, type: 'full', signal })],
    ['listBackups', () => listBackups({ stanza, signal })],
    ['verifyRepository', () => verifyRepository({ stanza, signal })],
    ['markRestorePoint', () => markRestorePoint({ stanza, connection, name: 'p', signal })],
    [
      'restoreToPoint',
      () =>
        restoreToPoint({
          stanza,
          connection,
          target: { kind: 'name', name: 'p' },
          verify: { kind: 'readable' },
          signal,
        }),
    ],
    [
      'cleanUpPointRestores',
      () => cleanUpPointRestores({ stanza, connection, dataDirectory: '/srv/data', signal }),
    ],
  ]
  test.each(calls)('%s', async (_, call) => {
    expect((await call())._unsafeUnwrapErr().kind).toBe('Aborted')
  })

  test('undoRestoreToPoint', async () => {
    // The kept data directory exists, so only the signal can stop the undo before the switch.
    const parent = mkdtempSync(join(tmpdir(), 'rk-pgbr-input-'))
    try {
      const previous = join(parent, 'data.rk-prev-20261203t000000000z-abcdef')
      mkdirSync(previous)
      const dataDirectory = join(parent, 'data')
      const result = await undoRestoreToPoint({
        stanza,
        connection,
        receipt: { dataDirectory, previous },
        signal,
      })
      expect(result._unsafeUnwrapErr().kind).toBe('Aborted')
      expect(existsSync(previous)).toBe(true)
    } finally {
      rmSync(parent, { recursive: true, force: true })
    }
  })
})
