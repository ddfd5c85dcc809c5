import { Router } from 'express';
import { z } from 'zod';
import { day, line, month } from '../http/common-schemas.js';
import type { HotlineSettings } from '../../core/settings/hotline-settings.js';
import { calendarMonth } from '../../core/settings/calendar-month.js';
import type { EndpointRegistry } from '../http/endpoint.js';


// Settings start at version 0 (nothing stored yet), unlike records created at version 1.
const settingsVersion = z.number().int().min(0).meta({ description: 'The settings version you read; a stale one gets 409 VERSION_CONFLICT' });

export const calendarMonthView = z
  .object({
    month: z.string(),
    /** The settings version to name when changing an override. */
    version: z.number(),
    statutoryYears: z.object({ first: z.number(), last: z.number() }),
    days: z.array(
      z.object({
        date: z.string(),
        weekday: z.number().meta({ description: '1 Monday … 7 Sunday' }),
        working: z.boolean(),
        kind: z.enum(['workday', 'weekend', 'holiday', 'adjusted_workday']),
        source: z.enum(['week', 'statutory', 'override']).meta({ description: "the plain week, the State Council's calendar, or an administrator" }),
        name: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'CalendarMonth' });

/** The working calendar as administrators see and change it, one month at a time, computed by core/clocks. */
export function calendarRouter(endpoints: EndpointRegistry, settings: HotlineSettings): Router {
  const router = Router();

  const monthView = async (month: string) => {
    const current = await settings.current();
    return { month, version: current.version, statutoryYears: current.calendar.statutoryYears, days: calendarMonth(current.calendar, month) };
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

  return router;
}
