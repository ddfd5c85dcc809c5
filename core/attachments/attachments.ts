import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { Types, type Connection, type Model } from 'mongoose';
import type { ReadStream } from 'node:fs';
import type { Actor } from '../accounts/access.js';
import type { ActionContext, AuditLog } from '../audit/audit.js';
import type { Config } from '../platform/config.js';
import { notFound } from '../platform/documents.js';
import { DomainError } from '../platform/errors.js';
import { openStates, type Ticket, type TicketDocument } from '../tickets/ticket.js';
import type { Tickets } from '../tickets/tickets.js';
import { attachmentModel, type Attachment, type AttachmentSource } from './attachment.js';
import { BlobStore } from './blob-store.js';
import { inspectUpload, type ContentLimits } from './file-content.js';

export interface AttachmentSettings extends ContentLimits {
  /** Where the files are kept: DATA_DIR/attachments. */
  directory: string;
  maxPerTicket: number;
  /** How long after intake the requester may add files unasked; later only while the department waits for information. */
  requesterWindowMinutes: number;
}

export const attachmentSettingsFrom = (config: Config): AttachmentSettings => ({
  directory: path.join(config.DATA_DIR, 'attachments'),
  maxBytes: config.ATTACHMENT_MAX_MB * 1_048_576,
  maxPixels: config.ATTACHMENT_MAX_MEGAPIXELS * 1_000_000,
  thumbnailPx: 320,
  maxPerTicket: config.ATTACHMENT_MAX_PER_TICKET,
  requesterWindowMinutes: config.ATTACHMENT_REQUESTER_WINDOW_MINUTES,
});

export interface Upload {
  name: string;
  bytes: Buffer;
}

export type Variant = 'file' | 'thumbnail';

/** A file that came with a message (an e-mail's parts), kept as it came under an id its source decides. */
export interface NewAttachment {
  id: string;
  name: string;
  contentType: string;
  content: Buffer;
  source: AttachmentSource;
}

/** A ticket's reference to a kept file, in the shape of the ticket's `attachments` entries. */
export interface AttachmentRef {
  name: string;
  contentType: string;
  size: number;
  url: string | null;
}

export const attachmentRef = (a: Pick<Attachment, 'name' | 'contentType' | 'size'>): AttachmentRef => ({ name: a.name, contentType: a.contentType, size: a.size, url: null });

/** The files the requester gave: on the portal and by e-mail. */
const fromRequester: AttachmentSource[] = ['requester', 'email'];

/** Staff add files while the ticket is open; archived, merged and cancelled tickets keep what they have. */
export function staffMayAttach(ticket: Pick<Ticket, 'state'>): boolean {
  return openStates.includes(ticket.state);
}

/** The requester adds photos right after intake, and later when the department asks for information (补充材料). */
export function requesterMayAttach(ticket: Pick<Ticket, 'state' | 'createdAt'>, now: Date, windowMinutes: number): boolean {
  if (ticket.state === 'waiting_info') return true;
  return staffMayAttach(ticket) && now.getTime() - ticket.createdAt.getTime() < windowMinutes * 60_000;
}

/** The name as given, without any folder, its extension the one of the content. */
export function storedName(given: string, ext: string): string {
  const base = given.split(/[\\/]/).pop()!.trim() || 'file';
  const stem = base.replace(/\.[^.]*$/, '') || 'file';
  return `${stem.slice(0, 150)}.${ext}`;
}

export function presentAttachment(doc: Attachment) {
  return {
    id: doc._id,
    ticketId: doc.ticketId,
    name: doc.name,
    kind: doc.kind,
    contentType: doc.contentType,
    size: doc.size,
    sha256: doc.sha256,
    width: doc.width,
    height: doc.height,
    hasThumbnail: doc.thumbnail !== null,
    source: doc.source,
    uploadedBy: doc.source === 'staff' ? (doc.uploadedBy?.username ?? null) : null,
    createdAt: doc.createdAt,
  };
}
export type AttachmentView = ReturnType<typeof presentAttachment>;

export interface Download {
  name: string;
  /** Only files checked by content may be shown in the browser; the rest are saved. */
  inline: boolean;
  contentType: string;
  size: number;
  sha256: string;
  open(): ReadStream;
}

/**
 * Photos and documents of a ticket: checked by content, images stripped of metadata, stored in
 * the blob store with their record here, and handed only to those who may see the ticket (staff
 * by the ticket's access rules, the requester with the follow page's number and phone), every
 * upload and download audited.
 */
export class Attachments {
  private readonly model: Model<Attachment>;
  private readonly blobs: BlobStore;

  constructor(
    connection: Connection,
    private readonly tickets: Tickets,
    private readonly audit: AuditLog,
    private readonly settings: AttachmentSettings,
  ) {
    this.model = attachmentModel(connection);
    this.blobs = new BlobStore(settings.directory);
  }

  get maxBytes(): number {
    return this.settings.maxBytes;
  }

  async add(ctx: ActionContext, ticketId: string, upload: Upload): Promise<AttachmentView> {
    const ticket = await this.tickets.readable(ctx.actor, ticketId);
    if (!staffMayAttach(ticket)) throw notOpen(ticket);
    return this.store(ctx, ticket, upload, 'staff');
  }

  async addByRequester(ctx: ActionContext, number: string, phone: string, upload: Upload): Promise<AttachmentView> {
    const ticket = await this.tickets.ofRequester(number, phone);
    if (!requesterMayAttach(ticket, ctx.now, this.settings.requesterWindowMinutes)) {
      throw new DomainError('ATTACHMENTS_CLOSED', 'Files can be added right after submitting, or when the department asks for more information.', { state: ticket.state });
    }
    return this.store(ctx, ticket, upload, 'requester');
  }

  async list(actor: Actor, ticketId: string): Promise<AttachmentView[]> {
    await this.tickets.readable(actor, ticketId);
    return (await this.ofTicket(ticketId)).map(presentAttachment);
  }

  /** The requester sees the files they added, not the staff's. */
  async listForRequester(number: string, phone: string): Promise<AttachmentView[]> {
    const ticket = await this.tickets.ofRequester(number, phone);
    return (await this.ofTicket(String(ticket._id), fromRequester)).map(presentAttachment);
  }

  /** Keeps a file that came with a message: the bytes once per content, the record once per id. Every step may be repeated. */
  async keep(file: NewAttachment, now: Date): Promise<Attachment> {
    const stored = await this.blobs.put(file.content, file.contentType);
    const record: Attachment = {
      _id: file.id, ticketId: null, name: file.name, ...stored, kind: null, width: null, height: null, thumbnail: null, source: file.source, uploadedBy: null, createdAt: now,
    };
    const kept = await this.model.findOneAndUpdate({ _id: file.id }, { $setOnInsert: record }, { upsert: true, returnDocument: 'after' }).lean();
    return kept ?? record;
  }

  /** Ties kept files to the ticket their message became or joined. */
  async linkToTicket(ids: string[], ticketId: string): Promise<void> {
    if (ids.length) await this.model.updateMany({ _id: { $in: ids } }, { $set: { ticketId } });
  }

  async ofTicket(ticketId: string, sources?: AttachmentSource[]): Promise<Attachment[]> {
    return this.model.find({ ticketId, ...(sources ? { source: { $in: sources } } : {}) }).sort({ createdAt: 1, _id: 1 }).lean();
  }

  async content(attachment: Pick<Attachment, 'sha256'>): Promise<Buffer> {
    return readFile(this.blobs.pathOf(attachment.sha256));
  }

  async download(ctx: ActionContext, ticketId: string, attachmentId: string, variant: Variant): Promise<Download> {
    await this.tickets.readable(ctx.actor, ticketId);
    return this.handOut(ctx, await this.one(ticketId, attachmentId), variant);
  }

  async downloadForRequester(ctx: ActionContext, number: string, phone: string, attachmentId: string, variant: Variant): Promise<Download> {
    const ticket = await this.tickets.ofRequester(number, phone);
    const attachment = await this.one(String(ticket._id), attachmentId);
    if (!fromRequester.includes(attachment.source)) throw notFound('attachment', attachmentId);
    return this.handOut(ctx, attachment, variant);
  }

  private async store(ctx: ActionContext, ticket: TicketDocument, upload: Upload, source: AttachmentSource): Promise<AttachmentView> {
    const ticketId = String(ticket._id);
    if ((await this.model.countDocuments({ ticketId })) >= this.settings.maxPerTicket) {
      throw new DomainError('ATTACHMENT_LIMIT_REACHED', `A ticket keeps at most ${this.settings.maxPerTicket} files.`, { field: 'file', maxPerTicket: this.settings.maxPerTicket });
    }
    const inspected = await inspectUpload(upload.bytes, this.settings);
    // The files first, the record after: a record never names a file that is not there (nor does a backup's).
    const file = await this.blobs.put(inspected.bytes, inspected.contentType);
    const thumbnail = inspected.thumbnail ? await this.blobs.put(inspected.thumbnail.bytes, inspected.thumbnail.contentType) : null;
    const { actor } = ctx;
    const record: Attachment = {
      _id: new Types.ObjectId().toHexString(), ticketId, name: storedName(upload.name, inspected.ext), ...file, kind: inspected.kind,
      width: inspected.width, height: inspected.height, thumbnail, source, uploadedBy: { userId: actor.userId || null, username: actor.username, via: actor.via }, createdAt: ctx.now,
    };
    await this.model.create(record);
    await this.audit.record(ctx, 'attachment.upload', { type: 'attachment', id: record._id }, { ticketId, contentType: file.contentType, size: file.size, sha256: file.sha256, source });
    return presentAttachment(record);
  }

  private async handOut(ctx: ActionContext, attachment: Attachment, variant: Variant): Promise<Download> {
    const file = variant === 'thumbnail' ? attachment.thumbnail : attachment;
    if (!file) throw new DomainError('THUMBNAIL_NOT_FOUND', 'This file has no thumbnail (only images have one).', { id: attachment._id });
    await this.audit.record(ctx, 'attachment.download', { type: 'attachment', id: attachment._id }, { ticketId: attachment.ticketId, variant, sha256: file.sha256 });
    const name = variant === 'thumbnail' ? `thumbnail-${attachment.name.replace(/\.[^.]*$/, '')}.jpg` : attachment.name;
    // A file kept as it came (e-mail) carries the type its sender declared: never trusted, it is served as bytes to save.
    const checked = attachment.kind !== null;
    return {
      name, inline: attachment.kind === 'image', contentType: checked ? file.contentType : 'application/octet-stream', size: file.size, sha256: file.sha256,
      open: () => this.blobs.open(file),
    };
  }

  private async one(ticketId: string, attachmentId: string): Promise<Attachment> {
    const attachment = await this.model.findOne({ _id: attachmentId, ticketId }).lean();
    if (!attachment) throw notFound('attachment', attachmentId);
    return attachment;
  }
}

const notOpen = (ticket: TicketDocument) =>
  new DomainError('TICKET_NOT_OPEN', `The ticket is ${ticket.state}: files can no longer be added.`, { state: ticket.state });
