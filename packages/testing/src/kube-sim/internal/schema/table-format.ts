/**
 * The messages of one API package, by name: the text lists the fields, separated by blanks.
 *
 * A field is `[~]name=number[:type][!][<keys>|<>|@][+strategy[(mergeKey)]]`:
 * - `name`: the JSON name (the protobuf name for `~` fields); `number`: the protobuf field number.
 * - `~`: an embedded Go struct: its fields appear in the parent's JSON, while the wire format
 *   nests them in this one field (`Volume` holds its `VolumeSource` this way).
 * - `type`: none for a string; `i32`, `i64`, `bool`, `bytes`, `f64`; `time`, `microtime`,
 *   `quantity`, `intstr`, `raw` (RawExtension), `fields` (FieldsV1); or a message, prefixed with
 *   its package (`meta.ObjectMeta`) when it lives in another one. `[]` before it: a list; `{}`: a
 *   map with string keys.
 * - `!`: Go's JSON always carries the field, or its zero means something: a scalar that is a
 *   pointer or has no `omitempty` (other scalars read as zero are absent, as Go leaves them
 *   out), a struct that is not a pointer (written even when empty), a list or map without
 *   `omitempty` (written as `null` when empty).
 * - `<a,b>`: a list whose items are identified by these keys (`x-kubernetes-list-type: map`);
 *   `<>`: a list of unique values (set); `@`: replaced as a whole (atomic). A message text
 *   starting with `@` is an atomic struct.
 * - `+merge`, `+retainKeys`, `+merge&retainKeys`: the strategic merge patch strategy, with
 *   the merge key in parentheses.
 */
export type MessageTable = Readonly<Record<string, string>>

/** The value types a field can hold besides messages. */
export const scalarTypes = ['string', 'i32', 'i64', 'bool', 'bytes', 'f64'] as const
/** Types with their own JSON form (RFC 3339 times, quantities, int-or-string, raw JSON). */
export const specialTypes = ['time', 'microtime', 'quantity', 'intstr', 'raw', 'fields'] as const

/** A scalar type. */
export type ScalarType = (typeof scalarTypes)[number]
/** A special type. */
export type SpecialType = (typeof specialTypes)[number]

/** One field token, parsed. */
export interface FieldToken {
  readonly name: string
  readonly number: number
  /** `string`, a special type, or a qualified message name (`core.Container`). */
  readonly type: string
  readonly collection: 'one' | 'list' | 'map'
  readonly inline: boolean
  readonly keepZero: boolean
  readonly listType?: 'map' | 'set' | 'atomic'
  readonly listKeys?: readonly string[]
  readonly patchStrategy?: string
  readonly mergeKey?: string
}

const fieldPattern =
  /^(~)?(\w+)=(\d+)(?::(\[\]|\{\})?([\w.]*))?(!)?(<[\w,]*>|@)?(?:\+([\w&]+)(?:\((\w+)\))?)?$/

function qualify(type: string, pkg: string): string {
  if (type === '') return 'string'
  if ((scalarTypes as readonly string[]).includes(type)) return type
  if ((specialTypes as readonly string[]).includes(type)) return type
  return type.includes('.') ? type : `${pkg}.${type}`
}

/** Parse a message text of {@link MessageTable} (`pkg` qualifies the message names it uses). */
export function parseMessageText(
  text: string,
  pkg: string,
): { atomic: boolean; fields: FieldToken[] } {
  const tokens = text.split(/\s+/).filter((t) => t !== '')
  const atomic = tokens[0] === '@'
  const fields = (atomic ? tokens.slice(1) : tokens).map((token) => {
    const m = fieldPattern.exec(token)
    if (m === null) throw new Error(`kube-sim schema: bad field token ${token} in ${pkg}`)
    const [, inline, name = '', number = '0', collection, type = '', keep, list, strategy, key] = m
    const listType =
      list === '@' ? 'atomic' : list === '<>' ? 'set' : list !== undefined ? 'map' : undefined
    return {
      name,
      number: Number(number),
      type: qualify(type, pkg),
      collection: collection === '[]' ? 'list' : collection === '{}' ? 'map' : 'one',
      inline: inline === '~',
      keepZero: keep === '!',
      ...(listType !== undefined ? { listType } : {}),
      ...(listType === 'map' && list !== undefined
        ? { listKeys: list.slice(1, -1).split(',') }
        : {}),
      ...(strategy !== undefined ? { patchStrategy: strategy.replace('&', ',') } : {}),
      ...(key !== undefined ? { mergeKey: key } : {}),
    } satisfies FieldToken
  })
  return { atomic, fields }
}
