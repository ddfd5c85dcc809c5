import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { defineModel } from '../platform/database.js';

/** Who added a file: the requester (web, with the follow page's credentials) or a member of staff. */
export const attachmentSources = ['requester', 'staff'] as const;
export type AttachmentSource = (typeof attachmentSources)[number];

/** A stored file: the bytes live in the blob store under their SHA-256, this record says whose they are. */
export interface StoredFile {
  sha256: string;
  size: number;
  contentType: string;
}

export interface Attachment {
  ticketId: string;
  /** The name as given, its extension made to match the content. */
  name: string;
  kind: 'image' | 'document';
  /** The stored file: for images, the re-encoded copy without metadata, never the upload as sent. */
  file: StoredFile;
  width: number | null;
  height: number | null;
  thumbnail: StoredFile | null;
  source: AttachmentSource;
  uploadedBy: { userId: string | null; username: string; via: string };
  createdAt: Date;
}
export type AttachmentDocument = Attachment & { _id: Types.ObjectId };

const storedFile = { _id: false, sha256: { type: String, required: true }, size: { type: Number, required: true }, contentType: { type: String, required: true } };

const attachmentSchema = new Schema<Attachment>(
  {
    ticketId: { type: String, required: true },
    name: { type: String, required: true },
    kind: { type: String, enum: ['image', 'document'], required: true },
    file: { type: storedFile, required: true },
    width: { type: Number, default: null },
    height: { type: Number, default: null },
    thumbnail: { type: storedFile, default: null },
    source: { type: String, enum: attachmentSources, required: true },
    uploadedBy: { userId: { type: String, default: null }, username: { type: String, required: true }, via: { type: String, required: true } },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'attachments' },
);
attachmentSchema.index({ ticketId: 1, createdAt: 1 });

export const attachmentModel = (connection: Connection): Model<Attachment> => defineModel(connection, 'Attachment', attachmentSchema);
