import { describe, expect, test } from 'vitest'
import { compareFingerprints } from '@rollback-kit/postgres'

describe('compareFingerprints', () => {
  test('matches list-form tables against map keys, quoted or not', () => {
    const result = compareFingerprints(
      {
        tables: [
          { schema: 'public', name: 'orders', rows: 2, fingerprint: '10' },
          { schema: 'Odd Schema', name: 'Line.Items', rows: 1, fingerprint: '5' },
        ],
      },
      {
        tables: {
          'public.orders': { rows: 2, fingerprint: '10' },
          '"Odd Schema"."Line.Items"': { rows: 1, fingerprint: '5' },
        },
      },
    )
    expect(result).toEqual({ equal: true, compared: 2, differences: [] })
  })

  test('reports missing, unexpected, row and content differences, sorted', () => {
    const result = compareFingerprints(
      {
        tables: {
          'public.a': { rows: 1, fingerprint: '1' },
          'public.b': { rows: 2, fingerprint: '2' },
          'public.c': { rows: 3, fingerprint: '3' },
        },
      },
      {
        tables: {
          'public.b': { rows: 3, fingerprint: '2' },
          'public.c': { rows: 3, fingerprint: '4' },
          'public.d': { rows: 0, fingerprint: '0' },
        },
      },
    )
    expect(result.equal).toBe(false)
    expect(result.compared).toBe(2)
    expect(result.differences.map((d) => [d.table, d.difference])).toEqual([
      ['public.a', 'missing'],
      ['public.b', 'rows'],
      ['public.c', 'content'],
      ['public.d', 'unexpected'],
    ])
    const lenient = compareFingerprints(
      { tables: { 'public.b': { rows: 3 } } },
      { tables: { 'public.b': { rows: 3, fingerprint: '9' }, 'public.z': { rows: 1 } } },
      { strict: false },
    )
    expect(lenient.equal).toBe(true)
  })
})
