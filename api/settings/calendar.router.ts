import { Router } from 'express';
import { z } from 'zod';
import { day, line, month } from '../http/common-schemas.js';
import type { HotlineSettings } from '../../core/settings/hotline-settings.js';
import { calendarMonth } from '../../core/settings/calendar-month.js';
import { calendarCoverage, calendarWarningDays } from '../../core/settings/calendar-coverage.js';
import { noticeYear, parseHolidayNotice, type WorkingCalendar } from '../../core/clocks/index.js';
import type { Clock } from '../../core/platform/clock.js';
import type { EndpointRegistry } from '../http/endpoint.js';


// Settings start at version 0 (nothing stored yet), unlike records created at version 1.
const settingsVersion = z.number().int().min(0).meta({ description: 'The settings version you read; a stale one gets 409 VERSION_CONFLICT' });

const statutoryYears = z.object({ first: z.number(), last: z.number() });
const coverage = z
  .object({
    until: z.string().meta({ description: "The last day whose holidays come from the State Council (the package's data or an imported notice)" }),
    daysLeft: z.number().int(),
    endingSoon: z.boolean().meta({ description: `Within ${calendarWarningDays} days of \`until\`: import the next year's notice` }),
  })
  .meta({ id: 'CalendarCoverage' });

export const calendarMonthView = z
  .object({
    month: z.string(),
    /** The settings version to name when changing an override. */
    version: z.number(),
    statutoryYears,
    coverage,
    days: z.array(
      z.object({
        date: z.string(),
        weekday: z.number().meta({ description: '1 Monday … 7 Sunday' }),
        working: z.boolean(),
        kind: z.enum(['workday', 'weekend', 'holiday', 'adjusted_workday']),
        source: z.enum(['week', 'statutory', 'provisional', 'override']).meta({
          description: "the plain week, the State Council's calendar, a fixed-date legal holiday of a year no notice covers yet, or an administrator",
        }),
        name: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'CalendarMonth' });

const noticeDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).meta({ description: 'YYYY-MM-DD' });
const importBody = z
  .strictObject({
    version: settingsVersion,
    year: z.number().int().min(2000).max(2100),
    notice: z.string().min(1).max(20_000).optional().meta({ description: 'The notice as published (国务院办公厅关于…年部分节假日安排的通知): one numbered item per holiday' }),
    holidays: z.array(z.strictObject({ name: line(30), from: noticeDay, to: noticeDay })).min(1).max(20).optional(),
    workdays: z.array(z.strictObject({ name: line(30), date: noticeDay })).max(20).optional(),
  })
  .refine((body) => (body.notice === undefined) !== (body.holidays === undefined), {
    message: 'Give either the notice text (notice) or its items (holidays, workdays), not both.', path: ['notice'],
  });

const importView = z
  .object({
    version: z.number(),
    year: z.number(),
    days: z.array(z.object({ date: z.string(), working: z.boolean(), name: z.string() })),
    statutoryYears,
    coverage,
  })
  .meta({ id: 'CalendarImport' });

/** The working calendar as administrators see and change it, one month at a time, computed by core/clocks. */
export function calendarRouter(endpoints: EndpointRegistry, settings: HotlineSettings, clock: Clock): Router {
  const router = Router();

  const coverageOf = (calendar: WorkingCalendar) => calendarCoverage(calendar, clock.now());
  const monthView = async (month: string) => {
    const current = await settings.current();
    return {
      month, version: current.version, statutoryYears: current.calendar.statutoryYears, coverage: coverageOf(current.calendar), days: calendarMonth(current.calendar, month),
    };
  };

  endpoints.mount(router, {
    method: 'get', path: '/api/settings/calendar', summary: 'Each day of a month: worked or not, and why (week, statutory, override)', tags: ['settings'],
    // Readable by every signed-in user, like GET /api/settings: deadlines everyone sees are computed from it.
    auth: 'user', query: z.strictObject({ month }), response: calendarMonthView,
    async handle({ query }) {
      return monthView(query.month);
    },
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/settings/calendar/overrides',
    summary: "Make a date a holiday (working: false) or an adjusted working day (working: true); replaces that date's earlier override",
    tags: ['settings'], auth: 'user', errors: [403, 409],
    body: z.strictObject({ version: settingsVersion, date: day, working: z.boolean(), name: line(60).optional() }),
    response: calendarMonthView,
    async handle({ ctx, body }) {
      const { version: expected, ...override } = body;
      await settings.setCalendarOverride(ctx, override, expected);
      return monthView(body.date.slice(0, 7));
    },
  });

  endpoints.mount(router, {
    method: 'delete', path: '/api/settings/calendar/overrides/:date', summary: "Remove an administrator's override: the date follows the statutory calendar again",
    tags: ['settings'], auth: 'user', errors: [403, 404, 409],
    params: z.strictObject({ date: day }), query: z.strictObject({ version: z.coerce.number().pipe(settingsVersion) }), response: calendarMonthView,
    async handle({ ctx, params, query }) {
      await settings.removeCalendarOverride(ctx, params.date, query.version);
      return monthView(params.date.slice(0, 7));
    },
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/settings/calendar/imports',
    summary: "Import a year of the State Council's holiday notice, as its text or item by item: its holidays and adjusted working days replace that year's statutory days",
    tags: ['settings'], auth: 'user', errors: [403, 409], body: importBody, response: importView,
    async handle({ ctx, body }) {
      const form = body.notice !== undefined ? parseHolidayNotice(body.year, body.notice) : { holidays: body.holidays ?? [], workdays: body.workdays ?? [] };
      const notice = noticeYear(body.year, form);
      const current = await settings.importNoticeYear(ctx, notice, body.version);
      return { version: current.version, year: notice.year, days: notice.days, statutoryYears: current.calendar.statutoryYears, coverage: coverageOf(current.calendar) };
    },
  });

  return router;
}
