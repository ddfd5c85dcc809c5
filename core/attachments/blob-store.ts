import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StoredFile } from './attachment.js';

/**
 * Files under one folder (DATA_DIR/attachments), each named by the SHA-256 of its bytes: a file
 * sent twice is stored once, and a name can never be made to point at another file. The backup
 * copies the folder with the rest of DATA_DIR.
 */
export class BlobStore {
  constructor(private readonly directory: string) {}

  /** Stores the bytes (unless already there) and returns what to record about them. */
  async put(bytes: Buffer, contentType: string): Promise<StoredFile> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const target = this.pathOf(sha256);
    if (!(await exists(target))) {
      await mkdir(path.dirname(target), { recursive: true });
      // Written aside and renamed: a reader never sees half a file, a crash leaves only a stray temporary.
      const partial = `${target}.${randomUUID()}.partial`;
      try {
        await writeFile(partial, bytes, { mode: 0o600 });
        await rename(partial, target);
      } finally {
        await rm(partial, { force: true });
      }
    }
    return { sha256, size: bytes.length, contentType };
  }

  open(file: StoredFile): ReadStream {
    return createReadStream(this.pathOf(file.sha256));
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`);
    return path.join(this.directory, sha256.slice(0, 2), sha256);
  }
}

const exists = (file: string) => access(file).then(() => true, () => false);
