import type { MessageTable } from '../table-format.js'

/**
 * The meta/v1 (`ObjectMeta`, `Status`, `DeleteOptions`...) messages the simulator serves, written from the published API (field names,
 * protobuf field numbers and the markers of k8s.io/api apimachinery meta/v1 at v1.32). Format:
 * {@link MessageTable}.
 */
export const metaV1: MessageTable = {
  DeleteOptions: `gracePeriodSeconds=1:i64! preconditions=2:Preconditions orphanDependents=3:bool!
    propagationPolicy=4! dryRun=5:[]@ ignoreStoreReadErrorWithClusterBreakingPotential=6:bool!`,
  LabelSelector: `@ matchLabels=1:{} matchExpressions=2:[]LabelSelectorRequirement@`,
  LabelSelectorRequirement: `key=1! operator=2! values=3:[]@`,
  ListMeta: `selfLink=1 resourceVersion=2 continue=3 remainingItemCount=4:i64!`,
  ManagedFieldsEntry: `manager=1 operation=2 apiVersion=3 time=4:time! fieldsType=6
    fieldsV1=7:fields! subresource=8`,
  ObjectMeta: `name=1 generateName=2 namespace=3 selfLink=4 uid=5 resourceVersion=6
    generation=7:i64 creationTimestamp=8:time deletionTimestamp=9:time!
    deletionGracePeriodSeconds=10:i64! labels=11:{} annotations=12:{}
    ownerReferences=13:[]OwnerReference<uid>+merge(uid) finalizers=14:[]<>+merge
    managedFields=17:[]ManagedFieldsEntry@`,
  OwnerReference: `@ apiVersion=5! kind=1! name=3! uid=4! controller=6:bool!
    blockOwnerDeletion=7:bool!`,
  Preconditions: `uid=1! resourceVersion=2!`,
  Status: `metadata=1:ListMeta! status=2 message=3 reason=4 details=5:StatusDetails code=6:i32`,
  StatusCause: `reason=1 message=2 field=3`,
  StatusDetails: `name=1 group=2 kind=3 uid=6 causes=4:[]StatusCause@ retryAfterSeconds=5:i32`,
}
