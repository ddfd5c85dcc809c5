import path from 'node:path';
import type { Connection, Model } from 'mongoose';
import type { ReadStream } from 'node:fs';
import type { Actor } from '../accounts/access.js';
import type { ActionContext, AuditLog } from '../audit/audit.js';
import type { Config } from '../platform/config.js';
import { assertId, notFound } from '../platform/documents.js';
import { DomainError } from '../platform/errors.js';
import { openStates, type Ticket, type TicketDocument } from '../tickets/ticket.js';
import type { Tickets } from '../tickets/tickets.js';
import { attachmentModel, type Attachment, type AttachmentDocument, type AttachmentSource } from './attachment.js';
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

export function presentAttachment(doc: AttachmentDocument) {
  return {
    id: String(doc._id),
    ticketId: doc.ticketId,
    name: doc.name,
    kind: doc.kind,
    contentType: doc.file.contentType,
    size: doc.file.size,
    sha256: doc.file.sha256,
    width: doc.width,
    height: doc.height,
    hasThumbnail: doc.thumbnail !== null,
    source: doc.source,
    uploadedBy: doc.source === 'requester' ? null : doc.uploadedBy.username,
    createdAt: doc.createdAt,
  };
}
export type AttachmentView = ReturnType<typeof presentAttachment>;

export interface Download {
  name: string;
  kind: Attachment['kind'];
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
    return (await this.ofTicket(String(ticket._id), 'requester')).map(presentAttachment);
  }

  async download(ctx: ActionContext, ticketId: string, attachmentId: string, variant: Variant): Promise<Download> {
    await this.tickets.readable(ctx.actor, ticketId);
    return this.handOut(ctx, await this.one(ticketId, attachmentId), variant);
  }

  async downloadForRequester(ctx: ActionContext, number: string, phone: string, attachmentId: string, variant: Variant): Promise<Download> {
    const ticket = await this.tickets.ofRequester(number, phone);
    const attachment = await this.one(String(ticket._id), attachmentId);
    if (attachment.source !== 'requester') throw notFound('attachment', attachmentId);
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
    const created = await this.model.create({
      ticketId, name: storedName(upload.name, inspected.ext), kind: inspected.kind, file, width: inspected.width, height: inspected.height, thumbnail, source,
      uploadedBy: { userId: actor.userId || null, username: actor.username, via: actor.via }, createdAt: ctx.now,
    });
    await this.audit.record(ctx, 'attachment.upload', { type: 'attachment', id: String(created._id) }, { ticketId, contentType: file.contentType, size: file.size, sha256: file.sha256, source });
    return presentAttachment(created.toObject() as AttachmentDocument);
  }

  private async handOut(ctx: ActionContext, attachment: AttachmentDocument, variant: Variant): Promise<Download> {
    const file = variant === 'thumbnail' ? attachment.thumbnail : attachment.file;
    if (!file) throw new DomainError('THUMBNAIL_NOT_FOUND', 'This file has no thumbnail (only images have one).', { id: String(attachment._id) });
    await this.audit.record(ctx, 'attachment.download', { type: 'attachment', id: String(attachment._id) }, { ticketId: attachment.ticketId, variant, sha256: file.sha256 });
    const name = variant === 'thumbnail' ? `thumbnail-${attachment.name.replace(/\.[^.]*$/, '')}.jpg` : attachment.name;
    return { name, kind: attachment.kind, contentType: file.contentType, size: file.size, sha256: file.sha256, open: () => this.blobs.open(file) };
  }

  private async one(ticketId: string, attachmentId: string): Promise<AttachmentDocument> {
    assertId(attachmentId, 'attachment');
    const attachment = (await this.model.findOne({ _id: attachmentId, ticketId }).lean()) as AttachmentDocument | null;
    if (!attachment) throw notFound('attachment', attachmentId);
    return attachment;
  }

  private async ofTicket(ticketId: string, source?: AttachmentSource): Promise<AttachmentDocument[]> {
    return (await this.model.find({ ticketId, ...(source ? { source } : {}) }).sort({ createdAt: 1, _id: 1 }).lean()) as AttachmentDocument[];
  }
}

const notOpen = (ticket: TicketDocument) =>
  new DomainError('TICKET_NOT_OPEN', `The ticket is ${ticket.state}: files can no longer be added.`, { state: ticket.state });
