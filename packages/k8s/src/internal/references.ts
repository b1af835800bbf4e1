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

/** The parts of a pod template that can name a ConfigMap or a Secret. */
export interface TemplateWithReferences {
  readonly spec?: {
    readonly containers?: readonly ContainerLike[]
    readonly initContainers?: readonly ContainerLike[]
    readonly ephemeralContainers?: readonly ContainerLike[]
    readonly imagePullSecrets?: readonly NameRef[]
    readonly volumes?: readonly {
      readonly configMap?: NameRef
      readonly secret?: { readonly secretName?: string }
      readonly projected?: {
        readonly sources?: readonly { readonly configMap?: NameRef; readonly secret?: NameRef }[]
      }
    }[]
  }
}

/** The names referenced by volumes, projected volumes, env, envFrom and imagePullSecrets. */
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
