import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { replaceFileAtomically } from './snapshot-files.js'

/** The file beside `manifest.json` recording the last successful verification. */
export const VERIFICATION_FILE = 'verification.json'

/** What `verification.json` holds. */
export interface VerificationRecord {
  readonly verifiedAt: string
  readonly checks: readonly string[]
}

export async function writeVerificationRecord(
  dir: string,
  record: VerificationRecord,
): Promise<void> {
  await replaceFileAtomically(join(dir, VERIFICATION_FILE), `${JSON.stringify(record, null, 2)}\n`)
}

/** The record, or `undefined` when there is none or it is unreadable. */
export async function readVerificationRecord(dir: string): Promise<VerificationRecord | undefined> {
  try {
    const value = JSON.parse(await readFile(join(dir, VERIFICATION_FILE), 'utf8')) as unknown
    if (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { verifiedAt?: unknown }).verifiedAt === 'string'
    ) {
      return value as VerificationRecord
    }
    return undefined
  } catch {
    return undefined
  }
}
