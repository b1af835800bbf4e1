/**
 * A kubeconfig (YAML) for a server with no TLS and no authentication, that both kubectl and
 * `@kubernetes/client-node` accept.
 */
export function kubeconfigYaml(options: {
  server: string
  namespace: string
  name: string
}): string {
  const { server, namespace, name } = options
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: ${server}`,
    // kubectl ignores it for http://; @kubernetes/client-node refuses http:// without it.
    '    insecure-skip-tls-verify: true',
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    user: ${name}`,
    `    namespace: ${namespace}`,
    `current-context: ${name}`,
    'users:',
    `- name: ${name}`,
    '  user: {}',
    'preferences: {}',
    '',
  ].join('\n')
}
