import protobuf from 'protobufjs'
import { messageNames, mustMessage } from '../schema/schema.js'
import type { FieldToken } from '../schema/table-format.js'

/** The protobuf type of each of our scalar and special types. */
const wireTypeOf: Readonly<Record<string, string>> = {
  string: 'string',
  i32: 'int32',
  i64: 'int64',
  bool: 'bool',
  bytes: 'bytes',
  f64: 'double',
  time: 'wire.Time',
  microtime: 'wire.Time',
  quantity: 'wire.Quantity',
  intstr: 'wire.IntOrString',
  raw: 'wire.RawExtension',
  fields: 'wire.FieldsV1',
}

function typeOf(field: FieldToken): string {
  return wireTypeOf[field.type] ?? field.type
}

function define(
  root: protobuf.Root,
  name: string,
  fields: (protobuf.Field | protobuf.MapField)[],
): void {
  const [pkg = '', local = ''] = name.split('.')
  const namespace = root.lookup(pkg) ?? root.define(pkg)
  const type = new protobuf.Type(local)
  for (const field of fields) type.add(field)
  ;(namespace as protobuf.Namespace).add(type)
}

function field(name: string, id: number, type: string): protobuf.Field {
  return new protobuf.Field(name, id, type)
}

function repeatedField(name: string, id: number, type: string): protobuf.Field {
  return new protobuf.Field(name, id, type, 'repeated')
}

/**
 * The protobuf types of every message (proto2: a field is written only when set, lists are not
 * packed, as the API server's encoder does), plus the envelope (`runtime.Unknown`) and the
 * special types (metav1.Time, resource.Quantity, intstr.IntOrString, runtime.RawExtension,
 * metav1.FieldsV1).
 */
function buildRoot(): protobuf.Root {
  const root = new protobuf.Root()
  define(root, 'wire.Time', [field('seconds', 1, 'int64'), field('nanos', 2, 'int32')])
  define(root, 'wire.Quantity', [field('string', 1, 'string')])
  define(root, 'wire.IntOrString', [
    field('type', 1, 'int64'),
    field('intVal', 2, 'int32'),
    field('strVal', 3, 'string'),
  ])
  define(root, 'wire.RawExtension', [field('raw', 1, 'bytes')])
  define(root, 'wire.FieldsV1', [field('Raw', 1, 'bytes')])
  define(root, 'wire.TypeMeta', [field('apiVersion', 1, 'string'), field('kind', 2, 'string')])
  define(root, 'wire.Unknown', [
    field('typeMeta', 1, 'wire.TypeMeta'),
    field('raw', 2, 'bytes'),
    field('contentEncoding', 3, 'string'),
    field('contentType', 4, 'string'),
  ])
  for (const name of messageNames()) {
    const message = mustMessage(name)
    define(
      root,
      name,
      message.fields.map((f) =>
        f.collection === 'map'
          ? new protobuf.MapField(f.name, f.number, 'string', typeOf(f))
          : (f.collection === 'list' ? repeatedField : field)(f.name, f.number, typeOf(f)),
      ),
    )
  }
  root.resolveAll()
  return root
}

let root: protobuf.Root | undefined

/** The protobuf type of a message (`apps.Deployment`) or an envelope type (`wire.Unknown`). */
export function wireType(name: string): protobuf.Type {
  root ??= buildRoot()
  return root.lookupType(name)
}
