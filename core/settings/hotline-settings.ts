import { Schema, type Connection, type Model } from 'mongoose';
import { authorize } from '../accounts/access.js';
import type { ActionContext, AuditLog } from '../audit/audit.js';
import {
  createWorkingCalendar, DEFAULT_LIMITS, INVALID_WARNING_THRESHOLDS, DEFAULT_WARNING_THRESHOLDS, DEFAULT_WORKING_HOURS,
  type CalendarOverride, type LimitTable, type StatutoryYear, type WarningThresholds, type WorkingCalendar, type WorkingHours,
} from '../clocks/index.js';
import { defineModel } from '../platform/database.js';
import { diff, versionConflict } from '../platform/documents.js';
import { DomainError } from '../platform/errors.js';
import { mergeUpdate } from '../platform/merge-update.js';
import { defaultRankingPolicy, type RankingPolicy } from '../analytics/rates.js';
import { defaultPublicResults, type PublicResultsSettings } from '../analytics/public-results.js';
import { defaultDecisionsNone, type DefaultDecisions } from '../tickets/ticket-lifecycle.js';

/** What an administrator sets for the whole hotline: the calendar and the default limits. */
export interface HotlineSettingsData {
  calendarOverrides: CalendarOverride[];
  /** Years of the State Council's holiday notice an administrator imported, for years the package does not cover. */
  importedYears: (StatutoryYear & { importedAt: Date })[];
  workingHours: WorkingHours[];
  limits: LimitTable;
  thresholds: WarningThresholds;
  returnCap: number;
  /** Words in a ticket's text that send it to a department (rules come before the classifier). */
  routingKeywords: { keyword: string; departmentId: string }[];
  /** A routing suggestion at least this confident is dispatched without a dispatcher. */
  autoDispatchThreshold: number;
  /** How departments are ranked: the composite's weights, how many are praised and named, the volume to be ranked. */
  ranking: RankingPolicy;
  /** What the portal's public results page (结果公示) shows. */
  publicResults: PublicResultsSettings;
  /** Minutes during which dispatchers see an automatic dispatch and may undo it. */
  autoDispatchUndoMinutes: number;
  /** 超时默认: per step, what the system decides when its clock runs out. */
  defaultDecisions: DefaultDecisions;
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
    importedYears: { type: Schema.Types.Mixed, default: [] },
    workingHours: { type: Schema.Types.Mixed, default: DEFAULT_WORKING_HOURS },
    limits: { type: Schema.Types.Mixed, default: DEFAULT_LIMITS },
    thresholds: { type: Schema.Types.Mixed, default: DEFAULT_WARNING_THRESHOLDS },
    returnCap: { type: Number, default: 2 },
    routingKeywords: { type: Schema.Types.Mixed, default: [] },
    autoDispatchThreshold: { type: Number, default: 0.9 },
    ranking: { type: Schema.Types.Mixed, default: defaultRankingPolicy },
    publicResults: { type: Schema.Types.Mixed, default: defaultPublicResults },
    autoDispatchUndoMinutes: { type: Number, default: 30 },
    defaultDecisions: { type: Schema.Types.Mixed, default: defaultDecisionsNone },
    version: { type: Number, default: 0 },
    updatedAt: { type: Date },
  },
  { versionKey: false, collection: 'settings', minimize: false },
);

const settingsModel = (connection: Connection): Model<SettingsDocument> => defineModel(connection, 'Settings', settingsSchema);

export const defaultSettings = (): HotlineSettingsData => ({
  calendarOverrides: [],
  importedYears: [],
  workingHours: [...DEFAULT_WORKING_HOURS],
  limits: DEFAULT_LIMITS,
  thresholds: DEFAULT_WARNING_THRESHOLDS,
  returnCap: 2,
  routingKeywords: [],
  autoDispatchThreshold: 0.9,
  ranking: defaultRankingPolicy,
  publicResults: defaultPublicResults,
  autoDispatchUndoMinutes: 30,
  defaultDecisions: defaultDecisionsNone,
});

/** Checked on write: every deadline sweep would fail on thresholds where yellow does not come before red. */
function assertThresholds(thresholds: WarningThresholds): void {
  if (!(thresholds.yellow > 0 && thresholds.yellow < thresholds.red)) {
    throw new DomainError(INVALID_WARNING_THRESHOLDS, 'Warning thresholds need 0 < yellow < red.', { field: 'thresholds.yellow', thresholds });
  }
}

/** Checked on write: a ranking with no weight, or praising nobody, would rank nothing the centre can act on. */
function assertRanking(policy: RankingPolicy): void {
  const weights = Object.values(policy.weights);
  if (!weights.every((w) => Number.isFinite(w) && w >= 0) || weights.reduce((sum, w) => sum + w, 0) <= 0) {
    throw new DomainError('INVALID_RANKING', 'Ranking weights must be zero or more, and not all zero.', { field: 'ranking.weights', weights: policy.weights });
  }
  if (!Number.isInteger(policy.named) || policy.named < 1) {
    throw new DomainError('INVALID_RANKING', 'At least one department must be praised and named.', { field: 'ranking.named', named: policy.named });
  }
  if (!Number.isInteger(policy.minimumDispatched) || policy.minimumDispatched < 0) {
    throw new DomainError('INVALID_RANKING', 'The minimum volume is a whole number of tickets, zero or more.', { field: 'ranking.minimumDispatched' });
  }
}

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
  /** The newest version this process wrote: a read that began before that write must not be cached over it. */
  private written = 0;
  private readonly model: Model<SettingsDocument>;

  constructor(
    connection: Connection,
    private readonly audit: AuditLog,
    private readonly refreshMs = 30_000,
  ) {
    this.model = settingsModel(connection);
  }

  async current(): Promise<CurrentSettings> {
    if (this.cached && this.cached.value.version >= this.written && Date.now() - this.cached.at < this.refreshMs) return this.cached.value;
    const doc = await this.model.findById('hotline').lean();
    const data = { ...defaultSettings(), ...(doc ?? {}) };
    const value: CurrentSettings = {
      calendarOverrides: data.calendarOverrides,
      importedYears: data.importedYears,
      workingHours: data.workingHours,
      limits: data.limits,
      thresholds: data.thresholds,
      returnCap: data.returnCap,
      routingKeywords: data.routingKeywords,
      autoDispatchThreshold: data.autoDispatchThreshold,
      ranking: data.ranking,
      publicResults: data.publicResults,
      autoDispatchUndoMinutes: data.autoDispatchUndoMinutes,
      // Stored before a step had its default: that step keeps none.
      defaultDecisions: { ...defaultDecisionsNone, ...data.defaultDecisions },
      version: doc?.version ?? 0,
      calendar: createWorkingCalendar({ overrides: data.calendarOverrides, workingHours: data.workingHours, importedYears: data.importedYears }),
    };
    if (value.version >= this.written) this.cached = { at: Date.now(), value };
    return value;
  }

  /**
   * Replaces the fields given, each whole. With the version the caller read, a newer record is a
   * conflict; without, the fields land on whatever is stored now and changes to other fields are kept.
   */
  async update(ctx: ActionContext, changes: Partial<HotlineSettingsData>, expectedVersion?: number): Promise<CurrentSettings> {
    return this.write(ctx, expectedVersion, () => changes, (before) => ['settings.update', diff(before as unknown as Record<string, unknown>, changes)]);
  }

  /** Makes one date a holiday (`working: false`) or an adjusted working day, replacing an earlier decision for it. */
  async setCalendarOverride(ctx: ActionContext, override: CalendarOverride, expectedVersion: number): Promise<CurrentSettings> {
    return this.write(
      ctx,
      expectedVersion,
      (before) => ({ calendarOverrides: [...before.calendarOverrides.filter((o) => o.date !== override.date), override].sort((a, b) => a.date.localeCompare(b.date)) }),
      (before) => ['settings.calendar_override.set', { date: override.date, from: before.calendarOverrides.find((o) => o.date === override.date) ?? null, to: override }],
    );
  }

  /** Hands a date back to the statutory calendar. */
  async removeCalendarOverride(ctx: ActionContext, date: string, expectedVersion: number): Promise<CurrentSettings> {
    return this.write(
      ctx,
      expectedVersion,
      (before) => {
        if (!before.calendarOverrides.some((o) => o.date === date)) {
          throw new DomainError('CALENDAR_OVERRIDE_NOT_FOUND', `No administrator's decision for ${date} to remove.`, { date });
        }
        return { calendarOverrides: before.calendarOverrides.filter((o) => o.date !== date) };
      },
      (before) => ['settings.calendar_override.remove', { date, from: before.calendarOverrides.find((o) => o.date === date) ?? null, to: null }],
    );
  }

  /** Imports one year of the State Council's notice (checked by `noticeYear`), replacing an earlier import of that year. */
  async importNoticeYear(ctx: ActionContext, notice: StatutoryYear, expectedVersion: number): Promise<CurrentSettings> {
    const imported = { ...notice, importedAt: ctx.now };
    return this.write(
      ctx,
      expectedVersion,
      (before) => ({ importedYears: [...before.importedYears.filter((y) => y.year !== notice.year), imported].sort((a, b) => a.year - b.year) }),
      (before) => ['settings.calendar.import', {
        year: notice.year,
        from: before.importedYears.find((y) => y.year === notice.year)?.days ?? null,
        to: notice.days,
      }],
    );
  }

  private async write(
    ctx: ActionContext,
    expectedVersion: number | undefined,
    change: (before: HotlineSettingsData) => Partial<HotlineSettingsData>,
    describe: (before: HotlineSettingsData) => [action: string, changes: Record<string, unknown>],
  ): Promise<CurrentSettings> {
    authorize(ctx.actor, 'settings.manage');
    await this.stored();
    let audited: ReturnType<typeof describe> | null = null;
    // A caller who named no version asked for "apply to the latest": a lost step is recomputed on
    // the newer record. One who named a version gets the conflict once the record has moved on.
    const written = await mergeUpdate(this.model, 'hotline', 'settings', ctx.now, (stored) => {
      if (expectedVersion !== undefined && stored.version !== expectedVersion) throw versionConflict('settings', 'hotline', stored.version);
      const before = { ...defaultSettings(), ...stored };
      const changes = change(before);
      // Building the calendar first rejects bad dates and working hours before anything is stored.
      createWorkingCalendar({
        overrides: changes.calendarOverrides ?? before.calendarOverrides,
        workingHours: changes.workingHours ?? before.workingHours,
        importedYears: changes.importedYears ?? before.importedYears,
      });
      assertThresholds(changes.thresholds ?? before.thresholds);
      assertRanking(changes.ranking ?? before.ranking);
      audited = describe(before);
      return { ...changes, updatedAt: ctx.now };
    });
    const [action, changes] = audited!;
    await this.audit.record(ctx, action, { type: 'settings', id: 'hotline' }, changes);
    this.written = Math.max(this.written, written!.version);
    return this.current();
  }

  /** The stored record, created with the defaults at version 0 the first time: compare-and-set needs one to claim against. */
  private async stored(): Promise<SettingsDocument> {
    const found = await this.model.findById('hotline').lean();
    if (found) return found;
    await this.model.updateOne({ _id: 'hotline' }, { $setOnInsert: { ...defaultSettings(), version: 0 } }, { upsert: true }).catch((err: unknown) => {
      // Two first writers: the other one's upsert created it.
      if ((err as { code?: number }).code !== 11000) throw err;
    });
    const created = await this.model.findById('hotline').lean();
    if (!created) throw new Error('the settings record could not be created');
    return created;
  }
}
