import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectKube } from '@rollback-kit/k8s'
import { describe, expect, it } from 'vitest'

const kubeconfig = (token: string) => `apiVersion: v1
kind: Config
clusters:
- name: sim
  cluster:
    server: http://127.0.0.1:1
contexts:
- name: sim
  context:
    cluster: sim
    user: admin
- name: other
  context:
    cluster: missing
    user: admin
current-context: sim
users:
- name: admin
  user:
    token: ${token}
`

describe('connectKube', () => {
  it('loads a kubeconfig from its contents', async () => {
    const client = (
      await connectKube({ source: { from: 'contents', contents: kubeconfig('t0ken-abc') } })
    )._unsafeUnwrap()
    expect(client.server).toBe('http://127.0.0.1:1')
    expect(client.requestTimeoutMs).toBe(30_000)
  })

  it('loads from a file, and by default from $KUBECONFIG', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'rk-k8s-connect-'))
    const path = join(folder, 'config')
    writeFileSync(path, kubeconfig('t0ken-abc'), { mode: 0o600 })
    const saved = process.env['KUBECONFIG']
    try {
      const fromFile = await connectKube({ source: { from: 'file', path } })
      expect(fromFile._unsafeUnwrap().server).toBe('http://127.0.0.1:1')
      process.env['KUBECONFIG'] = path
      const fromDefault = await connectKube()
      expect(fromDefault._unsafeUnwrap().server).toBe('http://127.0.0.1:1')
      const missing = await connectKube({ source: { from: 'file', path: join(folder, 'nope') } })
      expect(missing._unsafeUnwrapErr()).toMatchObject({
        kind: 'KubeConfigInvalid',
        source: join(folder, 'nope'),
      })
    } finally {
      if (saved === undefined) delete process.env['KUBECONFIG']
      else process.env['KUBECONFIG'] = saved
      rmSync(folder, { recursive: true, force: true })
    }
  })

  it('loads from explicit options', async () => {
    const result = await connectKube({
      source: {
        from: 'options',
        options: {
          clusters: [{ name: 'c', server: 'https://10.0.0.1:6443', skipTLSVerify: true }],
          users: [{ name: 'u', token: 'x' }],
          contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
          currentContext: 'ctx',
        },
      },
    })
    expect(result._unsafeUnwrap().server).toBe('https://10.0.0.1:6443')
  })

  it('rejects an unknown context and a context without a cluster', async () => {
    const contents = kubeconfig('t0ken-abc')
    const unknown = await connectKube({ source: { from: 'contents', contents }, context: 'nope' })
    expect(unknown._unsafeUnwrapErr()).toMatchObject({ kind: 'KubeConfigInvalid' })
    const noCluster = await connectKube({
      source: { from: 'contents', contents },
      context: 'other',
    })
    expect(noCluster._unsafeUnwrapErr().kind).toBe('KubeConfigInvalid')
  })

  it('never puts the config contents into the error', async () => {
    const secret = 'sup3r-s3cret-t0ken'
    const broken = `${kubeconfig(secret)}\n  : : [unbalanced`
    const result = await connectKube({ source: { from: 'contents', contents: broken } })
    const error = result._unsafeUnwrapErr()
    expect(error.kind).toBe('KubeConfigInvalid')
    expect(JSON.stringify(error)).not.toContain(secret)
  })

  it('refuses in-cluster outside a cluster', async () => {
    const saved = process.env['KUBERNETES_SERVICE_HOST']
    delete process.env['KUBERNETES_SERVICE_HOST']
    try {
      const result = await connectKube({ source: { from: 'in-cluster' } })
      expect(result._unsafeUnwrapErr().kind).toBe('KubeConfigInvalid')
    } finally {
      if (saved !== undefined) process.env['KUBERNETES_SERVICE_HOST'] = saved
    }
  })
})
