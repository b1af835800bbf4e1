/** The first problem with a parsed manifest.json, or `undefined` when it is well formed. */
export function checkManifestShape(value: unknown): string | undefined {
  if (!isRecord(value)) return 'it is not a JSON object'
  if (value['manifestVersion'] !== 1) return 'manifestVersion must be 1'
  if (value['kind'] !== 'dump') return 'kind must be "dump"'
  for (const key of [
    'id',
    'createdAt',
    'database',
    'serverVersion',
    'pgDumpVersion',
    'archivePath',
  ] as const) {
    if (typeof value[key] !== 'string') return `${key} must be a string`
  }
  if (!/^[A-Za-z0-9._-]+$/.test(String(value['id']))) return 'id has unsafe characters'
  if (!isSafeRelative(String(value['archivePath'])))
    return 'archivePath must stay inside the folder'
  if (typeof value['serverVersionNum'] !== 'number') return 'serverVersionNum must be a number'
  if (typeof value['durationMs'] !== 'number') return 'durationMs must be a number'
  const archiveVersion = value['archiveVersion']
  if (archiveVersion !== null && typeof archiveVersion !== 'string') {
    return 'archiveVersion must be a string or null'
  }
  if (!['custom', 'directory', 'plain'].includes(String(value['format']))) {
    return 'format must be custom, directory or plain'
  }
  const options = value['options']
  if (
    !isRecord(options) ||
    typeof options['jobs'] !== 'number' ||
    !isRecord(options['compression'])
  )
    return 'options must record format, jobs and compression'
  const files = value['files']
  if (!Array.isArray(files) || files.length === 0) return 'files must be a non-empty array'
  for (const [index, file] of files.entries()) {
    if (!isRecord(file)) return `files[${index}] must be an object`
    if (typeof file['path'] !== 'string' || !isSafeRelative(file['path']))
      return `files[${index}].path must be a relative path inside the folder`
    if (typeof file['size'] !== 'number' || file['size'] < 0)
      return `files[${index}].size must be a non-negative number`
    if (typeof file['sha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(file['sha256']))
      return `files[${index}].sha256 must be 64 hex characters`
  }
  const algorithm = value['fingerprintAlgorithm']
  if (
    algorithm !== undefined &&
    algorithm !== 'sum-hashtextextended-v1' &&
    algorithm !== 'sum-hashrecordextended-v2'
  )
    return 'fingerprintAlgorithm must be sum-hashtextextended-v1 or sum-hashrecordextended-v2'
  const tables = value['tables']
  if (!Array.isArray(tables)) return 'tables must be an array'
  for (const [index, table] of tables.entries()) {
    if (
      !isRecord(table) ||
      typeof table['schema'] !== 'string' ||
      typeof table['name'] !== 'string' ||
      typeof table['rows'] !== 'number' ||
      typeof table['fingerprint'] !== 'string'
    )
      return `tables[${index}] must have schema, name, rows and fingerprint`
  }
  return undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Relative, `/`-separated, no `..`, no absolute path, no empty segment. */
export function isSafeRelative(path: string): boolean {
  if (path.length === 0 || path.startsWith('/') || path.includes('\\')) return false
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..')
}
