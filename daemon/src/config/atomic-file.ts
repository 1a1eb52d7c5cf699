/**
 * Crash-safe file replacement: write a temp file, fsync it, rename it over the target, fsync
 * the directory. A reader sees the old file or the new one, never a torn mix, whatever
 * moment the process dies (power cut included, once the directory fsync returns).
 */
import { copyFile, link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface AtomicWriteOptions {
  /** before the new file replaces `path`, keep the current one under this name (e.g. a .bak) */
  keepPreviousAs?: string;
  mode?: number;
}

export async function writeFileAtomic(path: string, data: string, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.tmp-${process.pid}`);
  const handle = await open(temp, 'w', options.mode ?? 0o600);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw e;
  }
  await handle.close();
  if (options.keepPreviousAs) await keepCopy(path, options.keepPreviousAs);
  await rename(temp, path);
  await fsyncDirectory(dir);
}

/** Hard-links `path` to `copy` (so `path` never goes missing), copying where links are not possible. */
export async function keepCopy(path: string, copy: string): Promise<void> {
  await unlink(copy).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
  try {
    await link(path, copy);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code !== 'EPERM' && code !== 'EXDEV' && code !== 'ENOTSUP') throw e;
    await copyFile(path, copy);
  }
}
