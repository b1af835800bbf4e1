import type { MessageTable } from '../table-format.js'

/**
 * The apps/v1 messages the simulator serves, written from the published API (field names,
 * protobuf field numbers and the markers of k8s.io/api apps/v1 at v1.32). Format:
 * {@link MessageTable}.
 */
export const appsV1: MessageTable = {
  ControllerRevision: `metadata=1:meta.ObjectMeta! data=2:raw revision=3:i64!`,
  ControllerRevisionList: `metadata=1:meta.ListMeta! items=2:[]ControllerRevision!`,
  DaemonSet: `metadata=1:meta.ObjectMeta! spec=2:DaemonSetSpec! status=3:DaemonSetStatus!`,
  DaemonSetCondition: `type=1! status=2! lastTransitionTime=3:time reason=4 message=5`,
  DaemonSetList: `metadata=1:meta.ListMeta! items=2:[]DaemonSet!`,
  DaemonSetSpec: `selector=1:meta.LabelSelector template=2:core.PodTemplateSpec!
    updateStrategy=3:DaemonSetUpdateStrategy! minReadySeconds=4:i32 revisionHistoryLimit=6:i32!`,
  DaemonSetStatus: `currentNumberScheduled=1:i32! numberMisscheduled=2:i32!
    desiredNumberScheduled=3:i32! numberReady=4:i32! observedGeneration=5:i64
    updatedNumberScheduled=6:i32 numberAvailable=7:i32 numberUnavailable=8:i32
    collisionCount=9:i32! conditions=10:[]DaemonSetCondition<type>+merge(type)`,
  DaemonSetUpdateStrategy: `type=1 rollingUpdate=2:RollingUpdateDaemonSet`,
  Deployment: `metadata=1:meta.ObjectMeta! spec=2:DeploymentSpec! status=3:DeploymentStatus!`,
  DeploymentCondition: `type=1! status=2! lastUpdateTime=6:time lastTransitionTime=7:time reason=4
    message=5`,
  DeploymentList: `metadata=1:meta.ListMeta! items=2:[]Deployment!`,
  DeploymentSpec: `replicas=1:i32! selector=2:meta.LabelSelector template=3:core.PodTemplateSpec!
    strategy=4:DeploymentStrategy!+retainKeys minReadySeconds=5:i32 revisionHistoryLimit=6:i32!
    paused=7:bool progressDeadlineSeconds=9:i32!`,
  DeploymentStatus: `observedGeneration=1:i64 replicas=2:i32 updatedReplicas=3:i32
    readyReplicas=7:i32 availableReplicas=4:i32 unavailableReplicas=5:i32
    conditions=6:[]DeploymentCondition<type>+merge(type) collisionCount=8:i32!`,
  DeploymentStrategy: `type=1 rollingUpdate=2:RollingUpdateDeployment`,
  ReplicaSet: `metadata=1:meta.ObjectMeta! spec=2:ReplicaSetSpec! status=3:ReplicaSetStatus!`,
  ReplicaSetCondition: `type=1! status=2! lastTransitionTime=3:time reason=4 message=5`,
  ReplicaSetList: `metadata=1:meta.ListMeta! items=2:[]ReplicaSet!`,
  ReplicaSetSpec: `replicas=1:i32! minReadySeconds=4:i32 selector=2:meta.LabelSelector
    template=3:core.PodTemplateSpec!`,
  ReplicaSetStatus: `replicas=1:i32! fullyLabeledReplicas=2:i32 readyReplicas=4:i32
    availableReplicas=5:i32 observedGeneration=3:i64
    conditions=6:[]ReplicaSetCondition<type>+merge(type)`,
  RollingUpdateDaemonSet: `maxUnavailable=1:intstr! maxSurge=2:intstr!`,
  RollingUpdateDeployment: `maxUnavailable=1:intstr! maxSurge=2:intstr!`,
  RollingUpdateStatefulSetStrategy: `partition=1:i32! maxUnavailable=2:intstr!`,
  StatefulSet: `metadata=1:meta.ObjectMeta! spec=2:StatefulSetSpec! status=3:StatefulSetStatus!`,
  StatefulSetCondition: `type=1! status=2! lastTransitionTime=3:time reason=4 message=5`,
  StatefulSetList: `metadata=1:meta.ListMeta! items=2:[]StatefulSet!`,
  StatefulSetOrdinals: `start=1:i32!`,
  StatefulSetPersistentVolumeClaimRetentionPolicy: `whenDeleted=1 whenScaled=2`,
  StatefulSetSpec: `replicas=1:i32! selector=2:meta.LabelSelector template=3:core.PodTemplateSpec!
    volumeClaimTemplates=4:[]core.PersistentVolumeClaim@ serviceName=5! podManagementPolicy=6
    updateStrategy=7:StatefulSetUpdateStrategy! revisionHistoryLimit=8:i32! minReadySeconds=9:i32
    persistentVolumeClaimRetentionPolicy=10:StatefulSetPersistentVolumeClaimRetentionPolicy
    ordinals=11:StatefulSetOrdinals`,
  StatefulSetStatus: `observedGeneration=1:i64 replicas=2:i32! readyReplicas=3:i32
    currentReplicas=4:i32 updatedReplicas=5:i32 currentRevision=6 updateRevision=7
    collisionCount=9:i32! conditions=10:[]StatefulSetCondition<type>+merge(type)
    availableReplicas=11:i32!`,
  StatefulSetUpdateStrategy: `type=1 rollingUpdate=2:RollingUpdateStatefulSetStrategy`,
}
