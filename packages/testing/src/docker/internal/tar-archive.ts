/** One entry of a tar archive written by {@link tarArchive}. */
export type TarEntry =
  | {
      readonly type: 'file'
      readonly name: string
      readonly data: Uint8Array
      readonly mode?: number
    }
  | { readonly type: 'dir'; readonly name: string; readonly mode?: number }
  | { readonly type: 'symlink'; readonly name: string; readonly target: string }

const BLOCK = 512

/**
 * A POSIX ustar archive in memory: enough for a Docker build context (files, folders,
 * symlinks; names under 100 bytes). Owner root, mtime 0, so equal input gives equal bytes
 * and the engine's build cache hits.
 */
export function tarArchive(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = []
  for (const entry of entries) {
    const data = entry.type === 'file' ? Buffer.from(entry.data) : Buffer.alloc(0)
    parts.push(header(entry, data.length))
    if (data.length > 0) {
      parts.push(data)
      const pad = (BLOCK - (data.length % BLOCK)) % BLOCK
      if (pad > 0) parts.push(Buffer.alloc(pad))
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2))
  return Buffer.concat(parts)
}

function header(entry: TarEntry, size: number): Buffer {
  const block = Buffer.alloc(BLOCK)
  const name = entry.type === 'dir' && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`)
  const mode =
    entry.type === 'symlink' ? 0o777 : (entry.mode ?? (entry.type === 'dir' ? 0o755 : 0o644))
  block.write(name, 0, 100, 'utf8')
  writeOctal(block, { offset: 100, length: 8, value: mode })
  writeOctal(block, { offset: 108, length: 8, value: 0 })
  writeOctal(block, { offset: 116, length: 8, value: 0 })
  writeOctal(block, { offset: 124, length: 12, value: size })
  writeOctal(block, { offset: 136, length: 12, value: 0 })
  block.write('        ', 148, 8, 'ascii')
  block.write(entry.type === 'file' ? '0' : entry.type === 'dir' ? '5' : '2', 156, 1, 'ascii')
  if (entry.type === 'symlink') block.write(entry.target, 157, 100, 'utf8')
  block.write('ustar\u000000', 257, 8, 'binary')
  block.write('root', 265, 32, 'ascii')
  block.write('root', 297, 32, 'ascii')
  let sum = 0
  for (const byte of block) sum += byte
  writeOctal(block, { offset: 148, length: 7, value: sum })
  return block
}

function writeOctal(
  block: Buffer,
  field: { readonly offset: number; readonly length: number; readonly value: number },
): void {
  const text = field.value.toString(8).padStart(field.length - 1, '0')
  block.write(`${text}\u0000`, field.offset, field.length, 'ascii')
}
