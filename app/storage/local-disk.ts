import { createReadStream, createWriteStream } from 'node:fs';
import { access, link, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { assertObjectKey, keptPrefix, KeptObjectError, type DocumentStore } from './store.ts';

/** Writes aside, then moves into place with `commit`: a reader never sees half a file. */
async function writeAside(target: string, body: Readable, commit: (partial: string, target: string) => Promise<void>): Promise<{ size: number }> {
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  const partial = `${target}.${randomUUID()}.partial`;
  try {
    await pipeline(body, createWriteStream(partial, { mode: 0o600 }));
    await commit(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return { size: (await stat(target)).size };
}

export function createLocalDiskStore(root: string): DocumentStore {
  const pathOf = (key: string) => {
    assertObjectKey(key);
    return join(root, key);
  };
  return {
    kind: 'local',
    async put(key, body) {
      return writeAside(pathOf(key), body, async (partial, target) => {
        if (!key.startsWith(keptPrefix)) return rename(partial, target);
        // link() fails on an existing name where rename() would replace it
        await link(partial, target).catch((error: NodeJS.ErrnoException) => {
          throw error.code === 'EEXIST' ? new KeptObjectError(key, 'overwrite') : error;
        });
        await rm(partial, { force: true });
      });
    },
    async replace(key, body) {
      return writeAside(pathOf(key), body, (partial, target) => rename(partial, target));
    },
    async get(key) {
      const path = pathOf(key);
      await access(path);
      // 1 MiB reads: a 1 GiB download in 1,024 chunks, not 16,384 (each costs promises and a socket write)
      return createReadStream(path, { highWaterMark: 1024 * 1024 });
    },
    async stat(key) {
      try {
        return { size: (await stat(pathOf(key))).size };
      } catch {
        return undefined;
      }
    },
    async remove(key) {
      if (key.startsWith(keptPrefix)) throw new KeptObjectError(key, 'delete');
      await rm(pathOf(key), { force: true });
    },
    async ping() {
      await mkdir(root, { recursive: true, mode: 0o700 });
      await access(root);
    },
  };
}
