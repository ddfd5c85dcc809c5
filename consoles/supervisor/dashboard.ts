import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { DashboardView as ServerDashboardView } from '../../core/analytics/dashboard.js';
import { api, query, type Json } from '../shared/api.js';
import { h } from '../shared/dom.js';
import { percent, today } from '../shared/format.js';
import { lang } from '../shared/i18n.js';
import { download, toCsv, type Cell } from './csv.js';
import { label, m, type MessageKey } from './messages.js';

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** What GET /api/analytics/dashboard answers. */
type DashboardView = Json<ServerDashboardView>;
type Hotspot = NonNullable<DashboardView['hotspots']>['categories'][number];

/** Where a number leads: the console's ticket list with the filters that select the tickets behind it. */
export type TicketLink = { filters: Record<string, string>; search?: string; what: string };

const chinaInstant = (day: string, hour = 0) => new Date(`${day}T${String(hour).padStart(2, '0')}:00:00+08:00`).toISOString();
const dayAfter = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const shift = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const name = (row: { name: string; nameEn: string | null }) => (lang() === 'en' && row.nameEn ? row.nameEn : row.name);
const hotspotName = (row: Hotspot) => (lang() === 'en' && row.labelEn ? row.labelEn : row.label);

/** Period presets, all ending today (China date). */
function presets(): { key: MessageKey; from: string; to: string }[] {
  const end = today();
  return [
    { key: 'today', from: end, to: end },
    { key: 'last7', from: shift(end, -6), to: end },
    { key: 'last30', from: shift(end, -29), to: end },
    { key: 'thisMonth', from: `${end.slice(0, 8)}01`, to: end },
  ];
}

let charts: echarts.ECharts[] = [];

/**
 * The dashboard: every number is a link to the tickets behind it (`open(link)`), the charts' bars
 * too; the CSV holds the same tables.
 */
export async function renderDashboard(root: HTMLElement, period: { from: string; to: string }, show: (link: TicketLink) => void, choose: (period: { from: string; to: string }) => void): Promise<void> {
  for (const chart of charts) chart.dispose();
  charts = [];
  const started = performance.now();
  const view = await api<DashboardView>('GET', `/api/analytics/dashboard${query(period)}`);
  const elapsed = performance.now() - started;
  const inPeriod = { from: chinaInstant(view.period.from), to: chinaInstant(dayAfter(view.period.to)) };
  const link: Linker = (value, target, id) => numberLink(value, target, show, id);

  const fromInput = h('input', { type: 'date', id: 'period-from', name: 'from', value: view.period.from, required: true });
  const toInput = h('input', { type: 'date', id: 'period-to', name: 'to', value: view.period.to, required: true });
  const picker = h('form', { class: 'row card', id: 'period', 'aria-label': m.t('period') },
    h('label', { for: 'period-from' }, h('span', {}, m.t('from')), fromInput),
    h('label', { for: 'period-to' }, h('span', {}, m.t('to')), toInput),
    h('button', { type: 'submit', class: 'primary' }, m.t('apply')),
    ...presets().map((p) => h('button', { type: 'button', onclick: () => choose(p) }, m.t(p.key))),
    h('button', { type: 'button', id: 'export-csv', onclick: () => download(`dashboard-${view.period.from}-${view.period.to}.csv`, dashboardCsv(view)) }, m.t('exportCsv')),
    h('span', { class: 'muted', id: 'server-time' }, m.t('serverTime', { ms: Math.round(elapsed) })),
  );
  picker.addEventListener('submit', (event) => {
    event.preventDefault();
    choose({ from: fromInput.value, to: toInput.value });
  });

  const sections: HTMLElement[] = [picker];
  const summary = h('div', { class: 'row' });
  if (view.intake) {
    summary.append(h('div', { class: 'card stat' }, h('span', {}, m.t('intakeToday')), ' ',
      link(view.intake.total, { filters: { from: chinaInstant(view.today), to: chinaInstant(dayAfter(view.today)) }, what: m.t('intakeToday') }, 'intake-total')));
  }
  if (view.dispatchQueue) {
    summary.append(h('div', { class: 'card stat' }, h('span', {}, m.t('dispatchQueue')), ' ',
      link(view.dispatchQueue.open, { filters: { state: 'received' }, what: m.t('dispatchQueue') }, 'queue-open'), ' / ', h('span', {}, m.t('overdue')), ' ',
      link(view.dispatchQueue.overdue, { filters: { state: 'received', warning: 'red' }, what: `${m.t('dispatchQueue')} · ${m.t('overdue')}` }, 'queue-overdue')));
  }
  sections.push(summary);

  if (view.intake) sections.push(intakeSection(view, show));
  sections.push(departmentsSection(view, link, show));
  sections.push(ratesSection(view, link, inPeriod));
  if (view.hotspots) sections.push(hotspotsSection(view.hotspots, link, inPeriod));
  if (view.operators) sections.push(operatorsSection(view.operators));
  root.replaceChildren(h('h2', {}, m.t('dashboard')), ...sections);
  for (const chart of charts) chart.resize();
}

function chartBox(labelText: string, option: echarts.EChartsCoreOption, onBar: (seriesIndex: number, dataIndex: number) => void): HTMLElement {
  const box = h('div', { class: 'chart', role: 'img', 'aria-label': labelText });
  // Drawn once the box is in the page and sized; the tables beside carry the same numbers as links.
  queueMicrotask(() => {
    const chart = echarts.init(box, undefined, { renderer: 'canvas' });
    chart.setOption(option);
    chart.on('click', (params) => onBar(params.seriesIndex ?? 0, params.dataIndex));
    charts.push(chart);
  });
  return box;
}

function intakeSection(view: DashboardView, show: (link: TicketLink) => void): HTMLElement {
  const cells = view.intake!.cells;
  const channels = [...new Set(cells.map((c) => c.channel))].sort();
  const hours = Array.from({ length: 24 }, (_, i) => i);
  const count = (channel: string, hour: number) => cells.find((c) => c.channel === channel && c.hour === hour)?.received ?? 0;
  const hourLink = (channel: string | null, hour: number): TicketLink => ({
    filters: { ...(channel ? { channel } : {}), from: chinaInstant(view.today, hour), to: hour === 23 ? chinaInstant(dayAfter(view.today)) : chinaInstant(view.today, hour + 1) },
    what: `${view.today} ${hour}:00${channel ? ` · ${label('channel', channel)}` : ''}`,
  });
  const chart = chartBox(m.t('intakeByHour'), {
    tooltip: { trigger: 'axis', renderMode: 'richText' },
    legend: { top: 0 },
    grid: { left: 40, right: 10, top: 30, bottom: 25 },
    xAxis: { type: 'category', data: hours.map(String) },
    yAxis: { type: 'value', minInterval: 1 },
    series: channels.map((c) => ({ name: label('channel', c), type: 'bar', stack: 'intake', data: hours.map((hr) => count(c, hr)) })),
  }, (series, hour) => show(hourLink(channels[series] ?? null, hour)));
  const busy = hours.filter((hr) => channels.some((c) => count(c, hr) > 0));
  const table = h('table', { id: 'intake-table' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, m.t('hour')), ...channels.map((c) => h('th', { scope: 'col', class: 'number' }, label('channel', c))))),
    h('tbody', {}, ...busy.map((hr) => h('tr', {}, h('th', { scope: 'row' }, `${hr}:00`),
      ...channels.map((c) => h('td', { class: 'number' }, count(c, hr) ? numberLink(count(c, hr), hourLink(c, hr), show) : '0'))))));
  return h('section', { class: 'card', 'aria-labelledby': 'intake-heading' }, h('h3', { id: 'intake-heading' }, m.t('intakeByHour')), chart, busy.length ? table : h('p', { class: 'empty' }, m.t('noData')));
}

function numberLink(value: number | string, target: TicketLink, show: (link: TicketLink) => void, id?: string): HTMLElement {
  return h('a', { href: '#tickets', class: 'number', 'data-link': id ?? null, onclick: (event: Event) => { event.preventDefault(); show(target); } }, String(value));
}

type Linker = (value: number | string, target: TicketLink, id?: string) => HTMLElement;

function departmentsSection(view: DashboardView, link: Linker, show: (link: TicketLink) => void): HTMLElement {
  const rows = view.departments.filter((d) => d.open > 0).sort((a, b) => b.open - a.open).slice(0, 15);
  const openLink = (d: DashboardView['departments'][number], overdue: boolean): TicketLink => ({
    filters: { handledBy: d.departmentId, ...(overdue ? { warning: 'red' } : {}) }, what: `${name(d)} · ${m.t(overdue ? 'overdue' : 'open')}`,
  });
  const chart = chartBox(m.t('openByDepartment'), {
    tooltip: { trigger: 'axis', renderMode: 'richText' },
    legend: { top: 0 },
    grid: { left: 150, right: 10, top: 30, bottom: 20 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: rows.map(name) },
    series: [
      { name: m.t('open'), type: 'bar', data: rows.map((d) => d.open), itemStyle: { color: '#0f3d6e' } },
      { name: m.t('overdue'), type: 'bar', data: rows.map((d) => d.overdue), itemStyle: { color: '#c0392b' } },
    ],
  }, (series, index) => rows[index] && show(openLink(rows[index], series === 1)));
  const table = h('table', { id: 'open-table' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, m.t('department')), h('th', { scope: 'col', class: 'number' }, m.t('open')), h('th', { scope: 'col', class: 'number' }, m.t('overdue')))),
    h('tbody', {}, ...rows.map((d) => h('tr', { 'data-department': d.departmentId }, h('td', {}, name(d)),
      h('td', { class: 'number' }, link(d.open, openLink(d, false), `open-${d.departmentId}`)),
      h('td', { class: 'number' }, link(d.overdue, openLink(d, true), `overdue-${d.departmentId}`))))));
  return h('section', { class: 'card' }, h('h3', {}, m.t('openByDepartment')), chart, rows.length ? table : h('p', { class: 'empty' }, m.t('noData')));
}

function ratesSection(view: DashboardView, link: Linker, inPeriod: { from: string; to: string }): HTMLElement {
  const ranked = view.departments.filter((d) => d.rank > 0);
  const table = h('table', { id: 'rates-table' },
    h('thead', {}, h('tr', {}, ...(['rank', 'department', 'dispatched', 'response', 'resolution', 'satisfaction', 'composite'] as const).map((k) => h('th', { scope: 'col', class: k === 'department' ? '' : 'number' }, m.t(k))))),
    h('tbody', {}, ...ranked.map((d) => h('tr', { class: d.top ? 'top' : d.bottom ? 'bottom' : '', 'data-department': d.departmentId },
      h('td', { class: 'number' }, String(d.rank), d.top ? h('span', { class: 'badge good' }, m.t('topThree')) : null, d.bottom ? h('span', { class: 'badge red' }, m.t('bottomThree')) : null),
      h('td', {}, name(d)),
      h('td', { class: 'number' }, link(d.counters.dispatched ?? 0, { filters: { departmentId: d.departmentId, ...inPeriod }, what: `${name(d)} · ${m.t('dispatched')}` }, `dispatched-${d.departmentId}`)),
      h('td', { class: 'number' }, percent(d.rates.response)), h('td', { class: 'number' }, percent(d.rates.resolution)),
      h('td', { class: 'number' }, percent(d.rates.satisfaction)), h('td', { class: 'number' }, d.rates.composite === null ? '–' : (d.rates.composite * 100).toFixed(1))))));
  return h('section', { class: 'card' }, h('h3', {}, m.t('rates')), ranked.length ? table : h('p', { class: 'empty' }, m.t('noData')));
}

function hotspotsSection(hotspots: NonNullable<DashboardView['hotspots']>, link: Linker, inPeriod: { from: string; to: string }): HTMLElement {
  const kinds = [
    { kind: 'categories', title: 'hotCategories', target: (row: Hotspot): TicketLink => ({ filters: { categoryId: row.key, ...inPeriod }, what: hotspotName(row) }) },
    { kind: 'streets', title: 'hotStreets', target: (row: Hotspot): TicketLink => ({ filters: { street: row.key, ...inPeriod }, what: hotspotName(row) }) },
    { kind: 'words', title: 'hotWords', target: (row: Hotspot): TicketLink => ({ filters: {}, search: row.key, what: `${m.t('search')}: ${row.key}` }) },
  ] as const;
  return h('section', { class: 'card' }, h('h3', {}, m.t('hotspots')), h('div', { class: 'grid' }, ...kinds.map(({ kind, title, target }) => h('div', {},
    h('h4', {}, m.t(title)),
    hotspots[kind].length === 0 ? h('p', { class: 'empty' }, m.t('noData')) : h('table', { id: `hot-${kind}` },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, m.t(title)), ...(['count', 'previous', 'rise'] as const).map((k) => h('th', { scope: 'col', class: 'number' }, m.t(k))))),
      h('tbody', {}, ...hotspots[kind].map((row) => h('tr', {}, h('td', {}, hotspotName(row)),
        h('td', { class: 'number' }, link(row.count, target(row), `hot-${kind}-${row.key}`)), h('td', { class: 'number' }, String(row.previous)),
        h('td', { class: 'number' }, row.rise > 0 ? `+${row.rise}` : String(row.rise))))))))));
}

function operatorsSection(operators: NonNullable<DashboardView['operators']>): HTMLElement {
  return h('section', { class: 'card' }, h('h3', {}, m.t('operators')), operators.length === 0 ? h('p', { class: 'empty' }, m.t('noData')) : h('table', { id: 'operators-table' },
    h('thead', {}, h('tr', {}, ...(['operator', 'answered', 'answerTime', 'handleTime', 'resolvedOnCall'] as const).map((k) => h('th', { scope: 'col' }, m.t(k))))),
    h('tbody', {}, ...operators.map((o) => h('tr', {}, h('td', {}, o.username ?? o.operatorId), h('td', { class: 'number' }, String(o.answered)),
      h('td', { class: 'number' }, String(o.averageAnswerSeconds)), h('td', { class: 'number' }, String(o.averageHandleSeconds)), h('td', { class: 'number' }, percent(o.resolvedOnCallRate)))))));
}

/** The dashboard's tables as one CSV, section by section, in the console's language. */
export function dashboardCsv(view: DashboardView): string {
  const rows: Cell[][] = [[m.t('period'), view.period.from, view.period.to], [m.t('previous'), view.previous.from, view.previous.to], []];
  if (view.intake) {
    rows.push([m.t('intakeByHour'), view.intake.day], [m.t('channel'), m.t('hour'), m.t('count')]);
    for (const c of [...view.intake.cells].sort((a, b) => a.hour - b.hour || a.channel.localeCompare(b.channel))) rows.push([label('channel', c.channel), c.hour, c.received]);
    rows.push([m.t('total'), '', view.intake.total], []);
  }
  if (view.dispatchQueue) rows.push([m.t('dispatchQueue'), m.t('open'), view.dispatchQueue.open, m.t('overdue'), view.dispatchQueue.overdue], []);
  rows.push([m.t('rates')], [m.t('rank'), m.t('department'), m.t('open'), m.t('overdue'), m.t('dispatched'), m.t('response'), m.t('resolution'), m.t('satisfaction'), m.t('composite'), '']);
  for (const d of view.departments) {
    const rate = (r: number | null) => (r === null ? '' : r.toFixed(4));
    rows.push([d.rank || '', name(d), d.open, d.overdue, d.counters.dispatched ?? 0, rate(d.rates.response), rate(d.rates.resolution), rate(d.rates.satisfaction), rate(d.rates.composite), d.top ? m.t('topThree') : d.bottom ? m.t('bottomThree') : '']);
  }
  if (view.hotspots) {
    for (const [kind, title] of [['categories', 'hotCategories'], ['streets', 'hotStreets'], ['words', 'hotWords']] as const) {
      rows.push([], [`${m.t('hotspots')} · ${m.t(title)}`], [m.t(title), m.t('count'), m.t('previous'), m.t('rise')]);
      for (const row of view.hotspots[kind]) rows.push([hotspotName(row), row.count, row.previous, row.rise]);
    }
  }
  if (view.operators) {
    rows.push([], [m.t('operators')], [m.t('operator'), m.t('answered'), m.t('answerTime'), m.t('handleTime'), m.t('resolvedOnCall')]);
    for (const o of view.operators) rows.push([o.username ?? o.operatorId, o.answered, o.averageAnswerSeconds, o.averageHandleSeconds, o.resolvedOnCallRate]);
  }
  return toCsv(rows);
}
