import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { exec, type Logger } from '@rollback-kit/core'

// Private engines live on the host's network namespace, so their published ports are reachable
// from the test process like any engine's. Two engines side by side must then never share a
// bridge or an address range: each claims a slot, which gives it a bridge of its own (`docker0`
// stays the system engine's) and a /16 for that bridge and every network it creates. dockerd
// runs with `--iptables=false`, so engines never rewrite each other's rules; published ports go
// through docker-proxy, which needs none.

/** The bridge and address range of one private engine. */
export interface PrivateNetwork {
  /** The bridge dockerd attaches default containers to (`--bridge`). */
  readonly bridge: string
  /** The whole /16 of the engine; its networks are carved from it. */
  readonly range: string
  /** The bridge's own address, `10.x.0.1/24`. */
  readonly bridgeAddress: string
}

const SLOTS = 64
/** The second octet of slot 0: slots use 10.192.0.0/16 to 10.255.0.0/16. */
const FIRST_OCTET = 192
const BRIDGE_PREFIX = 'rk-br'
const RECORD = 'network.json'
const COMMAND_TIMEOUT_MS = 10_000

/** The dockerd arguments that put an engine on its claimed network. */
export function networkArgs(network: PrivateNetwork): string[] {
  return [
    `--bridge=${network.bridge}`,
    `--default-address-pool=base=${network.range},size=24`,
    '--iptables=false',
    '--ip6tables=false',
    '--ip-masq=false',
  ]
}

/**
 * Claim the first free slot: a range that no route of the host overlaps, and a bridge name that
 * no other engine holds. Creating the bridge is the claim (the kernel refuses a second one of
 * the same name), and the claim is recorded in the engine's folder before anything else is set
 * up, so a process killed at any point leaves something the next start can release.
 */
export async function claimPrivateNetwork(
  folder: string,
  logger: Logger,
): Promise<PrivateNetwork | string> {
  const taken = await routedRanges()
  for (let slot = 0; slot < SLOTS; slot += 1) {
    const octet = FIRST_OCTET + slot
    if (taken.some((range) => overlaps(range, octet))) continue
    const network: PrivateNetwork = {
      bridge: `${BRIDGE_PREFIX}${slot}`,
      range: `10.${octet}.0.0/16`,
      bridgeAddress: `10.${octet}.0.1/24`,
    }
    const created = await ip(['link', 'add', 'name', network.bridge, 'type', 'bridge'], logger)
    if (created !== undefined) continue
    writeFileSync(join(folder, RECORD), JSON.stringify(network))
    const failure =
      (await ip(['addr', 'add', network.bridgeAddress, 'dev', network.bridge], logger)) ??
      (await ip(['link', 'set', network.bridge, 'up'], logger))
    if (failure !== undefined) {
      await releasePrivateNetwork(folder, logger)
      return `could not set up bridge ${network.bridge}: ${failure}`
    }
    await allowForwarding(network, logger)
    logger.debug({ folder, ...network }, 'claimed a private network')
    return network
  }
  return `no free private network: all ${SLOTS} ranges 10.${FIRST_OCTET}-255.0.0/16 are routed or claimed`
}

/**
 * Release what {@link claimPrivateNetwork} recorded in `folder`: the bridges of its range (the
 * engine's own and the ones its networks created, which outlive dockerd) and its forwarding
 * rule. Nothing recorded, nothing to do.
 */
export async function releasePrivateNetwork(folder: string, logger: Logger): Promise<void> {
  const network = readRecord(folder)
  if (network === undefined) return
  const octet = Number(network.range.split('.')[1])
  const bridges = new Set([network.bridge, ...(await bridgesInRange(octet))])
  for (const bridge of bridges) {
    const failure = await ip(['link', 'delete', bridge], logger)
    if (failure !== undefined && !/cannot find device/i.test(failure)) {
      logger.warn({ bridge }, `could not delete bridge: ${failure}`)
    }
  }
  await iptables(['-D', ...forwardRule(network)], logger)
}

function readRecord(folder: string): PrivateNetwork | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(folder, RECORD), 'utf8')) as Partial<PrivateNetwork>
    return typeof parsed.bridge === 'string' &&
      parsed.bridge.startsWith(BRIDGE_PREFIX) &&
      typeof parsed.range === 'string' &&
      /^10\.\d+\.0\.0\/16$/.test(parsed.range) &&
      typeof parsed.bridgeAddress === 'string'
      ? (parsed as PrivateNetwork)
      : undefined
  } catch {
    return undefined
  }
}

/**
 * A host whose FORWARD policy is DROP (set by a system dockerd) with bridge netfilter on would
 * drop traffic between two containers of a private engine, since `--iptables=false` adds no
 * rules. One rule for the engine's whole range lets it through; it is best effort.
 */
async function allowForwarding(network: PrivateNetwork, logger: Logger): Promise<void> {
  const failure = await iptables(['-I', ...forwardRule(network)], logger)
  if (failure !== undefined) logger.debug({ failure }, 'no forwarding rule for the private range')
}

function forwardRule(network: PrivateNetwork): string[] {
  return ['FORWARD', '-s', network.range, '-d', network.range, '-j', 'ACCEPT']
}

/** Ranges the host routes, e.g. `10.201.1.0/24` (the default route is not a range). */
async function routedRanges(): Promise<string[]> {
  const routes = await exec('ip', ['-4', '-o', 'route', 'show'], { timeoutMs: COMMAND_TIMEOUT_MS })
  if (routes.isErr()) return []
  return routes.value.stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((target) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(target))
}

async function bridgesInRange(octet: number): Promise<string[]> {
  const addresses = await exec('ip', ['-4', '-o', 'addr', 'show'], {
    timeoutMs: COMMAND_TIMEOUT_MS,
  })
  if (addresses.isErr()) return []
  return addresses.value.stdout
    .split('\n')
    .map((line) => /^\d+:\s+(\S+)\s+inet\s+10\.(\d+)\./.exec(line))
    .filter((match) => match !== null && Number(match[2]) === octet)
    .map((match) => match![1]!)
    .filter((name) => name.startsWith(BRIDGE_PREFIX) || name.startsWith('br-'))
}

/** Whether a routed range shares addresses with `10.<octet>.0.0/16`. */
function overlaps(range: string, octet: number): boolean {
  const [address = '', bits = '32'] = range.split('/')
  const [a, b] = address.split('.').map(Number)
  if (a !== 10) return false
  const prefix = Number(bits)
  if (prefix < 8) return true
  if (prefix < 16) {
    const size = 2 ** (16 - prefix)
    const start = Math.floor((b ?? 0) / size) * size
    return octet >= start && octet < start + size
  }
  return b === octet
}

/** Run `ip`; the error text, or `undefined` on success. */
async function ip(args: string[], logger: Logger): Promise<string | undefined> {
  const ran = await exec('ip', args, { timeoutMs: COMMAND_TIMEOUT_MS, logger })
  return ran.isOk() ? undefined : ran.error.message
}

async function iptables(args: string[], logger: Logger): Promise<string | undefined> {
  const ran = await exec('iptables', ['-w', '5', ...args], {
    timeoutMs: COMMAND_TIMEOUT_MS,
    logger,
  })
  return ran.isOk() ? undefined : ran.error.message
}
