import { Schema, type Connection, type Model } from 'mongoose';
import { defineModel } from '../platform/database.js';

/** Who added a file: the requester on the portal, a member of staff, or an e-mail the mailbox took in. */
export const attachmentSources = ['requester', 'staff', 'email'] as const;
export type AttachmentSource = (typeof attachmentSources)[number];

/** A file in the blob store: named there by its SHA-256. */
export interface StoredFile {
  sha256: string;
  size: number;
  contentType: string;
}

/**
 * A file kept for a ticket: its bytes in the blob store (DATA_DIR/attachments), these facts here.
 * Uploads are checked by content (`kind` image or document; images re-encoded without metadata);
 * e-mail attachments are kept as they came (`kind` null, their declared type).
 */
export interface Attachment extends StoredFile {
  /** Decided by whoever keeps the file (an ObjectId for uploads, the e-mail and its part for mail), so keeping it again changes nothing. */
  _id: string;
  /** null while an e-mail's files wait for the ticket the e-mail becomes. */
  ticketId: string | null;
  name: string;
  kind: 'image' | 'document' | null;
  width: number | null;
  height: number | null;
  thumbnail: StoredFile | null;
  source: AttachmentSource;
  /** Staff and requesters uploading; null for e-mail. */
  uploadedBy: { userId: string | null; username: string; via: string } | null;
  createdAt: Date;
}

const storedFile = new Schema<StoredFile>(
  { sha256: { type: String, required: true }, size: { type: Number, required: true }, contentType: { type: String, required: true } },
  { _id: false },
);
const uploader = new Schema<NonNullable<Attachment['uploadedBy']>>({ userId: { type: String, default: null }, username: String, via: String }, { _id: false });

const attachmentSchema = new Schema<Attachment>(
  {
    _id: { type: String, required: true },
    ticketId: { type: String, default: null },
    name: { type: String, required: true },
    contentType: { type: String, required: true },
    size: { type: Number, required: true },
    sha256: { type: String, required: true },
    kind: { type: String, enum: ['image', 'document', null], default: null },
    width: { type: Number, default: null },
    height: { type: Number, default: null },
    thumbnail: { type: storedFile, default: null },
    source: { type: String, enum: attachmentSources, required: true },
    uploadedBy: { type: uploader, default: null },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'attachments' },
);
attachmentSchema.index({ ticketId: 1, createdAt: 1 });

export const attachmentModel = (connection: Connection): Model<Attachment> => defineModel(connection, 'Attachment', attachmentSchema);
