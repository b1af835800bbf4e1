import { startKubeSim, type KubeSim } from '@rollback-kit/testing'
import { afterEach, describe, expect, test } from 'vitest'
import { at } from './fixtures/kube-sim/http.js'

let sims: KubeSim[] = []
afterEach(async () => {
  for (const s of sims) {
    expect(s.internalErrors).toEqual([])
    await s.stop()
  }
  sims = []
})

async function sim(): Promise<KubeSim> {
  const started = (await startKubeSim({ podReadyDelayMs: 5 }))._unsafeUnwrap()
  sims.push(started)
  return started
}

const path = '/api/v1/namespaces/default/configmaps/settings'

/** Server-side apply of a YAML text, as Flux or client-node's `PatchStrategy.ServerSideApply` send it. */
async function apply(s: KubeSim, yaml: string, query: string) {
  const response = await fetch(`${s.url}${path}?${query}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/apply-patch+yaml', accept: 'application/json' },
    body: yaml,
  })
  return {
    status: response.status,
    warning: response.headers.get('warning'),
    json: (await response.json()) as Record<string, unknown>,
  }
}

const settings = (data: Record<string, string>) =>
  [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: settings',
    'data:',
    ...Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`),
    '',
  ].join('\n')

function owners(s: KubeSim): Record<string, unknown> {
  const entries = (s.get({ kind: 'ConfigMap', name: 'settings' })?.metadata['managedFields'] ??
    []) as { manager: string; fieldsV1: unknown }[]
  return Object.fromEntries(entries.map((e) => [e.manager, e.fieldsV1]))
}

describe('server-side apply over HTTP', () => {
  test('a YAML body creates (201), then updates (200); a no-op keeps the resourceVersion', async () => {
    const s = await sim()
    const created = await apply(s, settings({ mode: 'safe' }), 'fieldManager=flux')
    expect(created.status).toBe(201)
    expect(at(created.json, 'data')).toEqual({ mode: 'safe' })
    expect(owners(s)).toEqual({ flux: { 'f:data': { 'f:mode': {} } } })
    const updated = await apply(s, settings({ mode: 'fast' }), 'fieldManager=flux')
    expect(updated.status).toBe(200)
    expect(at(updated.json, 'data')).toEqual({ mode: 'fast' })
    const rv = at(updated.json, 'metadata', 'resourceVersion')
    const again = await apply(s, settings({ mode: 'fast' }), 'fieldManager=flux')
    expect(at(again.json, 'metadata', 'resourceVersion')).toBe(rv)
  })

  test('shared fields: the same value co-owns; a field stays while anyone still applies it', async () => {
    const s = await sim()
    await apply(s, settings({ mode: 'safe', color: 'blue' }), 'fieldManager=a')
    const shared = await apply(s, settings({ mode: 'safe' }), 'fieldManager=b')
    expect(shared.status).toBe(200)
    expect(owners(s)).toEqual({
      a: { 'f:data': { 'f:color': {}, 'f:mode': {} } },
      b: { 'f:data': { 'f:mode': {} } },
    })
    // a stops applying both: color (only a's) goes, mode (also b's) stays.
    await apply(s, settings({}).replace(/^data:\n/m, ''), 'fieldManager=a')
    expect(s.get({ kind: 'ConfigMap', name: 'settings' })?.['data']).toEqual({ mode: 'safe' })
    expect(owners(s)).toEqual({ b: { 'f:data': { 'f:mode': {} } } })
  })

  test('conflicts name every field and manager; force takes them over', async () => {
    const s = await sim()
    await apply(s, settings({ mode: 'safe', color: 'blue' }), 'fieldManager=a')
    const conflict = await apply(s, settings({ mode: 'fast', color: 'red' }), 'fieldManager=b')
    expect(conflict.status).toBe(409)
    expect(conflict.json['message']).toBe(
      'Apply failed with 2 conflicts: conflicts with "a":\n- .data.color\n- .data.mode',
    )
    expect(at(conflict.json, 'details', 'causes')).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "a"', field: '.data.color' },
      { reason: 'FieldManagerConflict', message: 'conflict with "a"', field: '.data.mode' },
    ])
    const forced = await apply(
      s,
      settings({ mode: 'fast', color: 'red' }),
      'fieldManager=b&force=true',
    )
    expect(forced.status).toBe(200)
    expect(owners(s)).toEqual({ b: { 'f:data': { 'f:color': {}, 'f:mode': {} } } })
  })

  test('dryRun=All changes nothing; unknown fields warn by default and fail under Strict', async () => {
    const s = await sim()
    const dry = await apply(s, settings({ mode: 'safe' }), 'fieldManager=a&dryRun=All')
    expect(dry.status).toBe(201)
    expect(s.get({ kind: 'ConfigMap', name: 'settings' })).toBeUndefined()
    const typo = `${settings({ mode: 'safe' })}dta:\n  x: "1"\n`
    const warned = await apply(s, typo, 'fieldManager=a')
    expect(warned.status).toBe(201)
    expect(warned.warning).toBe('299 - "unknown field \\"dta\\""')
    const strict = await apply(s, typo, 'fieldManager=a&fieldValidation=Strict')
    expect(strict.status).toBe(400)
    expect(strict.json['message']).toBe(
      'failed to create typed patch object (default/settings; v1, Kind=ConfigMap): .dta: field not declared in schema',
    )
  })

  test('the body must be this kind, named as the URL', async () => {
    const s = await sim()
    const wrongKind = await apply(s, settings({}).replace('ConfigMap', 'Secret'), 'fieldManager=a')
    expect(wrongKind.status).toBe(400)
    expect(wrongKind.json['message']).toBe(
      'the kind in the data (Secret) does not match the expected kind (ConfigMap)',
    )
    const wrongName = await apply(
      s,
      settings({}).replace('name: settings', 'name: other'),
      'fieldManager=a',
    )
    expect(wrongName.status).toBe(400)
  })
})
