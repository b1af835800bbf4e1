import type { FingerprintAlgorithm } from '../../pg/integrity-fingerprint.js'
import { createHash } from 'node:crypto'
import type { ResultAsync } from 'neverthrow'
import type { ManifestTable } from '../manifest.js'
import type { Session } from './snapshot-pg.js'
import type { SessionError } from '../errors.js'

/**
 * Databases this package creates carry a JSON comment (`COMMENT ON DATABASE`) saying what they
 * are, so they can be listed, verified, and cleaned up after a crash by name AND metadata.
 */
export type DbMarker = CloneMarker | ShadowMarker | PreviousMarker | DrainMarker

/**
 * Written on a database just before a run blocks its connections (restore, undo, clone), and
 * replaced by its original comment once connections are back. A run killed in between leaves
 * it, and the next run under the database's rollback lock repairs what it names: connections,
 * the comment, and a clone that never got its snapshot marker.
 */
export interface DrainMarker {
  readonly rollbackKit: 'drain'
  readonly v: 1
  readonly runId: string
  readonly operation: 'restore' | 'undo' | 'clone'
  readonly blockedAt: string
  /** Whether the database accepted connections before the run blocked it. */
  readonly allowedBefore: boolean
  /** The user's own comment, put back by the run or by the repair. */
  readonly originalComment: string | null
  /** The clone a clone run was creating from this database (dropped unless it is marked). */
  readonly clone?: string
}

/** A clone snapshot (`CREATE DATABASE ... TEMPLATE`). */
export interface CloneMarker {
  readonly rollbackKit: 'clone-snapshot'
  readonly v: 1
  readonly id: string
  readonly source: string
  readonly createdAt: string
  readonly serverVersion: string
  readonly strategy: string
  readonly tables: readonly ManifestTable[]
  /** Absent on clones made before it was recorded (`sum-hashtextextended-v1`). */
  readonly algorithm?: FingerprintAlgorithm
  readonly durationMs: number
  readonly verifiedAt?: string
}

/** A shadow database a swap restore is filling; a leftover when its run crashed. */
export interface ShadowMarker {
  readonly rollbackKit: 'restore-shadow'
  readonly v: 1
  readonly runId: string
  readonly target: string
  readonly createdAt: string
  /** Whether the target accepted connections before this run touched it. */
  readonly targetAllowedConnections: boolean
  /** Set just before the run blocks connections to the target. */
  readonly targetBlockedAt?: string
  /** Set when the shadow is a clone snapshot being swapped in: never dropped as a leftover. */
  readonly cloneSnapshot?: CloneMarker
}

/** The database a swap restore replaced (or an undo replaced), kept for `undoRestore`. */
export interface PreviousMarker {
  readonly rollbackKit: 'restore-previous'
  readonly v: 1
  readonly runId: string
  /** The name it had, and gets back on undo. */
  readonly target: string
  readonly replacedAt: string
  /** What replaced it: a snapshot id or `undo`. */
  readonly replacedBy: string
  /** The user's own comment on the database, put back on undo. */
  readonly originalComment: string | null
  readonly allowedConnections: boolean
  /**
   * Set by `undoRestore` just before it blocks connections to the current target; a crash
   * after that is repaired by the next run, which allows the target again.
   */
  readonly undoBlockedTargetAt?: string
  /** Whether the current target accepted connections before that undo blocked it. */
  readonly undoTargetAllowedConnections?: boolean
}

/** One database with its marker and state. */
export interface MarkedDatabase {
  readonly name: string
  readonly allowConnections: boolean
  readonly marker: DbMarker
}

export const CLONE_PREFIX = 'rk_snap_'
export const SHADOW_PREFIX = 'rk_shadow_'
export const PREVIOUS_PREFIX = 'rk_prev_'

/**
 * The shadows of one target start with this: `rk_shadow_<12 hex of sha256(target)>_`. A
 * shadow is recognised from its name alone, so one whose marker never got written (the run
 * died during CREATE DATABASE, which the server still finishes) is found by the next run
 * holding the target's lock.
 */
export function shadowPrefixOf(target: string): string {
  const hash = createHash('sha256').update(`rollback-kit:shadow:${target}`, 'utf8').digest('hex')
  return `${SHADOW_PREFIX}${hash.slice(0, 12)}_`
}

/** The shadow database of one restore run. */
export function shadowNameOf(target: string, runId: string): string {
  return `${shadowPrefixOf(target)}${runId}`
}

/** Parse a database comment; `undefined` when it is not one of ours. */
export function parseMarker(comment: string | null): DbMarker | undefined {
  if (comment === null || !comment.startsWith('{')) return undefined
  try {
    const value = JSON.parse(comment) as { rollbackKit?: unknown; v?: unknown }
    if (value.v !== 1) return undefined
    if (
      value.rollbackKit === 'clone-snapshot' ||
      value.rollbackKit === 'restore-shadow' ||
      value.rollbackKit === 'restore-previous' ||
      value.rollbackKit === 'drain'
    ) {
      return value as DbMarker
    }
    return undefined
  } catch {
    return undefined
  }
}

/** Every database of the server with one of our markers. */
export function listMarkedDatabases(session: Session): ResultAsync<MarkedDatabase[], SessionError> {
  return session
    .query<{ name: string; allow: boolean; comment: string | null }>(
      `SELECT datname AS name, datallowconn AS allow,
              shobj_description(oid, 'pg_database') AS comment
         FROM pg_database ORDER BY datname`,
    )
    .map((rows) =>
      rows.flatMap((row) => {
        const marker = parseMarker(row.comment)
        return marker === undefined ? [] : [{ name: row.name, allowConnections: row.allow, marker }]
      }),
    )
}

/** Facts about one database; `undefined` when it does not exist. */
export interface DatabaseFacts {
  readonly name: string
  readonly owner: string
  readonly allowConnections: boolean
  readonly comment: string | null
  /** `datconnlimit`: -1 for no limit. */
  readonly connectionLimit: number
  readonly tablespace: string
}

export function databaseFacts(
  session: Session,
  name: string,
): ResultAsync<DatabaseFacts | undefined, SessionError> {
  return session
    .query<{
      owner: string
      allow: boolean
      comment: string | null
      limit: number
      tablespace: string
    }>(
      `SELECT pg_get_userbyid(d.datdba) AS owner, d.datallowconn AS allow,
              shobj_description(d.oid, 'pg_database') AS comment, d.datconnlimit AS limit,
              t.spcname AS tablespace
         FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace
        WHERE d.datname = $1`,
      [name],
    )
    .map((rows) => {
      const row = rows[0]
      return row === undefined
        ? undefined
        : {
            name,
            owner: row.owner,
            allowConnections: row.allow,
            comment: row.comment,
            connectionLimit: row.limit,
            tablespace: row.tablespace,
          }
    })
}

/** `COMMENT ON DATABASE` takes no parameters: the text goes in as an escaped literal. */
export function commentOnDatabaseSql(
  session: Session,
  database: string,
  comment: DbMarker | string | null,
): string {
  const text =
    comment === null
      ? 'NULL'
      : session.escapeLiteral(typeof comment === 'string' ? comment : JSON.stringify(comment))
  return `COMMENT ON DATABASE ${session.escapeIdentifier(database)} IS ${text}`
}

export function setComment(
  session: Session,
  database: string,
  comment: DbMarker | string | null,
): ResultAsync<void, SessionError> {
  return session.query(commentOnDatabaseSql(session, database, comment)).map(() => undefined)
}

/** A new run id: `20261125t162729123z_4f2ac1`, lowercase so database names stay tidy. */
export function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('.', '').toLowerCase()
  const random = Array.from(crypto.getRandomValues(new Uint8Array(3)))
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
  return `${stamp}_${random}`
}
