import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { chmod, lstat, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import type { ManifestFile } from '../manifest.js'

/** Folder mode of everything a snapshot writes: owner only. */
export const DIR_MODE = 0o700
/** File mode of everything a snapshot writes: owner read/write only. */
export const FILE_MODE = 0o600
/** Temporary folders in the catalogue start with this; listing ignores them. */
export const TEMP_PREFIX = '.tmp-'

/** The sha256 of a file, streamed. */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256')
  const stream = createReadStream(path, signal === undefined ? {} : { signal })
  for await (const chunk of stream) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Every regular file under `dir`, as sorted `/`-separated relative paths. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = join(current, entry.name)
      if (entry.isDirectory()) await walk(full)
      else if (entry.isFile()) out.push(relative(dir, full).split(sep).join('/'))
    }
  }
  await walk(dir)
  return out.sort()
}

/** Size and sha256 of the given files under `dir`. */
export async function describeFiles(
  dir: string,
  paths: readonly string[],
  signal?: AbortSignal,
): Promise<ManifestFile[]> {
  const out: ManifestFile[] = []
  for (const path of paths) {
    signal?.throwIfAborted()
    const full = join(dir, ...path.split('/'))
    const info = await stat(full)
    out.push({ path, size: info.size, sha256: await sha256File(full, signal) })
  }
  return out
}

/** Make the catalogue folder (0700 when created) and a fresh 0700 temp folder inside it. */
export async function makeTempFolder(catalogueDir: string, id: string): Promise<string> {
  await mkdir(catalogueDir, { recursive: true, mode: DIR_MODE })
  const temp = join(catalogueDir, `${TEMP_PREFIX}${id}`)
  await mkdir(temp, { mode: DIR_MODE })
  await chmod(temp, DIR_MODE)
  return temp
}

/** Folders 0700, files 0600, recursively (pg_dump honours the umask, which may be lax). */
export async function tightenPermissions(dir: string): Promise<void> {
  await chmod(dir, DIR_MODE)
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name)
    if (entry.isDirectory()) await tightenPermissions(full)
    else if (entry.isFile()) await chmod(full, FILE_MODE)
  }
}

/** Flush a file or folder to disk. */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Write a 0600 file and flush it. */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  const handle = await open(path, 'wx', FILE_MODE)
  try {
    await handle.writeFile(content, 'utf8')
    await handle.sync()
  } finally {
    await handle.close()
  }
  await chmod(path, FILE_MODE)
}

/** Replace `path` atomically with `content` (write a sibling temp file, then rename). */
export async function replaceFileAtomically(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`
  try {
    await writePrivateFile(temp, content)
    await rename(temp, path)
  } finally {
    await rm(temp, { force: true })
  }
}

/**
 * Publish a complete temp folder under its final name with one rename (atomic within a file
 * system), then flush the parent folder so the rename survives a crash.
 */
export async function publishFolder(temp: string, final: string, parent: string): Promise<void> {
  const exists = await lstat(final).then(
    () => true,
    () => false,
  )
  if (exists) throw new Error(`${final} already exists`)
  await rename(temp, final)
  await fsyncPath(parent).catch(() => undefined)
}

/** Remove a folder tree; missing is fine. */
export async function removeFolder(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true })
}
