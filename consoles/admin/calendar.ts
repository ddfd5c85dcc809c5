import type { z } from 'zod';
import type { calendarMonthView } from '../../api/settings/calendar.router.js';
import { api, type Json } from '../shared/api.js';
import { $, h } from '../shared/dom.js';
import { today } from '../shared/format.js';
import { m, type MessageKey } from './messages.js';
import { blankToNull, field, heading, save, select, type SettingsView } from './ui.js';

/** What GET /api/calendar answers. */
type CalendarMonth = Json<z.output<typeof calendarMonthView>>;
type CalendarDay = CalendarMonth['days'][number];
export type CalendarCoverage = CalendarMonth['coverage'];

const shiftMonth = (month: string, by: number): string => {
  const [year, index] = month.split('-').map(Number) as [number, number];
  const date = new Date(Date.UTC(year, index - 1 + by, 1));
  return date.toISOString().slice(0, 7);
};

/** The month as a week grid, Monday first; each day says whether it is worked and why. */
function grid(view: CalendarMonth): HTMLTableElement {
  const weeks: (CalendarDay | null)[][] = [];
  let week: (CalendarDay | null)[] = Array.from({ length: (view.days[0]?.weekday ?? 1) - 1 }, () => null);
  for (const day of view.days) {
    week.push(day);
    if (week.length === 7) {
      weeks.push(week);
      week = [];
    }
  }
  if (week.length) weeks.push([...week, ...Array.from({ length: 7 - week.length }, () => null)]);
  return h('table', { class: 'calendar', id: 'calendar-grid' },
    h('caption', {}, view.month),
    h('thead', {}, h('tr', {}, ...[1, 2, 3, 4, 5, 6, 7].map((d) => h('th', { scope: 'col' }, m.t(`weekday${d}` as MessageKey))))),
    h('tbody', {}, ...weeks.map((days) => h('tr', {}, ...days.map((day) => day
      ? h('td', { class: `day ${day.kind} ${day.source}`, 'data-date': day.date, 'data-kind': day.kind, 'data-source': day.source },
        h('span', { class: 'date' }, String(Number(day.date.slice(8)))),
        h('span', { class: 'kind' }, m.t(`kind_${day.kind}` as MessageKey)),
        day.name ? h('span', { class: 'name' }, day.name) : null,
        day.source === 'week' ? null : h('span', { class: 'source' }, m.t(`source_${day.source}` as MessageKey)))
      : h('td', { class: 'blank' }))))),
  );
}

/** A month of the working calendar; administrators add holidays and adjusted working days or remove their own. */
export async function drawCalendar(root: HTMLElement, requested?: string): Promise<void> {
  const month = requested && /^\d{4}-(0[1-9]|1[0-2])$/.test(requested) ? requested : today().slice(0, 7);
  const [view, settings] = await Promise.all([
    api<CalendarMonth>('GET', `/api/settings/calendar?month=${month}`),
    api<SettingsView>('GET', '/api/settings'),
  ]);
  // The month lives in the address (#/calendar/2026-10): a reload or a language change keeps it.
  const show = async (next: string) => {
    if (next === month) await drawCalendar(root, month);
    else location.hash = `#/calendar/${next}`;
  };
  const picker = h('input', { type: 'month', name: 'month', value: month, required: true });
  picker.addEventListener('change', () => { if (/^\d{4}-\d{2}$/.test(picker.value)) void show(picker.value); });

  const overrides = settings.calendarOverrides.filter((o) => o.date.startsWith(month));
  const list = overrides.length === 0 ? h('p', { class: 'empty' }, m.t('noOverrides')) : h('ul', { id: 'overrides' }, ...overrides.map((o) => {
    const item = h('li', { 'data-date': o.date },
      `${o.date} · ${m.t(o.working ? 'kind_adjusted_workday' : 'kind_holiday')}${o.name ? ` · ${o.name}` : ''} `,
      h('button', { type: 'button', 'aria-label': m.t('removeOverride', { date: o.date }), onclick: () => {
        void save(item, () => api<CalendarMonth>('DELETE', `/api/settings/calendar/overrides/${o.date}?version=${view.version}`), 'removed')
          .then((done) => done && show(month));
      } }, m.t('remove')));
    return item;
  }));

  const form = h('form', { class: 'card', id: 'calendar-override' },
    h('h3', {}, m.t('addOverride')),
    h('div', { class: 'row' },
      field(m.t('date'), h('input', { type: 'date', name: 'date', required: true, value: `${month}-01` })),
      field(m.t('dayType'), select('working', [['false', m.t('holiday')], ['true', m.t('adjustedWorkday')]])),
      field(m.t('holidayName'), h('input', { name: 'name', maxlength: '60' })),
      h('button', { type: 'submit', class: 'primary' }, m.t('save')),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = (name: string) => $<HTMLInputElement>(`[name=${name}]`, form).value;
    const name = blankToNull(value('name'));
    void save(form, () => api<CalendarMonth>('POST', '/api/settings/calendar/overrides', {
      version: view.version, date: value('date'), working: value('working') === 'true', ...(name ? { name } : {}),
    }), 'saved').then((saved) => saved && show(saved.month));
  });

  const nextYear = view.statutoryYears.last + 1;
  const importForm = h('form', { class: 'card', id: 'calendar-import' },
    h('h3', {}, m.t('importTitle')),
    h('p', { class: 'muted' }, m.t('importHint')),
    field(m.t('importYear'), h('input', { type: 'number', name: 'year', min: '2000', max: '2100', required: true, value: String(nextYear) })),
    field(m.t('importText'), h('textarea', { name: 'notice', rows: '8', required: true, maxlength: '20000' })),
    h('button', { type: 'submit', class: 'primary' }, m.t('importNotice')),
  );
  importForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const year = Number($<HTMLInputElement>('[name=year]', importForm).value);
    const notice = $<HTMLTextAreaElement>('[name=notice]', importForm).value;
    void save(importForm, () => api<{ year: number }>('POST', '/api/settings/calendar/imports', { version: view.version, year, notice }), 'saved')
      .then(async (done) => {
        if (!done) return;
        const main = root.closest('main');
        if (main) await showCalendarBanner(main);
        await show(`${done.year}-01`);
      });
  });

  root.replaceChildren(
    heading('calendar'),
    h('div', { class: 'row' },
      h('button', { type: 'button', onclick: () => void show(shiftMonth(month, -1)) }, `‹ ${m.t('previousMonth')}`),
      field(m.t('month'), picker),
      h('button', { type: 'button', onclick: () => void show(shiftMonth(month, 1)) }, `${m.t('nextMonth')} ›`),
    ),
    h('p', { class: 'muted' }, m.t('statutoryYears', view.statutoryYears)),
    h('div', { class: 'split' },
      grid(view),
      h('div', {}, form, h('section', { class: 'card', 'aria-labelledby': 'overrides-title' }, h('h3', { id: 'overrides-title' }, m.t('overrides')), list), importForm),
    ),
  );
}

/**
 * 60 days before the statutory holidays run out, every section of the console says so above its tabs,
 * with the way to the calendar: deadlines would otherwise count the next Spring Festival as working days.
 */
export async function showCalendarBanner(main: HTMLElement): Promise<void> {
  const view = await api<CalendarMonth>('GET', `/api/settings/calendar?month=${today().slice(0, 7)}`);
  const year = view.statutoryYears.last + 1;
  const banner = view.coverage.endingSoon
    ? h('p', { class: 'banner', role: 'status', id: 'calendar-banner' },
      m.t('calendarEnding', { until: view.coverage.until, daysLeft: view.coverage.daysLeft, year }), ' ',
      h('a', { href: `#/calendar/${year}-01` }, m.t('openCalendar')))
    : null;
  main.querySelector('#calendar-banner')?.remove();
  if (banner) main.prepend(banner);
}
