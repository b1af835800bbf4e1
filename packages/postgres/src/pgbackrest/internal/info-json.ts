// Reads `pgbackrest info --output=json` (format of 2.45) into plain typed values.

/** One backup of the stanza as `info` reports it. */
export interface InfoBackup {
  readonly label: string
  readonly type: 'full' | 'diff' | 'incr'
  readonly prior: string | null
  readonly reference: readonly string[]
  readonly error: boolean
  readonly archiveStart: string | null
  readonly archiveStop: string | null
  readonly lsnStart: string | null
  readonly lsnStop: string | null
  /** Epoch seconds. */
  readonly timestampStart: number
  readonly timestampStop: number
  readonly pgbackrestVersion: string
  readonly databaseId: number
  readonly size: number
  readonly delta: number
  readonly repositorySize: number
  readonly repositoryDelta: number
}

/** One stanza of the `info` output. */
export interface InfoStanza {
  readonly name: string
  readonly cipher: string
  /** 0 ok, 1 missing stanza path, 2 no valid backups, 3 missing stanza data, 4 mixed, 5 pg mismatch, 6 backup not found, 99 other. */
  readonly statusCode: number
  readonly statusMessage: string
  readonly backupLockHeld: boolean
  readonly repos: readonly {
    readonly key: number
    readonly code: number
    readonly message: string
  }[]
  /** PostgreSQL clusters the stanza has known; the last one is the current. */
  readonly databases: readonly {
    readonly id: number
    readonly systemId: string
    readonly version: string
  }[]
  readonly archives: readonly {
    readonly id: string
    readonly min: string | null
    readonly max: string | null
    readonly databaseId: number
  }[]
  /** Oldest first, as pgbackrest lists them. */
  readonly backups: readonly InfoBackup[]
}

/**
 * Parse the output. `system-id` is a 64-bit integer that `JSON.parse` would round, so it is
 * quoted before parsing. Throws on output that is not the expected shape.
 */
export function parseInfo(text: string): InfoStanza[] {
  const safe = text.replace(/("system-id"\s*:\s*)(\d+)/g, '$1"$2"')
  const parsed: unknown = JSON.parse(safe)
  if (!Array.isArray(parsed)) throw new Error('pgbackrest info did not return a JSON array')
  return parsed.map((entry) => stanzaOf(record(entry, 'stanza')))
}

function stanzaOf(raw: Record<string, unknown>): InfoStanza {
  const status = record(raw['status'] ?? {}, 'status')
  const lock = record(status['lock'] ?? {}, 'status.lock')
  const backupLock = record(lock['backup'] ?? {}, 'status.lock.backup')
  return {
    name: text(raw['name']),
    cipher: text(raw['cipher']),
    statusCode: number(status['code']),
    statusMessage: text(status['message']),
    backupLockHeld: backupLock['held'] === true,
    repos: list(raw['repo']).map((entry) => {
      const repo = record(entry, 'repo')
      const repoStatus = record(repo['status'] ?? {}, 'repo.status')
      return {
        key: number(repo['key']),
        code: number(repoStatus['code']),
        message: text(repoStatus['message']),
      }
    }),
    databases: list(raw['db']).map((entry) => {
      const db = record(entry, 'db')
      return { id: number(db['id']), systemId: text(db['system-id']), version: text(db['version']) }
    }),
    archives: list(raw['archive']).map((entry) => {
      const archive = record(entry, 'archive')
      const database = record(archive['database'] ?? {}, 'archive.database')
      return {
        id: text(archive['id']),
        min: nullableText(archive['min']),
        max: nullableText(archive['max']),
        databaseId: number(database['id']),
      }
    }),
    backups: list(raw['backup']).map((entry) => backupOf(record(entry, 'backup'))),
  }
}

function backupOf(raw: Record<string, unknown>): InfoBackup {
  const archive = record(raw['archive'] ?? {}, 'backup.archive')
  const lsn = record(raw['lsn'] ?? {}, 'backup.lsn')
  const timestamp = record(raw['timestamp'] ?? {}, 'backup.timestamp')
  const backrest = record(raw['backrest'] ?? {}, 'backup.backrest')
  const database = record(raw['database'] ?? {}, 'backup.database')
  const info = record(raw['info'] ?? {}, 'backup.info')
  const repository = record(info['repository'] ?? {}, 'backup.info.repository')
  const type = text(raw['type'])
  if (type !== 'full' && type !== 'diff' && type !== 'incr') {
    throw new Error(`unknown backup type ${type}`)
  }
  return {
    label: text(raw['label']),
    type,
    prior: nullableText(raw['prior']),
    reference: list(raw['reference'] ?? []).map(text),
    error: raw['error'] === true,
    archiveStart: nullableText(archive['start']),
    archiveStop: nullableText(archive['stop']),
    lsnStart: nullableText(lsn['start']),
    lsnStop: nullableText(lsn['stop']),
    timestampStart: number(timestamp['start']),
    timestampStop: number(timestamp['stop']),
    pgbackrestVersion: text(backrest['version']),
    databaseId: number(database['id']),
    size: number(info['size']),
    delta: number(info['delta']),
    repositorySize: number(repository['size']),
    repositoryDelta: number(repository['delta']),
  }
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`pgbackrest info: ${what} is not an object`)
  }
  return value as Record<string, unknown>
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : ''
}

function nullableText(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}

function number(value: unknown): number {
  return typeof value === 'number' ? value : Number(value ?? 0) || 0
}

/** An LSN (`16/B374D848`) as a number that orders correctly. */
export function lsnValue(lsn: string): bigint {
  const [high, low] = lsn.split('/')
  return (BigInt(`0x${high ?? '0'}`) << 32n) + BigInt(`0x${low ?? '0'}`)
}

/** Whether a text is an LSN as PostgreSQL prints it. */
export function isLsn(text: string): boolean {
  return /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(text)
}
