import { connectKube, type KubeClient } from '@rollback-kit/k8s'
import { startKubeSim, type KubeSim, type KubeSimOptions } from '@rollback-kit/testing'
import { startFaultProxy, type FaultProxy } from './fault-proxy.js'

/** A client for a simulator (or a proxy in front of it), with a short retry budget and deadline. */
export async function clientFor(
  url: string,
  options: {
    readonly namespace: string
    readonly requestTimeoutMs?: number
    readonly attempts?: number
  },
): Promise<KubeClient> {
  const connected = await connectKube({
    // Built from the URL rather than sim.kubeconfig, so these tests do not depend on the YAML.
    source: {
      from: 'options',
      options: {
        clusters: [{ name: 'kube-sim', server: url, skipTLSVerify: true }],
        users: [{ name: 'kube-sim' }],
        contexts: [
          { name: 'kube-sim', cluster: 'kube-sim', user: 'kube-sim', namespace: options.namespace },
        ],
        currentContext: 'kube-sim',
      },
    },
    retry: { attempts: options.attempts ?? 3, initialDelayMs: 10, maxDelayMs: 50 },
    requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
  })
  if (connected.isErr()) throw new Error(connected.error.message)
  return connected.value
}

type SimClientOptions = KubeSimOptions & {
  readonly requestTimeoutMs?: number
  readonly attempts?: number
}

async function startSim(options: SimClientOptions): Promise<KubeSim> {
  const started = await startKubeSim({ podReadyDelayMs: 5, ...options })
  if (started.isErr()) throw new Error(`kube-sim did not start: ${started.error.message}`)
  return started.value
}

/** A simulator and a client for it, with a short retry budget and request deadline. */
export async function startSimWithClient(
  options: SimClientOptions = {},
): Promise<{ sim: KubeSim; client: KubeClient }> {
  const sim = await startSim(options)
  return { sim, client: await clientFor(sim.url, { ...options, namespace: sim.namespace }) }
}

/**
 * A simulator with a fault-injecting proxy in front of it, and a client that talks to the
 * proxy. Stop both with `stop()`.
 */
export async function startSimBehindProxy(options: SimClientOptions = {}): Promise<{
  sim: KubeSim
  proxy: FaultProxy
  client: KubeClient
  stop: () => Promise<void>
}> {
  const sim = await startSim(options)
  const proxy = await startFaultProxy(sim.url)
  const client = await clientFor(proxy.url, { ...options, namespace: sim.namespace })
  return {
    sim,
    proxy,
    client,
    stop: async () => {
      await proxy.stop()
      await sim.stop()
    },
  }
}

export interface DeploymentSpec {
  readonly name: string
  readonly image: string
  readonly namespace?: string
  readonly replicas?: number
  readonly changeCause?: string
  readonly paused?: boolean
  readonly labels?: Record<string, string>
  readonly env?: readonly Record<string, unknown>[]
  readonly volumes?: readonly Record<string, unknown>[]
  readonly progressDeadlineSeconds?: number
}

export function deployment(spec: DeploymentSpec) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: spec.name,
      ...(spec.namespace === undefined ? {} : { namespace: spec.namespace }),
      labels: { app: spec.name, ...spec.labels },
      ...(spec.changeCause === undefined
        ? {}
        : { annotations: { 'kubernetes.io/change-cause': spec.changeCause } }),
    },
    spec: {
      replicas: spec.replicas ?? 2,
      ...(spec.paused === undefined ? {} : { paused: spec.paused }),
      ...(spec.progressDeadlineSeconds === undefined
        ? {}
        : { progressDeadlineSeconds: spec.progressDeadlineSeconds }),
      selector: { matchLabels: { app: spec.name } },
      template: {
        metadata: { labels: { app: spec.name } },
        spec: {
          containers: [
            {
              name: 'main',
              image: spec.image,
              ...(spec.env === undefined ? {} : { env: spec.env }),
            },
          ],
          ...(spec.volumes === undefined ? {} : { volumes: spec.volumes }),
        },
      },
    },
  }
}

export function workloadWithHistory(
  kind: 'StatefulSet' | 'DaemonSet',
  name: string,
  image: string,
) {
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, labels: { app: name } },
    spec: {
      ...(kind === 'StatefulSet' ? { replicas: 2, serviceName: name } : {}),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image }] },
      },
    },
  }
}

/** Apply and wait for the controllers; throws on refusal (tests want to stop there). */
export async function applySettled(sim: KubeSim, object: Parameters<KubeSim['apply']>[0]) {
  const applied = sim.apply(object)
  if (applied.isErr()) throw new Error(applied.error.message)
  const settled = await sim.settle()
  if (settled.isErr()) throw new Error(settled.error.message)
  return applied.value
}
