import { Schema, type Connection, type Model } from 'mongoose';
import { authorize } from '../accounts/access.js';
import type { ActionContext, AuditLog } from '../audit/audit.js';
import {
  createWorkingCalendar, DEFAULT_LIMITS, DEFAULT_WARNING_THRESHOLDS, DEFAULT_WORKING_HOURS,
  type CalendarOverride, type LimitTable, type WarningThresholds, type WorkingCalendar, type WorkingHours,
} from '../clocks/index.js';
import { defineModel } from '../platform/database.js';

/** What an administrator sets for the whole hotline: the calendar and the default limits. */
export interface HotlineSettingsData {
  calendarOverrides: CalendarOverride[];
  workingHours: WorkingHours[];
  limits: LimitTable;
  thresholds: WarningThresholds;
  returnCap: number;
  /** Words in a ticket's text that send it to a department (rules come before the classifier). */
  routingKeywords: { keyword: string; departmentId: string }[];
  /** A routing suggestion at least this confident is dispatched without a dispatcher. */
  autoDispatchThreshold: number;
}

interface SettingsDocument extends HotlineSettingsData {
  _id: string;
  version: number;
  updatedAt: Date;
}

const settingsSchema = new Schema<SettingsDocument>(
  {
    _id: { type: String, required: true },
    calendarOverrides: { type: Schema.Types.Mixed, default: [] },
    workingHours: { type: Schema.Types.Mixed, default: DEFAULT_WORKING_HOURS },
    limits: { type: Schema.Types.Mixed, default: DEFAULT_LIMITS },
    thresholds: { type: Schema.Types.Mixed, default: DEFAULT_WARNING_THRESHOLDS },
    returnCap: { type: Number, default: 2 },
    routingKeywords: { type: Schema.Types.Mixed, default: [] },
    autoDispatchThreshold: { type: Number, default: 0.9 },
    version: { type: Number, default: 0 },
    updatedAt: { type: Date },
  },
  { versionKey: false, collection: 'settings', minimize: false },
);

const settingsModel = (connection: Connection): Model<SettingsDocument> => defineModel(connection, 'Settings', settingsSchema);

export const defaultSettings = (): HotlineSettingsData => ({
  calendarOverrides: [],
  workingHours: [...DEFAULT_WORKING_HOURS],
  limits: DEFAULT_LIMITS,
  thresholds: DEFAULT_WARNING_THRESHOLDS,
  returnCap: 2,
  routingKeywords: [],
  autoDispatchThreshold: 0.9,
});

export interface CurrentSettings extends HotlineSettingsData {
  calendar: WorkingCalendar;
  version: number;
}

/**
 * The settings every clock reads. Cached briefly: other processes see an administrator's change
 * within `refreshMs`, this process at once.
 */
export class HotlineSettings {
  private cached: { at: number; value: CurrentSettings } | null = null;
  private readonly model: Model<SettingsDocument>;

  constructor(
    connection: Connection,
    private readonly audit: AuditLog,
    private readonly refreshMs = 30_000,
  ) {
    this.model = settingsModel(connection);
  }

  async current(): Promise<CurrentSettings> {
    if (this.cached && Date.now() - this.cached.at < this.refreshMs) return this.cached.value;
    const doc = await this.model.findById('hotline').lean();
    const data = { ...defaultSettings(), ...(doc ?? {}) };
    const value: CurrentSettings = {
      calendarOverrides: data.calendarOverrides,
      workingHours: data.workingHours,
      limits: data.limits,
      thresholds: data.thresholds,
      returnCap: data.returnCap,
      routingKeywords: data.routingKeywords,
      autoDispatchThreshold: data.autoDispatchThreshold,
      version: doc?.version ?? 0,
      calendar: createWorkingCalendar({ overrides: data.calendarOverrides, workingHours: data.workingHours }),
    };
    this.cached = { at: Date.now(), value };
    return value;
  }

  async update(ctx: ActionContext, changes: Partial<HotlineSettingsData>): Promise<CurrentSettings> {
    authorize(ctx.actor, 'settings.manage');
    const before = await this.current();
    // Building the calendar first rejects bad dates and working hours before anything is stored.
    createWorkingCalendar({ overrides: changes.calendarOverrides ?? before.calendarOverrides, workingHours: changes.workingHours ?? before.workingHours });
    await this.model.updateOne({ _id: 'hotline' }, { $set: { ...changes, updatedAt: ctx.now }, $inc: { version: 1 } }, { upsert: true });
    await this.audit.record(ctx, 'settings.update', { type: 'settings', id: 'hotline' }, { fields: Object.keys(changes) });
    this.cached = null;
    return this.current();
  }
}
