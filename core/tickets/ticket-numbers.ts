import { Schema, type Connection, type Model } from 'mongoose';
import { chinaDateKey } from '../clocks/index.js';
import { defineModel } from '../platform/database.js';
import { isDuplicateKey } from '../platform/documents.js';

interface DayCounter {
  _id: string;
  last: number;
}

const counterModel = (connection: Connection): Model<DayCounter> =>
  defineModel(connection, 'TicketCounter', new Schema<DayCounter>({ _id: String, last: Number }, { versionKey: false, collection: 'ticket_counters' }));

/**
 * Ticket numbers read well on the phone: the China date and a daily sequence, e.g.
 * 20261123000042. Each is allocated by an atomic `$inc` of the day's counter, so no two writers
 * get the same one; the unique index on `tickets.number` still guards against numbers taken
 * another way (imports, a restored database).
 */
export class TicketNumbers {
  private readonly counters: Model<DayCounter>;

  constructor(connection: Connection) {
    this.counters = counterModel(connection);
  }

  async next(now: Date): Promise<string> {
    const day = chinaDateKey(now).replaceAll('-', '');
    let counter: DayCounter | null;
    try {
      counter = await this.counters.findOneAndUpdate({ _id: day }, { $inc: { last: 1 } }, { upsert: true, returnDocument: 'after' }).lean();
    } catch (err) {
      // Two first numbers of a day both inserted the counter: the loser's increment goes to the winner's.
      if (!isDuplicateKey(err)) throw err;
      counter = await this.counters.findOneAndUpdate({ _id: day }, { $inc: { last: 1 } }, { returnDocument: 'after' }).lean();
    }
    return `${day}${String(counter!.last).padStart(6, '0')}`;
  }
}
