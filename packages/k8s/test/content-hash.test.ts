import { redactCapture, type WorkloadCapture } from '@rollback-kit/k8s'
import { describe, expect, it } from 'vitest'
import { contentHash } from '../src/internal/content-hash.js'

describe('contentHash', () => {
  it('ignores key order and empty values, and sees any content change', () => {
    const a = contentHash({ data: { A: '1', B: '2' }, binaryData: undefined })
    const b = contentHash({ binaryData: {}, data: { B: '2', A: '1' } })
    expect(a).toBe(b)
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(contentHash({ data: { A: '1', B: '3' } })).not.toBe(a)
    expect(contentHash({ data: { A: '1', C: '2' } })).not.toBe(a)
  })
})

describe('redactCapture', () => {
  it('hides every secret value and keeps keys, names and hashes', () => {
    const capture: WorkloadCapture = {
      version: 1,
      workload: { kind: 'Deployment', namespace: 'shop', name: 'web' },
      capturedAt: '2026-11-25T16:00:00Z',
      object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } },
      objectHash: 'sha256:o',
      configMaps: [{ name: 'cfg', hash: 'sha256:c', data: { LEVEL: 'info' } }],
      secrets: [
        { name: 'db', hash: 'sha256:s', type: 'Opaque', data: { password: 'aHVudGVyMg==' } },
      ],
      missing: [],
      hash: 'sha256:all',
    }
    const redacted = redactCapture(capture)
    expect(redacted.secrets).toEqual([
      { name: 'db', hash: 'sha256:s', type: 'Opaque', data: { password: '***' } },
    ])
    expect(redacted.configMaps).toEqual(capture.configMaps)
    expect(JSON.stringify(redacted)).not.toContain('aHVudGVyMg==')
    expect(capture.secrets[0]?.data?.['password']).toBe('aHVudGVyMg==')
  })
})
