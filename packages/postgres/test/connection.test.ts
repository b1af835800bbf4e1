import { describe, expect, test } from 'vitest'
import { existsSync, readFileSync, statSync } from 'node:fs'
import {
  childProcessEnv,
  classifyPgError,
  conninfoDbname,
  redactConnection,
  resolveConnection,
} from '@rollback-kit/postgres'

describe('resolveConnection', () => {
  test('decodes every percent-encoded character of the database and user', () => {
    const name = 'we"ird; drop table x -- ünï#/?'
    const url = `postgres://app%20user:p%40ss%3Aword@db.internal:5433/${encodeURIComponent(name)}?sslmode=disable`
    const resolved = resolveConnection(url)._unsafeUnwrap()
    expect(resolved.database).toBe(name)
    expect(resolved.user).toBe('app user')
    expect(resolved.password).toBe('p@ss:word')
    expect(resolved.host).toBe('db.internal')
    expect(resolved.port).toBe(5433)
  })

  test('passes TLS options of a config object through', () => {
    const ssl = { rejectUnauthorized: false, ca: 'PEM' }
    const resolved = resolveConnection({
      host: 'db',
      user: 'u',
      database: 'd',
      ssl,
    })._unsafeUnwrap()
    expect(resolved.ssl).toEqual(ssl)
  })

  test('refuses an unparsable URL without repeating it', () => {
    const error = resolveConnection('postgres://u:secretpw@[::1')._unsafeUnwrapErr()
    expect(error.kind).toBe('InvalidInput')
    expect(JSON.stringify(error)).not.toContain('secretpw')
  })

  test('replaces the database when asked', () => {
    expect(
      resolveConnection('postgres://u@h/shop', { database: 'postgres' })._unsafeUnwrap().database,
    ).toBe('postgres')
  })
})

describe('redactConnection', () => {
  test('hides the password of URLs and objects', () => {
    expect(redactConnection('postgres://app:hunter22@db:5432/shop')).toBe(
      'postgres://app:***@db:5432/shop',
    )
    const shown = redactConnection({ host: 'db', user: 'app', password: 'hunter22', database: 's' })
    expect(shown).not.toContain('hunter22')
    expect(shown).toBe('postgres://app:***@db:5432/s')
  })
})

describe('classifyPgError', () => {
  test.each([
    ['08006', 'ConnectionFailed', true],
    ['28P01', 'AuthenticationFailed', false],
    ['3D000', 'DatabaseNotFound', false],
    ['42P04', 'DatabaseExists', false],
    ['55006', 'ObjectInUse', true],
    ['57014', 'QueryCanceled', false],
    ['40P01', 'Deadlock', true],
    ['57P01', 'ConnectionFailed', true],
    ['42501', 'InsufficientPrivilege', false],
    ['42P01', 'QueryFailed', false],
  ])('SQLSTATE %s is %s', (code, kind, retryable) => {
    const error = classifyPgError({ code, message: 'x' }, { doing: 'testing', database: 'shop' })
    expect(error.kind).toBe(kind)
    expect(error.retryable).toBe(retryable)
    expect(error).toMatchObject({ sqlState: code, database: 'shop', message: 'testing: x' })
  })

  test('socket errors are retryable ConnectionFailed', () => {
    const error = classifyPgError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' })
    expect(error.kind).toBe('ConnectionFailed')
    expect(error.retryable).toBe(true)
  })
})

describe('conninfoDbname', () => {
  test('quotes quotes and backslashes', () => {
    expect(conninfoDbname("it's \\ odd")).toBe("dbname='it\\'s \\\\ odd'")
  })
})

describe('childProcessEnv', () => {
  test('TLS settings become PGSSLMODE and 0600 certificate files', async () => {
    const relaxed = (
      await childProcessEnv({
        host: 'db',
        user: 'u',
        database: 'd',
        ssl: { rejectUnauthorized: false },
      })
    )._unsafeUnwrap()
    expect(relaxed.env['PGSSLMODE']).toBe('require')
    await relaxed.release()

    const pinned = (
      await childProcessEnv({
        host: 'db',
        user: 'u',
        password: 'pw:with\\colon',
        database: 'd',
        ssl: { ca: 'ROOT PEM' },
      })
    )._unsafeUnwrap()
    expect(pinned.env['PGSSLMODE']).toBe('verify-full')
    const ca = pinned.env['PGSSLROOTCERT']!
    expect(readFileSync(ca, 'utf8')).toBe('ROOT PEM')
    expect(statSync(ca).mode & 0o777).toBe(0o600)
    expect(readFileSync(pinned.passfile!, 'utf8')).toBe('*:*:*:*:pw\\:with\\\\colon\n')
    expect(pinned.secrets).toEqual(['pw:with\\colon'])
    expect(Object.values(pinned.env).join(' ')).not.toContain('pw:with')
    await pinned.release()
    expect(existsSync(ca)).toBe(false)
  })

  test('without a password no passfile is written, and ~/.pgpass is not consulted', async () => {
    const none = (await childProcessEnv('postgres://u@db/d'))._unsafeUnwrap()
    expect(none.passfile).toBeUndefined()
    expect(existsSync(none.env['PGPASSFILE']!)).toBe(false)
    expect(none.env['PGDATABASE']).toBe('d')
    await none.release()
  })

  test('a password with a line break is refused (a passfile cannot hold it)', async () => {
    const refused = await childProcessEnv({
      host: 'db',
      user: 'u',
      password: 'a\nb',
      database: 'd',
    })
    expect(refused._unsafeUnwrapErr()).toMatchObject({
      kind: 'InvalidInput',
      field: 'connection.password',
    })
  })
})
