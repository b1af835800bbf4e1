// @needs postgres
import { startPostgres, type PostgresCluster } from '@rollback-kit/testing'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  checkAssertion,
  compareDatabases,
  countRecentRows,
  countRows,
  fingerprintDatabase,
  fingerprintInSession,
  fingerprintTable,
  verifyIntegrity,
  withClient,
  FINGERPRINT_ALGORITHM,
  type IntegrityProgress,
} from '@rollback-kit/postgres'

const WEIRD = 'we"ird; drop table x -- ünï'
let pg: PostgresCluster
let shop: string
let weird: string

const SEED = `
  CREATE TABLE customers (id int PRIMARY KEY, name text, balance money, avatar bytea);
  CREATE TABLE orders (
    id int PRIMARY KEY, customer_id int REFERENCES customers(id), total float8,
    created_at timestamptz NOT NULL, wait interval, note text
  );
  CREATE SCHEMA "Odd Schema";
  CREATE TABLE "Odd Schema"."Line.Items" (id int, "Qty" numeric);
  INSERT INTO customers VALUES (1, 'Ada', 12.5, '\\x00ff'), (2, NULL, 0, NULL), (3, '', 1, '\\x');
  INSERT INTO orders VALUES
    (1, 1, 1.0/7, now() - interval '10 minutes', interval '1 day 2 hours', 'fresh'),
    (2, 2, 2.5, now() - interval '2 hours', NULL, NULL),
    (3, 1, 1e-300, now() - interval '59 minutes', interval '-3 months', 'dup'),
    (4, 1, 1e-300, now() - interval '59 minutes', interval '-3 months', 'dup');
  INSERT INTO "Odd Schema"."Line.Items" VALUES (1, 2.50), (1, 2.50);
`

beforeAll(async () => {
  pg = (await startPostgres())._unsafeUnwrap()
  shop = (await pg.createDatabase('integrity_shop'))._unsafeUnwrap()
  ;(await pg.query(SEED, { database: 'integrity_shop' }))._unsafeUnwrap()
  weird = (await pg.createDatabase(WEIRD, { template: 'integrity_shop' }))._unsafeUnwrap()
})
afterAll(async () => {
  await pg?.stop()
})

describe('fingerprintDatabase', () => {
  test('covers every user table with schema-qualified names and exact counts', async () => {
    const events: IntegrityProgress[] = []
    const fp = (
      await fingerprintDatabase({ connection: shop, onProgress: (e) => events.push(e) })
    )._unsafeUnwrap()
    expect(fp.database).toBe('integrity_shop')
    expect(Object.keys(fp.tables).sort()).toEqual(
      ['"Odd Schema"."Line.Items"', 'public.customers', 'public.orders'].sort(),
    )
    expect(fp.tables['public.orders']).toMatchObject({ schema: 'public', name: 'orders', rows: 4 })
    expect(fp.tables['"Odd Schema"."Line.Items"']?.rows).toBe(2)
    expect(events.map((e) => e.done)).toEqual([1, 2, 3])
  })

  test('is stable across sessions whatever their TimeZone, DateStyle and float settings', async () => {
    const first = (await fingerprintDatabase({ connection: shop }))._unsafeUnwrap()
    // New sessions of this database now start with very different display settings.
    for (const setting of [
      "SET TimeZone = 'Pacific/Chatham'",
      "SET DateStyle = 'SQL, DMY'",
      "SET IntervalStyle = 'iso_8601'",
      'SET extra_float_digits = -3',
      "SET bytea_output = 'escape'",
    ]) {
      ;(await pg.query(`ALTER DATABASE integrity_shop ${setting}`))._unsafeUnwrap()
    }
    try {
      // Proof that the settings reach a plain session and would change a naive hash.
      const naive = (
        await pg.query<{ t: string }>('SELECT min(created_at)::text AS t FROM orders', {
          database: 'integrity_shop',
        })
      )._unsafeUnwrap()
      expect(naive[0]?.t).not.toMatch(/^\d{4}-/)
      const second = (await fingerprintDatabase({ connection: shop }))._unsafeUnwrap()
      expect(second.tables).toEqual(first.tables)
    } finally {
      ;(await pg.query('ALTER DATABASE integrity_shop RESET ALL'))._unsafeUnwrap()
    }
  })

  test('one changed row changes that table only; compareDatabases reports it', async () => {
    ;(await pg.createDatabase('integrity_copy', { template: 'integrity_shop' }))._unsafeUnwrap()
    const copy = pg.urlFor({ database: 'integrity_copy' })
    const same = (await compareDatabases({ expected: shop, actual: copy }))._unsafeUnwrap()
    expect(same).toEqual({ equal: true, compared: 3, differences: [] })

    ;(
      await pg.query("UPDATE orders SET note = 'fresh!' WHERE id = 1", {
        database: 'integrity_copy',
      })
    )._unsafeUnwrap()
    const changed = (await compareDatabases({ expected: shop, actual: copy }))._unsafeUnwrap()
    expect(changed.equal).toBe(false)
    expect(changed.differences).toHaveLength(1)
    expect(changed.differences[0]).toMatchObject({
      table: 'public.orders',
      difference: 'content',
      expected: { rows: 4 },
      actual: { rows: 4 },
    })

    // Removing one of two duplicate rows is seen (a xor-based hash would miss it).
    ;(
      await pg.query(
        'DELETE FROM "Odd Schema"."Line.Items" WHERE ctid = (SELECT min(ctid) FROM "Odd Schema"."Line.Items")',
        { database: 'integrity_copy' },
      )
    )._unsafeUnwrap()
    ;(await pg.query('CREATE TABLE extra (x int)', { database: 'integrity_copy' }))._unsafeUnwrap()
    const more = (await compareDatabases({ expected: shop, actual: copy }))._unsafeUnwrap()
    expect(more.differences.map((d) => [d.table, d.difference])).toEqual([
      ['"Odd Schema"."Line.Items"', 'rows'],
      ['public.extra', 'unexpected'],
      ['public.orders', 'content'],
    ])
  })

  test('a table with a column named like the row alias is still hashed whole', async () => {
    ;(await pg.createDatabase('integrity_alias'))._unsafeUnwrap()
    const url = pg.urlFor({ database: 'integrity_alias' })
    ;(
      await pg.query('CREATE TABLE b (t int, u int); INSERT INTO b VALUES (1, 2)', {
        database: 'integrity_alias',
      })
    )._unsafeUnwrap()
    const before = (await fingerprintTable({ connection: url, table: 'b' }))._unsafeUnwrap()
    ;(await pg.query('UPDATE b SET u = 3', { database: 'integrity_alias' }))._unsafeUnwrap()
    const after = (await fingerprintTable({ connection: url, table: 'b' }))._unsafeUnwrap()
    expect(after.fingerprint).not.toBe(before.fingerprint)
  })

  test("fingerprintInSession gives the same values in a caller's session and restores its settings", async () => {
    const whole = (await fingerprintDatabase({ connection: shop }))._unsafeUnwrap()
    const inside = await withClient(shop, (session) =>
      session
        .query("SET TimeZone = 'Asia/Tokyo'")
        .andThen(() => session.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'))
        .andThen(() => fingerprintInSession(session))
        .andThen((fp) => session.query('COMMIT').map(() => fp))
        .andThen((fp) =>
          session.query<{ tz: string }>("SELECT current_setting('TimeZone') AS tz").map((rows) => ({
            fp,
            tz: rows[0]?.tz,
          })),
        ),
    )
    const { fp, tz } = inside._unsafeUnwrap()
    expect(fp.tables).toEqual(whole.tables)
    expect(tz).toBe('Asia/Tokyo')
  })

  test('works on a database named we"ird; drop table x --', async () => {
    const a = (await fingerprintDatabase({ connection: shop }))._unsafeUnwrap()
    const b = (await fingerprintDatabase({ connection: weird }))._unsafeUnwrap()
    expect(b.database).toBe(WEIRD)
    expect(b.tables).toEqual(a.tables)
  })
})

describe('fingerprint algorithms', () => {
  test('v2 hashes rows of hashable types without text; other tables keep the text path', async () => {
    ;(await pg.createDatabase('integrity_algo'))._unsafeUnwrap()
    const db = { database: 'integrity_algo' }
    const url = pg.urlFor(db)
    ;(
      await pg.query(
        `CREATE TABLE fast (id int8, name text, day date, at timestamptz, ok bool, tag char(4), u uuid, b bytea);
         INSERT INTO fast SELECT i, 'n' || i, date '2024-01-01' + i, timestamptz '2024-01-01 00:00Z' + i * interval '1 s',
                                 i % 2 = 0, 'ab', md5(i::text)::uuid, '\\x0102'
           FROM generate_series(1, 5000) AS i;
         CREATE TABLE slow (id int, amount numeric);
         INSERT INTO slow VALUES (1, 1.0);`,
        db,
      )
    )._unsafeUnwrap()
    const latest = (await fingerprintDatabase({ connection: url }))._unsafeUnwrap()
    expect(latest.algorithm).toBe(FINGERPRINT_ALGORITHM)
    expect(FINGERPRINT_ALGORITHM).toBe('sum-hashrecordextended-v2')
    const v1 = (
      await fingerprintDatabase({ connection: url, algorithm: 'sum-hashtextextended-v1' })
    )._unsafeUnwrap()
    expect(v1.algorithm).toBe('sum-hashtextextended-v1')
    // The hashable table is hashed from its values, the numeric one still from its text.
    expect(latest.tables['public.fast']?.fingerprint).not.toBe(
      v1.tables['public.fast']?.fingerprint,
    )
    expect(latest.tables['public.slow']?.fingerprint).toBe(v1.tables['public.slow']?.fingerprint)
    // 1.0 and 1.00 are equal numerics that read differently: the text path still sees it.
    ;(await pg.query('UPDATE slow SET amount = 1.00', db))._unsafeUnwrap()
    const scaled = (await fingerprintDatabase({ connection: url }))._unsafeUnwrap()
    expect(scaled.tables['public.slow']?.fingerprint).not.toBe(
      latest.tables['public.slow']?.fingerprint,
    )
    // One changed value changes the hashed table.
    ;(await pg.query("UPDATE fast SET name = 'changed' WHERE id = 4321", db))._unsafeUnwrap()
    const changed = (await fingerprintDatabase({ connection: url }))._unsafeUnwrap()
    expect(changed.tables['public.fast']?.fingerprint).not.toBe(
      latest.tables['public.fast']?.fingerprint,
    )
    ;(await pg.query("UPDATE fast SET name = 'n4321' WHERE id = 4321", db))._unsafeUnwrap()
    // The sum does not depend on how many parallel workers read the table.
    const fingerprints = new Set<string>()
    for (const workers of ['0', '2']) {
      const taken = await withClient(url, (session) =>
        session
          .query(
            `SET max_parallel_workers_per_gather = ${workers}; SET parallel_setup_cost = 0;
             SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0`,
          )
          .andThen(() => fingerprintInSession(session)),
      )
      fingerprints.add(taken._unsafeUnwrap().tables['public.fast']?.fingerprint ?? '')
    }
    expect([...fingerprints]).toEqual([latest.tables['public.fast']?.fingerprint])
  })

  test('verifyIntegrity measures with the algorithm the expected fingerprints were taken with', async () => {
    const url = pg.urlFor({ database: 'integrity_algo' })
    const v1 = (
      await fingerprintDatabase({ connection: url, algorithm: 'sum-hashtextextended-v1' })
    )._unsafeUnwrap()
    const checked = await verifyIntegrity({ connection: url, expected: v1 })
    expect(checked._unsafeUnwrap().algorithm).toBe('sum-hashtextextended-v1')
  })
})

describe('fingerprints across servers', () => {
  test('equal data gives equal fingerprints on a server with other display defaults', async () => {
    const fixed = `
      CREATE TABLE events (id int, at timestamptz, day date, took interval, ratio float8,
                           price money, blob bytea, tags text[], doc jsonb);
      INSERT INTO events VALUES
        (1, '2024-02-29 23:59:59.123456+00', '2024-02-29', '1 year 2 mons 3 days 04:05:06',
         1.0/3, 19.99, '\\xdeadbeef', '{a,"b c"}', '{"k": [1, 2.5, null]}'),
        (2, NULL, NULL, NULL, 'NaN', NULL, NULL, NULL, NULL);
    `
    await using other = (
      await startPostgres({
        existingUrl: false,
        settings: {
          TimeZone: 'Asia/Kathmandu',
          DateStyle: 'German, DMY',
          IntervalStyle: 'sql_standard',
          extra_float_digits: 0,
          bytea_output: 'escape',
        },
      })
    )._unsafeUnwrap()
    const here = (await pg.createDatabase('integrity_fixed'))._unsafeUnwrap()
    const there = (await other.createDatabase('integrity_fixed'))._unsafeUnwrap()
    ;(await pg.query(fixed, { database: 'integrity_fixed' }))._unsafeUnwrap()
    ;(await other.query(fixed, { database: 'integrity_fixed' }))._unsafeUnwrap()
    // The other server really shows values differently by default.
    const shown = (
      await other.query<{ at: string }>('SELECT at::text AS at FROM events WHERE id = 1', {
        database: 'integrity_fixed',
      })
    )._unsafeUnwrap()
    expect(shown[0]?.at).toBe('01.03.2024 05:44:59.123456 +0545')
    const comparison = (await compareDatabases({ expected: here, actual: there }))._unsafeUnwrap()
    expect(comparison).toEqual({ equal: true, compared: 1, differences: [] })
  })
})

describe('verifyIntegrity', () => {
  test('accepts a matching manifest (list or map form) and names mismatching tables', async () => {
    const fp = (await fingerprintDatabase({ connection: weird }))._unsafeUnwrap()
    const list = { tables: Object.values(fp.tables) }
    expect((await verifyIntegrity({ connection: weird, expected: list })).isOk()).toBe(true)
    expect((await verifyIntegrity({ connection: weird, expected: fp })).isOk()).toBe(true)

    const tampered = {
      tables: { ...fp.tables, 'public.customers': { rows: 3, fingerprint: '12345' } },
    }
    const error = (
      await verifyIntegrity({ connection: weird, expected: tampered })
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('IntegrityMismatch')
    if (error.kind !== 'IntegrityMismatch') return
    expect(error.differences).toEqual([
      expect.objectContaining({ table: 'public.customers', difference: 'content' }),
    ])
    expect(error.message).toContain('public.customers')
  })
})

describe('fingerprintTable and countRows', () => {
  test('one table by SQL name or by exact parts; a missing table is InvalidInput', async () => {
    const whole = (await fingerprintDatabase({ connection: shop }))._unsafeUnwrap()
    const bySql = (
      await fingerprintTable({ connection: shop, table: '"Odd Schema"."Line.Items"' })
    )._unsafeUnwrap()
    const byParts = (
      await fingerprintTable({
        connection: shop,
        table: { schema: 'Odd Schema', name: 'Line.Items' },
      })
    )._unsafeUnwrap()
    expect(bySql).toEqual(whole.tables['"Odd Schema"."Line.Items"'])
    expect(byParts).toEqual(bySql)
    const missing = await fingerprintTable({ connection: shop, table: 'public.nope' })
    expect(missing._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidInput', field: 'table' })
  })

  test('exact counts', async () => {
    const counts = (await countRows({ connection: shop }))._unsafeUnwrap()
    expect(counts).toEqual({
      '"Odd Schema"."Line.Items"': 2,
      'public.customers': 3,
      'public.orders': 4,
    })
    const some = (await countRows({ connection: shop, tables: ['orders'] }))._unsafeUnwrap()
    expect(some).toEqual({ 'public.orders': 4 })
  })
})

describe('countRecentRows', () => {
  test('counts the orders of the last hour by the server clock', async () => {
    const recent = (
      await countRecentRows({ connection: weird, table: 'public.orders', column: 'created_at' })
    )._unsafeUnwrap()
    expect(recent.rows).toBe(3)
    expect(recent.table).toBe('public.orders')
    const day = (
      await countRecentRows({
        connection: weird,
        table: { schema: 'public', name: 'orders' },
        column: 'created_at',
        withinMs: 24 * 3600_000,
      })
    )._unsafeUnwrap()
    expect(day.rows).toBe(4)
    const bad = await countRecentRows({ connection: weird, table: 'orders', column: 'nope' })
    expect(bad._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidInput', field: 'column' })
  })
})

describe('checkAssertion', () => {
  test('true, false, not a boolean, and never writes', async () => {
    const passed = (
      await checkAssertion({
        connection: shop,
        name: 'orders have customers',
        sql: 'SELECT NOT EXISTS (SELECT 1 FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE c.id IS NULL)',
      })
    )._unsafeUnwrap()
    expect(passed).toMatchObject({ name: 'orders have customers', passed: true })
    const failed = (
      await checkAssertion({
        connection: shop,
        name: 'at least N orders',
        sql: 'SELECT count(*) >= $1 FROM orders',
        params: [100],
      })
    )._unsafeUnwrap()
    expect(failed.passed).toBe(false)
    const notBoolean = await checkAssertion({ connection: shop, name: 'n', sql: 'SELECT 1' })
    expect(notBoolean._unsafeUnwrapErr().kind).toBe('AssertionNotBoolean')
    const writing = await checkAssertion({
      connection: shop,
      name: 'sneaky',
      sql: 'WITH gone AS (DELETE FROM orders RETURNING 1) SELECT true',
    })
    expect(writing._unsafeUnwrapErr()).toMatchObject({ kind: 'QueryFailed', sqlState: '25006' })
    const escaping = await checkAssertion({
      connection: shop,
      name: 'escape attempt',
      sql: 'COMMIT; DELETE FROM orders; SELECT true',
    })
    expect(escaping._unsafeUnwrapErr().kind).toBe('QueryFailed')
    const counts = (await countRows({ connection: shop, tables: ['orders'] }))._unsafeUnwrap()
    expect(counts['public.orders']).toBe(4)
  })
})
