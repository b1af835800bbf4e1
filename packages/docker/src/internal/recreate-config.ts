import { isDeepStrictEqual } from 'node:util'
import type Dockerode from 'dockerode'
import type { ContainerRecipe } from '../capture-state.js'

/** How to create a container like `old` but running another image (public as `ContainerRecipe`). */
export type RecreatePlan = ContainerRecipe

/** The parts of an image's configuration a container inherits unless it overrides them. */
export interface ImageDefaults {
  readonly Env?: readonly string[] | null
  readonly Cmd?: readonly string[] | null
  readonly Entrypoint?: readonly string[] | string | null
  readonly WorkingDir?: string | null
  readonly User?: string | null
  readonly Labels?: Readonly<Record<string, string>> | null
  readonly Volumes?: Readonly<Record<string, unknown>> | null
  readonly Healthcheck?: unknown
  readonly StopSignal?: string | null
}

/**
 * Watchtower's method, with its pitfalls fixed: carry over what the container set itself
 * (environment, labels, volumes, entrypoint/cmd where they differ from its image's
 * defaults), the host config as is (ports pinned to the host ports actually bound, links
 * rewritten, anonymous volumes mounted again by name), and every network with its aliases.
 */
export function recreatePlan(input: {
  readonly old: Dockerode.ContainerInspectInfo
  readonly oldImage: ImageDefaults | undefined
  readonly image: string
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly pinPorts: boolean
  readonly keepAnonymousVolumes: boolean
}): RecreatePlan {
  const { old } = input
  const config = old.Config as Dockerode.ContainerInspectInfo['Config'] & {
    readonly StopSignal?: string
    readonly StopTimeout?: number
  }
  const defaults: ImageDefaults = input.oldImage ?? {}
  const differs = (mine: unknown, image: unknown): boolean =>
    !isDeepStrictEqual(emptyToNull(mine), emptyToNull(image))
  const imageEnv = new Set(defaults.Env ?? [])
  const imageLabels = defaults.Labels ?? {}
  const labels: Record<string, string> = {}
  for (const [key, value] of Object.entries(config.Labels ?? {})) {
    if (imageLabels[key] !== value) labels[key] = value
  }
  Object.assign(labels, input.labels)
  const keepEntrypoint = differs(config.Entrypoint, defaults.Entrypoint)
  // A custom entrypoint drops the image's CMD, so CMD must then be kept whatever it is.
  const keepCmd = keepEntrypoint || differs(config.Cmd, defaults.Cmd)
  const imageVolumes = defaults.Volumes ?? {}
  const volumes = Object.fromEntries(
    Object.entries(config.Volumes ?? {}).filter(([path]) => !(path in imageVolumes)),
  )
  const hostConfig: Dockerode.HostConfig = { ...old.HostConfig }
  if (input.pinPorts) hostConfig.PortBindings = pinnedPorts(old)
  const links = hostConfig.Links as readonly string[] | null | undefined
  if (Array.isArray(links)) hostConfig.Links = links.map(rewriteLink)
  const carriedVolumes: string[] = []
  if (input.keepAnonymousVolumes) {
    const claimed = new Set<string>([
      ...(hostConfig.Binds ?? []).map((bind) => bind.split(':')[1] ?? ''),
      ...(hostConfig.Mounts ?? []).map((mount) => mount.Target),
    ])
    const binds = [...(hostConfig.Binds ?? [])]
    for (const mount of old.Mounts) {
      if (mount.Type !== 'volume' || mount.Name === undefined || claimed.has(mount.Destination))
        continue
      binds.push(`${mount.Name}:${mount.Destination}${mount.RW ? '' : ':ro'}`)
      carriedVolumes.push(mount.Name)
    }
    hostConfig.Binds = binds
  }
  const { first, extra } = networksOf(old)
  const shortId = old.Id.slice(0, 12)
  const create: Dockerode.ContainerCreateOptions = {
    name: input.name,
    Image: input.image,
    ...(config.Hostname !== '' && config.Hostname !== shortId ? { Hostname: config.Hostname } : {}),
    ...(config.Domainname !== '' ? { Domainname: config.Domainname } : {}),
    ...(differs(config.User, defaults.User) ? { User: config.User } : {}),
    AttachStdin: config.AttachStdin,
    AttachStdout: config.AttachStdout,
    AttachStderr: config.AttachStderr,
    Tty: config.Tty,
    OpenStdin: config.OpenStdin,
    StdinOnce: config.StdinOnce,
    Env: (config.Env ?? []).filter((entry) => !imageEnv.has(entry)),
    ...(keepCmd && config.Cmd !== null ? { Cmd: config.Cmd } : {}),
    ...(keepEntrypoint && config.Entrypoint !== undefined ? { Entrypoint: config.Entrypoint } : {}),
    ...(differs(config.WorkingDir, defaults.WorkingDir) ? { WorkingDir: config.WorkingDir } : {}),
    ...(config.Healthcheck !== undefined && differs(config.Healthcheck, defaults.Healthcheck)
      ? { Healthcheck: config.Healthcheck }
      : {}),
    ...(config.StopSignal !== undefined && differs(config.StopSignal, defaults.StopSignal)
      ? { StopSignal: config.StopSignal }
      : {}),
    ...(config.ExposedPorts === undefined ? {} : { ExposedPorts: config.ExposedPorts }),
    ...(Object.keys(volumes).length > 0 ? { Volumes: volumes } : {}),
    Labels: labels,
    HostConfig: hostConfig,
    ...(first === undefined
      ? {}
      : { NetworkingConfig: { EndpointsConfig: { [first.name]: endpointFor(first, shortId) } } }),
  }
  return {
    create,
    extraNetworks: extra.map((network) => ({
      name: network.name,
      endpoint: endpointFor(network, shortId),
    })),
    carriedVolumes,
  }
}

interface NetworkEntry {
  readonly name: string
  readonly settings: Dockerode.EndpointSettings
}

/** The network named by NetworkMode first (the one to create with), then the others. */
function networksOf(old: Dockerode.ContainerInspectInfo): {
  first: NetworkEntry | undefined
  extra: NetworkEntry[]
} {
  const mode = old.HostConfig.NetworkMode ?? 'default'
  if (mode === 'host' || mode === 'none' || mode.startsWith('container:')) {
    return { first: undefined, extra: [] }
  }
  const entries = Object.entries(old.NetworkSettings.Networks ?? {}).map(([name, settings]) => ({
    name,
    settings,
  }))
  const primaryName = mode === 'default' ? 'bridge' : mode
  const first = entries.find((entry) => entry.name === primaryName) ?? entries[0]
  return { first, extra: entries.filter((entry) => entry !== first) }
}

function endpointFor(network: NetworkEntry, shortId: string): Dockerode.EndpointSettings {
  const settings = network.settings
  // The default bridge takes no aliases; elsewhere drop the alias of the old container's id.
  const aliases =
    network.name === 'bridge'
      ? []
      : (settings.Aliases ?? []).filter((alias) => alias !== shortId && !shortId.startsWith(alias))
  return {
    ...(aliases.length > 0 ? { Aliases: aliases } : {}),
    ...(settings.Links !== undefined && settings.Links !== null && settings.Links.length > 0
      ? { Links: settings.Links }
      : {}),
    ...(settings.IPAMConfig !== undefined && settings.IPAMConfig !== null
      ? { IPAMConfig: settings.IPAMConfig }
      : {}),
    ...(settings.DriverOpts !== undefined && settings.DriverOpts !== null
      ? { DriverOpts: settings.DriverOpts }
      : {}),
  }
}

/** Port bindings with an engine-chosen host port replaced by the port actually bound. */
function pinnedPorts(old: Dockerode.ContainerInspectInfo): Dockerode.PortMap {
  const requested = old.HostConfig.PortBindings as Dockerode.PortMap | undefined
  const bound = old.NetworkSettings.Ports as Dockerode.PortMap | undefined
  const pinned: Dockerode.PortMap = {}
  for (const [port, bindings] of Object.entries(requested ?? {})) {
    const actual = bound?.[port] ?? []
    pinned[port] = (bindings ?? []).map((binding, index) => {
      const hostPort = binding.HostPort ?? ''
      if (hostPort !== '' && hostPort !== '0') return binding
      const match =
        actual.find((candidate) => candidate.HostIp === (binding.HostIp ?? '')) ?? actual[index]
      return match === undefined ? binding : { ...binding, HostPort: match.HostPort }
    })
  }
  return pinned
}

/** Links read back from inspect as `/other:/this/alias`; create wants `other:alias`. */
function rewriteLink(link: string): string {
  const [target = '', alias = ''] = link.split(':')
  return `${target.replace(/^\//, '')}:${alias.split('/').pop() ?? alias}`
}

function emptyToNull(value: unknown): unknown {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0))
    return null
  return value
}
