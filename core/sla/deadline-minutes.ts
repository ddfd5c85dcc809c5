import { Schema, type Connection, type Model } from 'mongoose';
import { defineModel } from '../platform/database.js';

/** One ticket listed under the minute its next deadline fell in when it was written. */
export interface DeadlineEntry {
  /** `<minute>#<slot>`, the slots of a minute numbered from 0 without gaps. */
  _id: string;
  ticketId: string;
}

const entryModel = (connection: Connection): Model<DeadlineEntry> =>
  defineModel(connection, 'DeadlineEntry', new Schema<DeadlineEntry>({ _id: String, ticketId: String }, { versionKey: false, collection: 'deadline_minutes' }));

export const deadlineSlotId = (minute: string, slot: number): string => `${minute}#${slot}`;

/** Slots asked for per read; FerretDB hands an `_id` `$in` of up to 1000 to SQLite's `_id` index. */
const slotsPerRead = 250;
/** Minutes whose next free slot this process remembers. */
const rememberedMinutes = 2048;

/**
 * Which tickets may fall due in a minute, found by `_id` alone: on FerretDB's SQLite backend only
 * `_id` reaches an index, so a `{deadlineMinute}` query decodes every ticket (minutes at 450k open
 * tickets). Each ticket write lists the ticket under its new deadline minute by inserting the next
 * free slot of that minute: a unique `_id` insert is atomic on FerretDB, where an update's read and
 * write are separate steps and concurrent `$addToSet`s would lose entries. A writer takes slot n
 * only after finding 0…n-1 taken, so the slots have no gaps and a reader reads them in batches until
 * one comes back short. Entries are never changed: the sweep keeps only tickets still due in the
 * minute, so one left behind by a later write costs a read by `_id`.
 */
export class DeadlineMinutes {
  readonly entries: Model<DeadlineEntry>;
  private readonly nextSlot = new Map<string, number>();

  constructor(connection: Connection) {
    this.entries = entryModel(connection);
  }

  async list(ticketId: string, minute: string | null): Promise<void> {
    if (!minute) return;
    for (let slot = this.nextSlot.get(minute) ?? (await this.listed(minute)).length; ; slot++) {
      try {
        await this.entries.create({ _id: deadlineSlotId(minute, slot), ticketId });
        this.remember(minute, slot + 1);
        return;
      } catch (err) {
        // Another writer took this slot first.
        if ((err as { code?: number }).code !== 11000) throw err;
      }
    }
  }

  /** The ticket ids listed under a minute, in slot order, repeats included. */
  async listed(minute: string): Promise<string[]> {
    const ids: string[] = [];
    for (let first = 0; ; first += slotsPerRead) {
      const slots = Array.from({ length: slotsPerRead }, (_, i) => deadlineSlotId(minute, first + i));
      const rows = await this.entries.find({ _id: { $in: slots } }).lean();
      const bySlot = new Map(rows.map((row) => [row._id, row.ticketId]));
      for (const slot of slots) {
        const id = bySlot.get(slot);
        if (id === undefined) return ids;
        ids.push(id);
      }
    }
  }

  /** Removes a minute's entries; returns how many. */
  async purge(minute: string): Promise<number> {
    const count = (await this.listed(minute)).length;
    // The last slots first: an interrupted purge leaves slots without a gap, for the next one to find.
    for (let end = count; end > 0; end -= slotsPerRead) {
      const first = Math.max(0, end - slotsPerRead);
      const slots = Array.from({ length: end - first }, (_, i) => deadlineSlotId(minute, first + i));
      await this.entries.deleteMany({ _id: { $in: slots } });
    }
    this.nextSlot.delete(minute);
    return count;
  }

  private remember(minute: string, slot: number) {
    this.nextSlot.delete(minute);
    this.nextSlot.set(minute, slot);
    if (this.nextSlot.size > rememberedMinutes) this.nextSlot.delete(this.nextSlot.keys().next().value!);
  }
}
