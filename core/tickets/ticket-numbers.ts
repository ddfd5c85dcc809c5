import { Schema, type Connection, type Model } from 'mongoose';
import { chinaDateKey } from '../clocks/index.js';
import { defineModel } from '../platform/database.js';

interface DayCounter {
  _id: string;
  last: number;
}

const counterModel = (connection: Connection): Model<DayCounter> =>
  defineModel(connection, 'TicketCounter', new Schema<DayCounter>({ _id: String, last: Number }, { versionKey: false, collection: 'ticket_counters' }));

/**
 * Ticket numbers read well on the phone: the China date and a daily sequence, e.g.
 * 20261123000042. Uniqueness comes from the unique index on `tickets.number`: the caller inserts
 * with a candidate and asks for the next on a duplicate, because `$inc` is not atomic on FerretDB.
 */
export class TicketNumbers {
  private last = new Map<string, number>();
  private readonly counters: Model<DayCounter>;

  constructor(connection: Connection) {
    this.counters = counterModel(connection);
  }

  async candidate(now: Date): Promise<string> {
    const day = chinaDateKey(now).replaceAll('-', '');
    const stored = (await this.counters.findById(day).lean())?.last ?? 0;
    const next = Math.max(stored, this.last.get(day) ?? 0) + 1;
    this.last.set(day, next);
    return `${day}${String(next).padStart(6, '0')}`;
  }

  async used(number: string): Promise<void> {
    const day = number.slice(0, 8);
    const sequence = Number(number.slice(8));
    if (sequence > (this.last.get(day) ?? 0)) this.last.set(day, sequence);
    await this.counters.updateOne({ _id: day }, { $max: { last: sequence } }, { upsert: true });
  }
}
