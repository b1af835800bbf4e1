import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { RestoreSnapshotError } from '../restore-snapshot.js'
import type { RestoreContext } from './restore-context.js'
import {
  databaseFacts,
  setComment,
  shadowNameOf,
  type ShadowMarker,
} from './snapshot-db-markers.js'

/**
 * A shadow database's whole life: create it (refusing connections, recognisable from its
 * name alone: `rk_shadow_<hash of target>_<run>`), mark it, hand it to `use`, and drop it
 * when `use` fails. After a committed swap `use` never fails (the shadow is the target by
 * then), so a shadow is dropped only while it is still a shadow.
 */
export function withShadow<T>(
  context: RestoreContext,
  plan: {
    /** `template0` for a dump restore, or the clone snapshot to copy. */
    readonly template: string
    readonly cloneSnapshot?: ShadowMarker['cloneSnapshot']
  },
  use: (shadow: {
    readonly name: string
    readonly marker: ShadowMarker
  }) => ResultAsync<T, RestoreSnapshotError>,
): ResultAsync<T, RestoreSnapshotError> {
  const { admin, target, runId, facts } = context
  const name = shadowNameOf(target, runId)
  const marker: ShadowMarker = {
    rollbackKit: 'restore-shadow',
    v: 1,
    runId,
    target,
    createdAt: new Date().toISOString(),
    targetAllowedConnections: facts?.allowConnections ?? true,
  }
  const drop = (): ResultAsync<unknown, never> =>
    admin
      .query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`)
      .orElse(() => okAsync([]))
  return createShadow(context, { name, template: plan.template })
    .andThen(() => setComment(admin, name, marker))
    .orElse((e) => drop().andThen(() => errAsync(e)))
    .andThen(() => use({ name, marker }).orElse((e) => drop().andThen(() => errAsync(e))))
}

/** CREATE DATABASE with the target's owner, locale (from template0) and tablespace. */
function createShadow(
  context: RestoreContext,
  plan: { readonly name: string; readonly template: string },
): ResultAsync<unknown, RestoreSnapshotError> {
  const { admin, facts } = context
  const id = (name: string): string => admin.escapeIdentifier(name)
  const owner = facts === undefined ? '' : ` OWNER ${id(facts.owner)}`
  // Named only when it differs from the template's: naming even pg_default needs CREATE on it.
  const tablespace =
    facts === undefined
      ? okAsync('')
      : databaseFacts(admin, plan.template).map((template) =>
          template === undefined || template.tablespace === facts.tablespace
            ? ''
            : ` TABLESPACE ${id(facts.tablespace)}`,
        )
  const sameLocale =
    facts === undefined || plan.template !== 'template0'
      ? okAsync('')
      : admin
          .query<{ encoding: string; collate: string; ctype: string }>(
            `SELECT pg_encoding_to_char(encoding) AS encoding, datcollate AS collate, datctype AS ctype
               FROM pg_database WHERE datname = $1`,
            [facts.name],
          )
          .map((rows) => {
            const row = rows[0]
            return row === undefined
              ? ''
              : ` ENCODING ${admin.escapeLiteral(row.encoding)} LC_COLLATE ${admin.escapeLiteral(row.collate)} LC_CTYPE ${admin.escapeLiteral(row.ctype)}`
          })
  return sameLocale.andThen((locale) =>
    tablespace.andThen((where) =>
      admin.query(
        `CREATE DATABASE ${id(plan.name)} TEMPLATE ${id(plan.template)}${owner}${locale}${where} ALLOW_CONNECTIONS false`,
      ),
    ),
  )
}
