import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Schema, type Connection, type Model } from 'mongoose';
import { defineModel } from '../platform/database.js';

/** A file kept for a ticket: its bytes under `DATA_DIR/attachments/`, these facts in the database. */
export interface Attachment {
  /** Decided by whoever keeps the file from where it came (e.g. an e-mail and its part), so keeping it again changes nothing. */
  _id: string;
  name: string;
  contentType: string;
  size: number;
  /** Names the file on disk: the same bytes are stored once. */
  sha256: string;
  /** Where it came from, e.g. `email`. */
  source: string;
  ticketId: string | null;
  createdAt: Date;
}

const attachmentSchema = new Schema<Attachment>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    contentType: { type: String, required: true },
    size: { type: Number, required: true },
    sha256: { type: String, required: true },
    source: { type: String, required: true },
    ticketId: { type: String, default: null },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'attachments' },
);
attachmentSchema.index({ ticketId: 1 });

export const attachmentModel = (connection: Connection): Model<Attachment> => defineModel(connection, 'Attachment', attachmentSchema);

export interface NewAttachment {
  id: string;
  name: string;
  contentType: string;
  content: Buffer;
  source: string;
}

/** A ticket's reference to a kept file, in the shape of the ticket's `attachments` entries. */
export interface AttachmentRef {
  name: string;
  contentType: string;
  size: number;
  url: string | null;
}

/**
 * Keeps attachments: content-addressed files under `<dataDir>/attachments/` (so backups take
 * them with the rest of DATA_DIR) and one record per attachment. Every step may be repeated.
 */
export class AttachmentStore {
  private readonly attachments: Model<Attachment>;

  constructor(
    connection: Connection,
    private readonly dataDir: string,
  ) {
    this.attachments = attachmentModel(connection);
  }

  /** Writes the file (once per content) and its record (once per id); returns the record. */
  async keep(file: NewAttachment, now: Date): Promise<Attachment> {
    const sha256 = createHash('sha256').update(file.content).digest('hex');
    const target = this.pathOf(sha256);
    if (!(await exists(target))) {
      await mkdir(path.dirname(target), { recursive: true });
      // Written aside and renamed, so a reader never finds half a file under the content's name.
      const partial = `${target}.${process.pid}.${Date.now()}.part`;
      await writeFile(partial, file.content);
      await rename(partial, target);
    }
    const record: Attachment = {
      _id: file.id, name: file.name, contentType: file.contentType, size: file.content.length, sha256, source: file.source, ticketId: null, createdAt: now,
    };
    const kept = await this.attachments.findOneAndUpdate({ _id: file.id }, { $setOnInsert: record }, { upsert: true, returnDocument: 'after' }).lean();
    return kept ?? record;
  }

  /** Ties kept attachments to the ticket they arrived with. */
  async linkToTicket(ids: string[], ticketId: string): Promise<void> {
    if (ids.length) await this.attachments.updateMany({ _id: { $in: ids } }, { $set: { ticketId } });
  }

  async ofTicket(ticketId: string): Promise<Attachment[]> {
    return this.attachments.find({ ticketId }).sort({ createdAt: 1, _id: 1 }).lean();
  }

  async content(attachment: Pick<Attachment, 'sha256'>): Promise<Buffer> {
    return readFile(this.pathOf(attachment.sha256));
  }

  private pathOf(sha256: string): string {
    return path.join(this.dataDir, 'attachments', sha256.slice(0, 2), sha256);
  }
}

export const attachmentRef = (a: Pick<Attachment, 'name' | 'contentType' | 'size'>): AttachmentRef => ({ name: a.name, contentType: a.contentType, size: a.size, url: null });

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
