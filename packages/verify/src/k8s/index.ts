// @rollback-kit/verify/k8s: a probe that reads a workload's rollout from Kubernetes.
// Needs @rollback-kit/k8s (an optional peer of this package). Every export is named here.

export { k8sProbe } from './k8s-probe.js'
export type { K8sProbeOptions } from './k8s-probe.js'
