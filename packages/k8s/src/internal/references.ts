/** Which ConfigMaps and Secrets a pod template refers to. */

interface NameRef {
  readonly name?: string
}

interface ContainerLike {
  readonly env?: readonly {
    readonly valueFrom?: {
      readonly configMapKeyRef?: NameRef
      readonly secretKeyRef?: NameRef
    }
  }[]
  readonly envFrom?: readonly { readonly configMapRef?: NameRef; readonly secretRef?: NameRef }[]
}

/** Volume plugins that name a Secret in a `secretRef` (credentials of the storage). */
const SECRET_REF_PLUGINS = [
  'cephfs',
  'cinder',
  'flexVolume',
  'iscsi',
  'rbd',
  'scaleIO',
  'storageos',
] as const

/** The parts of a volume that can name a ConfigMap or a Secret. */
type VolumeLike = {
  readonly configMap?: NameRef
  readonly secret?: { readonly secretName?: string }
  readonly projected?: {
    readonly sources?: readonly { readonly configMap?: NameRef; readonly secret?: NameRef }[]
  }
  /** CSI drivers (the Secrets Store driver among them) get their credentials from this Secret. */
  readonly csi?: { readonly nodePublishSecretRef?: NameRef }
  readonly azureFile?: { readonly secretName?: string }
} & { readonly [P in (typeof SECRET_REF_PLUGINS)[number]]?: { readonly secretRef?: NameRef } }

/** The parts of a pod template that can name a ConfigMap or a Secret. */
export interface TemplateWithReferences {
  readonly spec?: {
    readonly containers?: readonly ContainerLike[]
    readonly initContainers?: readonly ContainerLike[]
    readonly ephemeralContainers?: readonly ContainerLike[]
    readonly imagePullSecrets?: readonly NameRef[]
    readonly volumes?: readonly VolumeLike[]
  }
}

/**
 * The names referenced by volumes (configMap, secret, projected, CSI and the other plugins'
 * secret references), env, envFrom and imagePullSecrets.
 */
export function referencedConfig(template: TemplateWithReferences | undefined): {
  readonly configMaps: string[]
  readonly secrets: string[]
} {
  const configMaps = new Set<string>()
  const secrets = new Set<string>()
  const add = (set: Set<string>, name: string | undefined) => {
    if (name !== undefined && name !== '') set.add(name)
  }
  const spec = template?.spec
  for (const volume of spec?.volumes ?? []) {
    add(configMaps, volume.configMap?.name)
    add(secrets, volume.secret?.secretName)
    for (const source of volume.projected?.sources ?? []) {
      add(configMaps, source.configMap?.name)
      add(secrets, source.secret?.name)
    }
    add(secrets, volume.csi?.nodePublishSecretRef?.name)
    add(secrets, volume.azureFile?.secretName)
    for (const plugin of SECRET_REF_PLUGINS) add(secrets, volume[plugin]?.secretRef?.name)
  }
  const containers = [
    ...(spec?.containers ?? []),
    ...(spec?.initContainers ?? []),
    ...(spec?.ephemeralContainers ?? []),
  ]
  for (const container of containers) {
    for (const env of container.env ?? []) {
      add(configMaps, env.valueFrom?.configMapKeyRef?.name)
      add(secrets, env.valueFrom?.secretKeyRef?.name)
    }
    for (const from of container.envFrom ?? []) {
      add(configMaps, from.configMapRef?.name)
      add(secrets, from.secretRef?.name)
    }
  }
  for (const pull of spec?.imagePullSecrets ?? []) add(secrets, pull.name)
  return { configMaps: [...configMaps].sort(), secrets: [...secrets].sort() }
}
