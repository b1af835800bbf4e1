// Unit test of the configuration carry-over (an internal module, imported directly).
import type Dockerode from 'dockerode'
import { describe, expect, test } from 'vitest'
import { recreatePlan } from '../src/internal/recreate-config.js'

function inspected(
  overrides: Partial<Record<string, unknown>> = {},
): Dockerode.ContainerInspectInfo {
  return {
    Id: 'abcdef1234567890abcdef',
    Name: '/web',
    Image: 'sha256:old',
    Config: {
      Hostname: 'abcdef123456',
      Domainname: '',
      User: '',
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: ['PATH=/bin', 'SHOP_MODE=live'],
      Cmd: ['/bin/sh', '/app/serve'],
      Entrypoint: null,
      Image: 'shop:2',
      WorkingDir: '',
      Labels: { 'org.image': 'from-image', 'com.example.app': 'shop' },
      ExposedPorts: { '8080/tcp': {} },
      Volumes: null,
      OnBuild: null,
    },
    HostConfig: {
      Init: true,
      Binds: ['data:/data'],
      PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
      NetworkMode: 'front',
      Links: ['/db:/web/database'],
    },
    NetworkSettings: {
      Ports: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '41234' }] },
      Networks: {
        front: { Aliases: ['web', 'abcdef123456'] },
        back: { Aliases: ['web-internal'] },
      },
    },
    Mounts: [
      { Type: 'volume', Name: 'data', Destination: '/data', RW: true },
      { Type: 'volume', Name: '0123anonymous', Destination: '/cache', RW: true },
    ],
    State: { Running: true },
    ...overrides,
  } as unknown as Dockerode.ContainerInspectInfo
}

const image = {
  Env: ['PATH=/bin'],
  Cmd: ['/bin/sh', '/app/serve'],
  Labels: { 'org.image': 'from-image' },
}

describe('recreatePlan', () => {
  const plan = recreatePlan({
    old: inspected(),
    oldImage: image,
    image: 'sha256:new',
    name: 'web_next',
    labels: { 'io.rollback-kit.previous-image': 'sha256:old' },
    pinPorts: true,
    keepAnonymousVolumes: true,
  })

  test('carries what the container set itself, not the image defaults', () => {
    expect(plan.create.Image).toBe('sha256:new')
    expect(plan.create.Env).toEqual(['SHOP_MODE=live'])
    expect(plan.create.Cmd).toBeUndefined()
    expect(plan.create.Entrypoint).toBeUndefined()
    expect(plan.create.Labels).toEqual({
      'com.example.app': 'shop',
      'io.rollback-kit.previous-image': 'sha256:old',
    })
    expect(plan.create.Hostname).toBeUndefined()
  })

  test('pins engine-chosen ports, rewrites links and mounts anonymous volumes by name', () => {
    expect(plan.create.HostConfig?.PortBindings).toEqual({
      '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '41234' }],
    })
    expect(plan.create.HostConfig?.Links).toEqual(['db:database'])
    expect(plan.create.HostConfig?.Binds).toEqual(['data:/data', '0123anonymous:/cache'])
    expect(plan.carriedVolumes).toEqual(['0123anonymous'])
    expect(plan.create.HostConfig?.Init).toBe(true)
  })

  test('creates on the NetworkMode network and connects the others, without the old id alias', () => {
    expect(plan.create.NetworkingConfig).toEqual({
      EndpointsConfig: { front: { Aliases: ['web'] } },
    })
    expect(plan.extraNetworks).toEqual([{ name: 'back', endpoint: { Aliases: ['web-internal'] } }])
  })

  test('keeps a custom command, and the command too when the entrypoint is custom', () => {
    const custom = recreatePlan({
      old: inspected({
        Config: {
          ...inspected().Config,
          Entrypoint: ['/bin/busybox'],
          Cmd: ['/bin/sh', '/app/serve'],
        },
      }),
      oldImage: image,
      image: 'sha256:new',
      name: 'x',
      labels: {},
      pinPorts: false,
      keepAnonymousVolumes: false,
    })
    expect(custom.create.Entrypoint).toEqual(['/bin/busybox'])
    expect(custom.create.Cmd).toEqual(['/bin/sh', '/app/serve'])
    expect(custom.create.HostConfig?.PortBindings).toEqual({
      '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
    })
    expect(custom.create.HostConfig?.Binds).toEqual(['data:/data'])
  })
})
