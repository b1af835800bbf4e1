import type { MessageTable } from '../table-format.js'

/**
 * The autoscaling/v1 messages the simulator serves, written from the published API (field names,
 * protobuf field numbers and the markers of k8s.io/api autoscaling/v1 at v1.32). Format:
 * {@link MessageTable}.
 */
export const autoscalingV1: MessageTable = {
  Scale: `metadata=1:meta.ObjectMeta! spec=2:ScaleSpec! status=3:ScaleStatus!`,
  ScaleSpec: `replicas=1:i32`,
  ScaleStatus: `replicas=1:i32! selector=2`,
}
