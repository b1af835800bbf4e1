// What a dump may be asked for, checked at the entry point, and the pg_dump flags it becomes.
import { invalidInput, type InvalidInput } from '@rollback-kit/core'
import { type ToolVersion } from './archive-tools.js'
import { type DumpCompression, type DumpFormat } from '../manifest.js'

export function checkDumpOptions(options: {
  readonly format: DumpFormat
  readonly jobs: number
  readonly compression: DumpCompression | undefined
}): InvalidInput | undefined {
  const { format, jobs, compression } = options
  if (!['custom', 'directory', 'plain'].includes(format)) {
    return invalidInput({
      field: 'format',
      reason: `must be custom, directory or plain, got ${format}`,
    })
  }
  if (!Number.isInteger(jobs) || jobs < 1) {
    return invalidInput({ field: 'jobs', reason: `must be a positive integer, got ${jobs}` })
  }
  if (jobs > 1 && format !== 'directory') {
    return invalidInput({
      field: 'jobs',
      reason: `pg_dump runs in parallel only with the directory format, got format ${format}`,
    })
  }
  if (compression !== undefined && compression.level !== undefined) {
    if (!Number.isInteger(compression.level) || compression.level < 0) {
      return invalidInput({
        field: 'compression.level',
        reason: `must be a non-negative integer, got ${compression.level}`,
      })
    }
  }
  if (format === 'plain' && compression !== undefined && compression.method !== 'none') {
    return invalidInput({
      field: 'compression',
      reason:
        'a plain dump is restored with psql and is kept uncompressed; use custom or directory',
    })
  }
  return undefined
}

export function checkCompressionSupport(
  compression: DumpCompression,
  pgDump: ToolVersion,
): InvalidInput | undefined {
  if ((compression.method === 'lz4' || compression.method === 'zstd') && pgDump.major < 16) {
    return invalidInput({
      field: 'compression.method',
      reason: `${compression.method} needs pg_dump 16 or newer; the local pg_dump is ${pgDump.text}`,
    })
  }
  if (compression.method === 'gzip' && compression.level !== undefined && compression.level > 9) {
    return invalidInput({ field: 'compression.level', reason: 'gzip levels are 0 to 9' })
  }
  return undefined
}

export function defaultCompression(format: DumpFormat): DumpCompression {
  return format === 'plain' ? { method: 'none' } : { method: 'gzip' }
}

export function compressionArgs(compression: DumpCompression, pgDump: ToolVersion): string[] {
  if (pgDump.major >= 16) {
    const detail = compression.level === undefined ? '' : `:${compression.level}`
    return [`--compress=${compression.method}${detail}`]
  }
  if (compression.method === 'none') return ['--compress=0']
  return compression.level === undefined ? [] : [`--compress=${compression.level}`]
}
