import type { MessageTable } from '../table-format.js'

/**
 * The core/v1 (`v1`) messages the simulator serves, written from the published API (field names,
 * protobuf field numbers and the markers of k8s.io/api core/v1 at v1.32). Format:
 * {@link MessageTable}.
 */
export const coreV1: MessageTable = {
  AWSElasticBlockStoreVolumeSource: `volumeID=1! fsType=2 partition=3:i32 readOnly=4:bool`,
  Affinity: `nodeAffinity=1:NodeAffinity podAffinity=2:PodAffinity
    podAntiAffinity=3:PodAntiAffinity`,
  AppArmorProfile: `type=1! localhostProfile=2!`,
  AzureDiskVolumeSource: `diskName=1! diskURI=2! cachingMode=3! fsType=4! readOnly=5:bool! kind=6!`,
  AzureFileVolumeSource: `secretName=1! shareName=2! readOnly=3:bool`,
  CSIVolumeSource: `driver=1! readOnly=2:bool! fsType=3! volumeAttributes=4:{}
    nodePublishSecretRef=5:LocalObjectReference`,
  Capabilities: `add=1:[]@ drop=2:[]@`,
  CephFSVolumeSource: `monitors=1:[]!@ path=2 user=3 secretFile=4 secretRef=5:LocalObjectReference
    readOnly=6:bool`,
  CinderVolumeSource: `volumeID=1! fsType=2 readOnly=3:bool secretRef=4:LocalObjectReference`,
  ClusterTrustBundleProjection: `name=1! signerName=2! labelSelector=3:meta.LabelSelector
    optional=5:bool! path=4!`,
  ConfigMap: `metadata=1:meta.ObjectMeta! immutable=4:bool! data=2:{} binaryData=3:{}bytes`,
  ConfigMapEnvSource: `~localObjectReference=1:LocalObjectReference optional=2:bool!`,
  ConfigMapKeySelector: `@ ~localObjectReference=1:LocalObjectReference key=2! optional=3:bool!`,
  ConfigMapList: `metadata=1:meta.ListMeta! items=2:[]ConfigMap!`,
  ConfigMapProjection: `~localObjectReference=1:LocalObjectReference items=2:[]KeyToPath@
    optional=4:bool!`,
  ConfigMapVolumeSource: `~localObjectReference=1:LocalObjectReference items=2:[]KeyToPath@
    defaultMode=3:i32! optional=4:bool!`,
  Container: `name=1! image=2 command=3:[]@ args=4:[]@ workingDir=5
    ports=6:[]ContainerPort<containerPort,protocol>+merge(containerPort)
    envFrom=19:[]EnvFromSource@ env=7:[]EnvVar<name>+merge(name) resources=8:ResourceRequirements!
    resizePolicy=23:[]ContainerResizePolicy@ restartPolicy=24!
    volumeMounts=9:[]VolumeMount<mountPath>+merge(mountPath)
    volumeDevices=21:[]VolumeDevice<devicePath>+merge(devicePath) livenessProbe=10:Probe
    readinessProbe=11:Probe startupProbe=22:Probe lifecycle=12:Lifecycle terminationMessagePath=13
    terminationMessagePolicy=20 imagePullPolicy=14 securityContext=15:SecurityContext
    stdin=16:bool stdinOnce=17:bool tty=18:bool`,
  ContainerPort: `name=1 hostPort=2:i32 containerPort=3:i32! protocol=4 hostIP=5`,
  ContainerResizePolicy: `resourceName=1! restartPolicy=2!`,
  ContainerState: `waiting=1:ContainerStateWaiting running=2:ContainerStateRunning
    terminated=3:ContainerStateTerminated`,
  ContainerStateRunning: `startedAt=1:time`,
  ContainerStateTerminated: `exitCode=1:i32! signal=2:i32 reason=3 message=4 startedAt=5:time
    finishedAt=6:time containerID=7`,
  ContainerStateWaiting: `reason=1 message=2`,
  ContainerStatus: `name=1! state=2:ContainerState! lastState=3:ContainerState! ready=4:bool!
    restartCount=5:i32! image=6! imageID=7! containerID=8 started=9:bool!
    allocatedResources=10:{}quantity resources=11:ResourceRequirements
    volumeMounts=12:[]VolumeMountStatus<mountPath>+merge(mountPath) user=13:ContainerUser
    allocatedResourcesStatus=14:[]ResourceStatus<name>+merge(name)`,
  ContainerUser: `linux=1:LinuxContainerUser`,
  DownwardAPIProjection: `items=1:[]DownwardAPIVolumeFile@`,
  DownwardAPIVolumeFile: `path=1! fieldRef=2:ObjectFieldSelector
    resourceFieldRef=3:ResourceFieldSelector mode=4:i32!`,
  DownwardAPIVolumeSource: `items=1:[]DownwardAPIVolumeFile@ defaultMode=2:i32!`,
  EmptyDirVolumeSource: `medium=1 sizeLimit=2:quantity!`,
  EnvFromSource: `prefix=1 configMapRef=2:ConfigMapEnvSource secretRef=3:SecretEnvSource`,
  EnvVar: `name=1! value=2 valueFrom=3:EnvVarSource`,
  EnvVarSource: `fieldRef=1:ObjectFieldSelector resourceFieldRef=2:ResourceFieldSelector
    configMapKeyRef=3:ConfigMapKeySelector secretKeyRef=4:SecretKeySelector`,
  EphemeralContainer: `~ephemeralContainerCommon=1:EphemeralContainerCommon targetContainerName=2`,
  EphemeralContainerCommon: `name=1! image=2 command=3:[]@ args=4:[]@ workingDir=5
    ports=6:[]ContainerPort<containerPort,protocol>+merge(containerPort)
    envFrom=19:[]EnvFromSource@ env=7:[]EnvVar<name>+merge(name) resources=8:ResourceRequirements!
    resizePolicy=23:[]ContainerResizePolicy@ restartPolicy=24!
    volumeMounts=9:[]VolumeMount<mountPath>+merge(mountPath)
    volumeDevices=21:[]VolumeDevice<devicePath>+merge(devicePath) livenessProbe=10:Probe
    readinessProbe=11:Probe startupProbe=22:Probe lifecycle=12:Lifecycle terminationMessagePath=13
    terminationMessagePolicy=20 imagePullPolicy=14 securityContext=15:SecurityContext
    stdin=16:bool stdinOnce=17:bool tty=18:bool`,
  EphemeralVolumeSource: `volumeClaimTemplate=1:PersistentVolumeClaimTemplate`,
  Event: `metadata=1:meta.ObjectMeta! involvedObject=2:ObjectReference! reason=3 message=4
    source=5:EventSource! firstTimestamp=6:time lastTimestamp=7:time count=8:i32 type=9
    eventTime=10:microtime series=11:EventSeries action=12 related=13:ObjectReference
    reportingComponent=14! reportingInstance=15!`,
  EventList: `metadata=1:meta.ListMeta! items=2:[]Event!`,
  EventSeries: `count=1:i32 lastObservedTime=2:microtime`,
  EventSource: `component=1 host=2`,
  ExecAction: `command=1:[]@`,
  FCVolumeSource: `targetWWNs=1:[]@ lun=2:i32! fsType=3 readOnly=4:bool wwids=5:[]@`,
  FlexVolumeSource: `driver=1! fsType=2 secretRef=3:LocalObjectReference readOnly=4:bool
    options=5:{}`,
  FlockerVolumeSource: `datasetName=1 datasetUUID=2`,
  GCEPersistentDiskVolumeSource: `pdName=1! fsType=2 partition=3:i32 readOnly=4:bool`,
  GRPCAction: `port=1:i32! service=2!`,
  GitRepoVolumeSource: `repository=1! revision=2 directory=3`,
  GlusterfsVolumeSource: `endpoints=1! path=2! readOnly=3:bool`,
  HTTPGetAction: `path=1 port=2:intstr host=3 scheme=4 httpHeaders=5:[]HTTPHeader@`,
  HTTPHeader: `name=1! value=2!`,
  HostAlias: `ip=1! hostnames=2:[]@`,
  HostIP: `ip=1!`,
  HostPathVolumeSource: `path=1! type=2!`,
  ISCSIVolumeSource: `targetPortal=1! iqn=2! lun=3:i32! iscsiInterface=4 fsType=5 readOnly=6:bool
    portals=7:[]@ chapAuthDiscovery=8:bool chapAuthSession=11:bool
    secretRef=10:LocalObjectReference initiatorName=12!`,
  ImageVolumeSource: `reference=1 pullPolicy=2`,
  KeyToPath: `key=1! path=2! mode=3:i32!`,
  Lifecycle: `postStart=1:LifecycleHandler preStop=2:LifecycleHandler`,
  LifecycleHandler: `exec=1:ExecAction httpGet=2:HTTPGetAction tcpSocket=3:TCPSocketAction
    sleep=4:SleepAction`,
  LinuxContainerUser: `uid=1:i64! gid=2:i64! supplementalGroups=3:[]i64@`,
  LocalObjectReference: `@ name=1`,
  ModifyVolumeStatus: `targetVolumeAttributesClassName=1 status=2!`,
  NFSVolumeSource: `server=1! path=2! readOnly=3:bool`,
  Namespace: `metadata=1:meta.ObjectMeta! spec=2:NamespaceSpec! status=3:NamespaceStatus!`,
  NamespaceCondition: `type=1! status=2! lastTransitionTime=4:time reason=5 message=6`,
  NamespaceList: `metadata=1:meta.ListMeta! items=2:[]Namespace!`,
  NamespaceSpec: `finalizers=1:[]@`,
  NamespaceStatus: `phase=1 conditions=2:[]NamespaceCondition<type>+merge(type)`,
  NodeAffinity: `requiredDuringSchedulingIgnoredDuringExecution=1:NodeSelector
    preferredDuringSchedulingIgnoredDuringExecution=2:[]PreferredSchedulingTerm@`,
  NodeSelector: `@ nodeSelectorTerms=1:[]NodeSelectorTerm!@`,
  NodeSelectorRequirement: `key=1! operator=2! values=3:[]@`,
  NodeSelectorTerm: `@ matchExpressions=1:[]NodeSelectorRequirement@
    matchFields=2:[]NodeSelectorRequirement@`,
  ObjectFieldSelector: `@ apiVersion=1 fieldPath=2!`,
  ObjectReference: `@ kind=1 namespace=2 name=3 uid=4 apiVersion=5 resourceVersion=6 fieldPath=7`,
  PersistentVolumeClaim: `metadata=1:meta.ObjectMeta! spec=2:PersistentVolumeClaimSpec!
    status=3:PersistentVolumeClaimStatus!`,
  PersistentVolumeClaimCondition: `type=1! status=2! lastProbeTime=3:time
    lastTransitionTime=4:time reason=5 message=6`,
  PersistentVolumeClaimSpec: `accessModes=1:[]@ selector=4:meta.LabelSelector
    resources=2:VolumeResourceRequirements! volumeName=3 storageClassName=5! volumeMode=6!
    dataSource=7:TypedLocalObjectReference dataSourceRef=8:TypedObjectReference
    volumeAttributesClassName=9!`,
  PersistentVolumeClaimStatus: `phase=1 accessModes=2:[]@ capacity=3:{}quantity
    conditions=4:[]PersistentVolumeClaimCondition<type>+merge(type)
    allocatedResources=5:{}quantity allocatedResourceStatuses=7:{}
    currentVolumeAttributesClassName=8! modifyVolumeStatus=9:ModifyVolumeStatus`,
  PersistentVolumeClaimTemplate: `metadata=1:meta.ObjectMeta! spec=2:PersistentVolumeClaimSpec!`,
  PersistentVolumeClaimVolumeSource: `claimName=1! readOnly=2:bool`,
  PhotonPersistentDiskVolumeSource: `pdID=1! fsType=2`,
  Pod: `metadata=1:meta.ObjectMeta! spec=2:PodSpec! status=3:PodStatus!`,
  PodAffinity: `requiredDuringSchedulingIgnoredDuringExecution=1:[]PodAffinityTerm@
    preferredDuringSchedulingIgnoredDuringExecution=2:[]WeightedPodAffinityTerm@`,
  PodAffinityTerm: `labelSelector=1:meta.LabelSelector namespaces=2:[]@ topologyKey=3!
    namespaceSelector=4:meta.LabelSelector matchLabelKeys=5:[]@ mismatchLabelKeys=6:[]@`,
  PodAntiAffinity: `requiredDuringSchedulingIgnoredDuringExecution=1:[]PodAffinityTerm@
    preferredDuringSchedulingIgnoredDuringExecution=2:[]WeightedPodAffinityTerm@`,
  PodCondition: `type=1! status=2! lastProbeTime=3:time lastTransitionTime=4:time reason=5
    message=6`,
  PodDNSConfig: `nameservers=1:[]@ searches=2:[]@ options=3:[]PodDNSConfigOption@`,
  PodDNSConfigOption: `name=1 value=2!`,
  PodIP: `ip=1!`,
  PodList: `metadata=1:meta.ListMeta! items=2:[]Pod!`,
  PodOS: `name=1!`,
  PodReadinessGate: `conditionType=1!`,
  PodResourceClaim: `name=1! resourceClaimName=3! resourceClaimTemplateName=4!`,
  PodResourceClaimStatus: `name=1! resourceClaimName=2!`,
  PodSchedulingGate: `name=1!`,
  PodSecurityContext: `seLinuxOptions=1:SELinuxOptions
    windowsOptions=8:WindowsSecurityContextOptions runAsUser=2:i64! runAsGroup=6:i64!
    runAsNonRoot=3:bool! supplementalGroups=4:[]i64@ supplementalGroupsPolicy=12! fsGroup=5:i64!
    sysctls=7:[]Sysctl@ fsGroupChangePolicy=9! seccompProfile=10:SeccompProfile
    appArmorProfile=11:AppArmorProfile seLinuxChangePolicy=13!`,
  PodSpec: `volumes=1:[]Volume<name>+merge&retainKeys(name)
    initContainers=20:[]Container<name>+merge(name) containers=2:[]Container!<name>+merge(name)
    ephemeralContainers=34:[]EphemeralContainer<name>+merge(name) restartPolicy=3
    terminationGracePeriodSeconds=4:i64! activeDeadlineSeconds=5:i64! dnsPolicy=6
    nodeSelector=7:{}@ serviceAccountName=8 serviceAccount=9 automountServiceAccountToken=21:bool!
    nodeName=10 hostNetwork=11:bool hostPID=12:bool hostIPC=13:bool shareProcessNamespace=27:bool!
    securityContext=14:PodSecurityContext
    imagePullSecrets=15:[]LocalObjectReference<name>+merge(name) hostname=16 subdomain=17
    affinity=18:Affinity schedulerName=19 tolerations=22:[]Toleration@
    hostAliases=23:[]HostAlias<ip>+merge(ip) priorityClassName=24 priority=25:i32!
    dnsConfig=26:PodDNSConfig readinessGates=28:[]PodReadinessGate@ runtimeClassName=29!
    enableServiceLinks=30:bool! preemptionPolicy=31! overhead=32:{}quantity
    topologySpreadConstraints=33:[]TopologySpreadConstraint<topologyKey,whenUnsatisfiable>+merge(topologyKey)
    setHostnameAsFQDN=35:bool! os=36:PodOS hostUsers=37:bool!
    schedulingGates=38:[]PodSchedulingGate<name>+merge(name)
    resourceClaims=39:[]PodResourceClaim<name>+merge&retainKeys(name)
    resources=40:ResourceRequirements`,
  PodStatus: `phase=1 conditions=2:[]PodCondition<type>+merge(type) message=3 reason=4
    nominatedNodeName=11 hostIP=5 hostIPs=16:[]HostIP@+merge(ip) podIP=6
    podIPs=12:[]PodIP<ip>+merge(ip) startTime=7:time! initContainerStatuses=10:[]ContainerStatus@
    containerStatuses=8:[]ContainerStatus@ qosClass=9
    ephemeralContainerStatuses=13:[]ContainerStatus@ resize=14
    resourceClaimStatuses=15:[]PodResourceClaimStatus<name>+merge&retainKeys(name)`,
  PodTemplateSpec: `metadata=1:meta.ObjectMeta! spec=2:PodSpec!`,
  PortworxVolumeSource: `volumeID=1! fsType=2 readOnly=3:bool`,
  PreferredSchedulingTerm: `weight=1:i32! preference=2:NodeSelectorTerm!`,
  Probe: `~handler=1:ProbeHandler initialDelaySeconds=2:i32 timeoutSeconds=3:i32
    periodSeconds=4:i32 successThreshold=5:i32 failureThreshold=6:i32
    terminationGracePeriodSeconds=7:i64!`,
  ProbeHandler: `exec=1:ExecAction httpGet=2:HTTPGetAction tcpSocket=3:TCPSocketAction
    grpc=4:GRPCAction`,
  ProjectedVolumeSource: `sources=1:[]VolumeProjection!@ defaultMode=2:i32!`,
  QuobyteVolumeSource: `registry=1! volume=2! readOnly=3:bool user=4 group=5 tenant=6`,
  RBDVolumeSource: `monitors=1:[]!@ image=2! fsType=3 pool=4 user=5 keyring=6
    secretRef=7:LocalObjectReference readOnly=8:bool`,
  ResourceClaim: `name=1! request=2`,
  ResourceFieldSelector: `@ containerName=1 resource=2! divisor=3:quantity`,
  ResourceHealth: `resourceID=1! health=2`,
  ResourceRequirements: `limits=1:{}quantity requests=2:{}quantity claims=3:[]ResourceClaim<name>`,
  ResourceStatus: `name=1! resources=2:[]ResourceHealth<resourceID>`,
  SELinuxOptions: `user=1 role=2 type=3 level=4`,
  ScaleIOVolumeSource: `gateway=1! system=2! secretRef=3:LocalObjectReference sslEnabled=4:bool
    protectionDomain=5 storagePool=6 storageMode=7 volumeName=8 fsType=9 readOnly=10:bool`,
  SeccompProfile: `type=1! localhostProfile=2!`,
  Secret: `metadata=1:meta.ObjectMeta! immutable=5:bool! data=2:{}bytes stringData=4:{} type=3`,
  SecretEnvSource: `~localObjectReference=1:LocalObjectReference optional=2:bool!`,
  SecretKeySelector: `@ ~localObjectReference=1:LocalObjectReference key=2! optional=3:bool!`,
  SecretList: `metadata=1:meta.ListMeta! items=2:[]Secret!`,
  SecretProjection: `~localObjectReference=1:LocalObjectReference items=2:[]KeyToPath@
    optional=4:bool!`,
  SecretVolumeSource: `secretName=1 items=2:[]KeyToPath@ defaultMode=3:i32! optional=4:bool!`,
  SecurityContext: `capabilities=1:Capabilities privileged=2:bool! seLinuxOptions=3:SELinuxOptions
    windowsOptions=10:WindowsSecurityContextOptions runAsUser=4:i64! runAsGroup=8:i64!
    runAsNonRoot=5:bool! readOnlyRootFilesystem=6:bool! allowPrivilegeEscalation=7:bool!
    procMount=9! seccompProfile=11:SeccompProfile appArmorProfile=12:AppArmorProfile`,
  ServiceAccountTokenProjection: `audience=1 expirationSeconds=2:i64! path=3!`,
  SleepAction: `seconds=1:i64!`,
  StorageOSVolumeSource: `volumeName=1 volumeNamespace=2 fsType=3 readOnly=4:bool
    secretRef=5:LocalObjectReference`,
  Sysctl: `name=1! value=2!`,
  TCPSocketAction: `port=1:intstr host=2`,
  Toleration: `key=1 operator=2 value=3 effect=4 tolerationSeconds=5:i64!`,
  TopologySpreadConstraint: `maxSkew=1:i32! topologyKey=2! whenUnsatisfiable=3!
    labelSelector=4:meta.LabelSelector minDomains=5:i32! nodeAffinityPolicy=6! nodeTaintsPolicy=7!
    matchLabelKeys=8:[]@`,
  TypedLocalObjectReference: `@ apiGroup=1! kind=2! name=3!`,
  TypedObjectReference: `apiGroup=1! kind=2! name=3! namespace=4!`,
  Volume: `name=1! ~volumeSource=2:VolumeSource`,
  VolumeDevice: `name=1! devicePath=2!`,
  VolumeMount: `name=1! readOnly=2:bool recursiveReadOnly=7! mountPath=3! subPath=4
    mountPropagation=5! subPathExpr=6`,
  VolumeMountStatus: `name=1! mountPath=2! readOnly=3:bool recursiveReadOnly=4!`,
  VolumeProjection: `secret=1:SecretProjection downwardAPI=2:DownwardAPIProjection
    configMap=3:ConfigMapProjection serviceAccountToken=4:ServiceAccountTokenProjection
    clusterTrustBundle=5:ClusterTrustBundleProjection`,
  VolumeResourceRequirements: `limits=1:{}quantity requests=2:{}quantity`,
  VolumeSource: `hostPath=1:HostPathVolumeSource emptyDir=2:EmptyDirVolumeSource
    gcePersistentDisk=3:GCEPersistentDiskVolumeSource
    awsElasticBlockStore=4:AWSElasticBlockStoreVolumeSource gitRepo=5:GitRepoVolumeSource
    secret=6:SecretVolumeSource nfs=7:NFSVolumeSource iscsi=8:ISCSIVolumeSource
    glusterfs=9:GlusterfsVolumeSource persistentVolumeClaim=10:PersistentVolumeClaimVolumeSource
    rbd=11:RBDVolumeSource flexVolume=12:FlexVolumeSource cinder=13:CinderVolumeSource
    cephfs=14:CephFSVolumeSource flocker=15:FlockerVolumeSource
    downwardAPI=16:DownwardAPIVolumeSource fc=17:FCVolumeSource azureFile=18:AzureFileVolumeSource
    configMap=19:ConfigMapVolumeSource vsphereVolume=20:VsphereVirtualDiskVolumeSource
    quobyte=21:QuobyteVolumeSource azureDisk=22:AzureDiskVolumeSource
    photonPersistentDisk=23:PhotonPersistentDiskVolumeSource projected=26:ProjectedVolumeSource
    portworxVolume=24:PortworxVolumeSource scaleIO=25:ScaleIOVolumeSource
    storageos=27:StorageOSVolumeSource csi=28:CSIVolumeSource ephemeral=29:EphemeralVolumeSource
    image=30:ImageVolumeSource`,
  VsphereVirtualDiskVolumeSource: `volumePath=1! fsType=2 storagePolicyName=3 storagePolicyID=4`,
  WeightedPodAffinityTerm: `weight=1:i32! podAffinityTerm=2:PodAffinityTerm!`,
  WindowsSecurityContextOptions: `gmsaCredentialSpecName=1! gmsaCredentialSpec=2! runAsUserName=3!
    hostProcess=4:bool!`,
}
